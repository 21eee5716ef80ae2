//! Kubernetes: `<env>/kubernetes/<tenant>.yaml` (core objects, KEDA, Velero) and
//! `<env>/kubernetes/<tenant>.operator.yaml` (prometheus-operator resources).

use crate::render::verify::ArtifactChecks;
use crate::render::{EnvContext, TenantModel};
use crate::write::Artifact;

/// The manifests of one tenant.
pub fn render_tenant(_ctx: &EnvContext<'_>, _t: &TenantModel, _checks: &mut ArtifactChecks<'_>) -> Vec<Artifact> {
    Vec::new()
}
