//! Slack: Block Kit message templates, `<env>/slack/<tenant>/<severity>.<locale>.json`.

use crate::render::verify::ArtifactChecks;
use crate::render::{EnvContext, TenantModel};
use crate::write::Artifact;

/// The message templates of one tenant.
pub fn render_tenant(_ctx: &EnvContext<'_>, _t: &TenantModel, _checks: &mut ArtifactChecks<'_>) -> Vec<Artifact> {
    Vec::new()
}
