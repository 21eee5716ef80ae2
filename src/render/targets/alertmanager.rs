//! Alertmanager: `alertmanager/alertmanager.yml` and localized notification templates.

use crate::render::{EnvContext, TenantModel};
use crate::write::Artifact;

/// The Alertmanager files of one environment.
pub fn render_env(_ctx: &EnvContext<'_>, _tenants: &[TenantModel]) -> Vec<Artifact> {
    Vec::new()
}
