//! Grafana: per tenant, `<env>/grafana/dashboards/<tenant>/<dashboard>.json` for each
//! dashboard in `monitoring.dashboards`, and per environment
//! `<env>/grafana/provisioning/dashboards.yaml`.

use crate::render::verify::ArtifactChecks;
use crate::render::{EnvContext, TenantModel};
use crate::write::Artifact;

/// The dashboards of one tenant.
pub fn render_tenant(_ctx: &EnvContext<'_>, _t: &TenantModel, _checks: &mut ArtifactChecks<'_>) -> Vec<Artifact> {
    Vec::new()
}

/// The provisioning file of one environment.
pub fn render_env(_ctx: &EnvContext<'_>, _tenants: &[TenantModel]) -> Vec<Artifact> {
    Vec::new()
}

/// Dashboard uids used by more than one dashboard of the build, as messages.
pub fn duplicate_uids(_files: &[Artifact]) -> Vec<String> {
    Vec::new()
}
