//! The files rendered per environment (`prometheus.yml`, `alertmanager.yml`, Grafana
//! provisioning) span every tenant. Each tenant's share of them is rendered on its own, as
//! the YAML text it adds to each file, and the files are spliced together from the shares:
//! `watch` keeps the shares of unchanged tenants and re-renders only the edited tenant's.

use super::targets::{alertmanager, grafana, prometheus};
use super::{EnvContext, TenantModel};
use crate::project::Target;
use crate::write::Artifact;
use rayon::prelude::*;

/// One tenant's share of the files rendered per environment, as rendered text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvShare {
    /// Its `scrape_configs` items in `prometheus.yml`.
    pub scrape_jobs: String,
    /// Its route among the `route.routes` items of `alertmanager.yml`.
    pub route: String,
    /// Its `receivers` items in `alertmanager.yml`.
    pub receivers: String,
    /// It has dashboards (the Grafana provisioning file exists when any tenant has).
    pub dashboards: bool,
}

/// The share of tenant `t` in the files of the targets the project builds.
pub fn env_share(ctx: &EnvContext<'_>, t: &TenantModel) -> EnvShare {
    let mut share = EnvShare::default();
    for target in &ctx.project.build.targets {
        match target {
            Target::Prometheus => share.scrape_jobs = prometheus::env_share(ctx, t),
            Target::Alertmanager => (share.route, share.receivers) = alertmanager::env_share(ctx, t),
            Target::Grafana => share.dashboards = grafana::provisioning::has_dashboards(t),
            Target::Slack | Target::Kubernetes => {}
        }
    }
    share
}

/// The files of one environment spliced from its tenants' shares, in tenant order; the
/// targets are rendered in parallel. `None` if a file cannot be spliced (then render it
/// from the tenants with [`render_whole`]).
pub fn render_env_from(ctx: &EnvContext<'_>, shares: &[&EnvShare]) -> Option<Vec<Artifact>> {
    let texts = |field: fn(&EnvShare) -> &str| shares.iter().map(|s| field(s)).collect::<Vec<&str>>();
    let per_target: Vec<Option<Vec<Artifact>>> = ctx
        .project
        .build
        .targets
        .par_iter()
        .map(|target| match target {
            Target::Prometheus => prometheus::render_env_from(ctx, &texts(|s| &s.scrape_jobs)).map(|a| vec![a]),
            Target::Alertmanager => alertmanager::render_env_from(ctx, &texts(|s| &s.route), &texts(|s| &s.receivers)),
            Target::Grafana => Some(grafana::provisioning::render_if(
                ctx,
                shares.iter().any(|s| s.dashboards),
            )),
            Target::Slack | Target::Kubernetes => Some(Vec::new()),
        })
        .collect();
    let mut files = Vec::new();
    for part in per_target {
        files.extend(part?);
    }
    Some(files)
}

/// The files of one environment rendered from every tenant's model at once.
pub fn render_whole(ctx: &EnvContext<'_>, tenants: &[TenantModel]) -> Vec<Artifact> {
    let mut files = Vec::new();
    for target in &ctx.project.build.targets {
        match target {
            Target::Prometheus => files.extend(prometheus::render_env(ctx, tenants)),
            Target::Alertmanager => files.extend(alertmanager::render_env(ctx, tenants)),
            Target::Grafana => files.extend(grafana::render_env(ctx, tenants)),
            Target::Slack | Target::Kubernetes => {}
        }
    }
    files
}

/// The files of one environment, built from all of its valid tenants: spliced from their
/// shares (rendered in parallel), or rendered whole if they cannot be spliced.
pub fn render_env(ctx: &EnvContext<'_>, tenants: &[TenantModel]) -> Vec<Artifact> {
    let shares: Vec<EnvShare> = tenants.par_iter().map(|t| env_share(ctx, t)).collect();
    let refs: Vec<&EnvShare> = shares.iter().collect();
    render_env_from(ctx, &refs).unwrap_or_else(|| render_whole(ctx, tenants))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Platform;
    use crate::render::test_support::{project, tenant};
    use serde_json::json;

    fn tenants() -> Vec<TenantModel> {
        let channels = json!({
            "slack": {"type": "slack", "webhook_url_file": "/s", "channel": "#a"},
            "mail": {"type": "email", "to": "a@b.c"},
        });
        vec![
            tenant(
                "acme",
                json!({"locale": "de",
                    "monitoring": {"targets": {"api": {"address": "api:9090", "labels": {"a": "b: c"}}},
                                   "dashboards": ["overview"]},
                    "alerting": {"channels": channels, "routing": {"severities": {"critical": ["slack", "mail"]}}}}),
            ),
            tenant("quiet", json!({})),
            tenant(
                "zeta",
                json!({"monitoring": {"targets": {"w": {"address": "w:1"}}},
                       "alerting": {"channels": channels, "routing": {"severities": {"warning": ["mail"]}}}}),
            ),
        ]
    }

    /// The spliced files equal the files rendered whole, for every subset of the tenants.
    #[test]
    fn spliced_files_are_the_whole_files() {
        let project = project("tenant", "en");
        let platform: Platform = serde_json::from_value(json!({
            "prometheus": {"scrape_interval": "30s", "alertmanagers": ["am:9093"]},
            "alertmanager": {"resolve_timeout": "5m"},
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let ctx = EnvContext {
            env: "production",
            project: &project,
            platform: &platform,
        };
        let all = tenants();
        for mask in 0..(1 << all.len()) {
            let subset: Vec<TenantModel> = (all.iter().enumerate())
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, t)| t.clone())
                .collect();
            let shares: Vec<EnvShare> = subset.iter().map(|t| env_share(&ctx, t)).collect();
            let refs: Vec<&EnvShare> = shares.iter().collect();
            let spliced = render_env_from(&ctx, &refs).unwrap_or_else(|| panic!("mask {mask}: not spliced"));
            let whole = render_whole(&ctx, &subset);
            let text = |files: &[Artifact]| -> Vec<(String, String)> {
                let text = |a: &Artifact| String::from_utf8_lossy(&a.bytes).into_owned();
                files.iter().map(|a| (a.path.clone(), text(a))).collect()
            };
            assert_eq!(text(&spliced), text(&whole), "mask {mask}");
        }
    }
}
