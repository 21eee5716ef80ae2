//! `<env>/grafana/provisioning/dashboards.yaml`: one file provider that loads the
//! dashboards from `/var/lib/grafana/dashboards`, one folder per tenant (the folder
//! structure of `grafana/dashboards/`) unless `platform.grafana.folder_per_tenant` is
//! false. See docs/grafana.md for the mounts.

use crate::render::{EnvContext, TenantModel, yaml_artifact};
use crate::write::Artifact;
use serde_json::json;

/// Where Grafana finds the dashboards (mount `<env>/grafana/dashboards` here).
pub const DASHBOARDS_PATH: &str = "/var/lib/grafana/dashboards";

/// Whether the tenant has dashboards.
pub fn has_dashboards(t: &TenantModel) -> bool {
    t.tenant.monitoring.as_ref().is_some_and(|m| !m.dashboards.is_empty())
}

/// The provisioning file, when any tenant has dashboards.
pub fn render(ctx: &EnvContext<'_>, tenants: &[TenantModel]) -> Vec<Artifact> {
    render_if(ctx, tenants.iter().any(has_dashboards))
}

/// The provisioning file when `any` tenant has dashboards.
pub fn render_if(ctx: &EnvContext<'_>, any: bool) -> Vec<Artifact> {
    if !any {
        return Vec::new();
    }
    let per_tenant = ctx
        .platform
        .grafana
        .as_ref()
        .and_then(|g| g.folder_per_tenant)
        .unwrap_or(true);
    let mut provider = json!({
        "name": "strata",
        "orgId": 1,
        "type": "file",
        "disableDeletion": false,
        "allowUiUpdates": false,
        "updateIntervalSeconds": 30,
    });
    let options = json!({"path": DASHBOARDS_PATH, "foldersFromFilesStructure": per_tenant});
    if let Some(p) = provider.as_object_mut() {
        if !per_tenant {
            p.insert("folder".into(), json!("Tenants"));
        }
        p.insert("options".into(), options);
    }
    let doc = json!({"apiVersion": 1, "providers": [provider]});
    vec![yaml_artifact(
        format!("{}/grafana/provisioning/dashboards.yaml", ctx.env),
        &doc,
    )]
}
