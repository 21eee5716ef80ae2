//! Grafana: per tenant, `<env>/grafana/dashboards/<tenant>/<dashboard>.json` for each
//! dashboard in `monitoring.dashboards`, and per environment
//! `<env>/grafana/provisioning/dashboards.yaml`. Every dashboard is checked before it is
//! written ([`check`]); a failure is STRATA-E072 at the config value behind it.

pub mod check;
pub mod dashboards;
pub mod model;
pub mod panels;
pub mod provisioning;
pub mod queries;
pub mod slo;
pub mod text;

use crate::model::Dashboard as Kind;
use crate::render::verify::ArtifactChecks;
use crate::render::{EnvContext, TenantModel};
use crate::write::Artifact;
use model::{Annotation, Builder, Dashboard, Problem};
use panels::Origin;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The code of a failed dashboard check.
pub const DASHBOARD_CHECK_FAILED: &str = "STRATA-E072";

/// Longest tenant display name kept in titles, in characters.
const NAME_CHARS: usize = 80;

/// The file name (without `.json`) and title word of a dashboard.
pub fn name(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Overview => ("overview", "Overview"),
        Kind::Performance => ("performance", "Performance"),
        Kind::Business => ("business", "Business"),
        Kind::Alerts => ("alerts", "Alerts"),
        Kind::Slo => ("slo", "SLOs"),
    }
}

/// The uid of dashboard `dashboard` of `tenant` in `env`: up to 27 characters of the
/// tenant id, `-`, and 12 hex digits of sha256(env, tenant, dashboard); at most 40.
pub fn uid(env: &str, tenant: &str, dashboard: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [env, tenant, dashboard] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    let digest = hex::encode(hasher.finalize());
    let prefix: String = tenant
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(27)
        .collect();
    let prefix = prefix.trim_end_matches('-');
    let hex = digest.get(..12).unwrap_or(&digest);
    if prefix.is_empty() {
        format!("strata-{hex}")
    } else {
        format!("{prefix}-{hex}")
    }
}

/// The `templating` object: the `datasource` variable (default: the platform's datasource
/// uid) and the `env` constant. Serialized once per environment and thread.
fn templating(ctx: &EnvContext<'_>) -> Arc<str> {
    type Cached = Option<((String, Option<String>), Arc<str>)>;
    thread_local! {
        static LAST: std::cell::RefCell<Cached> = const { std::cell::RefCell::new(None) };
    }
    let key = (
        ctx.env.to_string(),
        ctx.platform.grafana.as_ref().and_then(|g| g.datasource_uid.clone()),
    );
    if let Some(hit) = LAST.with(|l| l.borrow().as_ref().filter(|(k, _)| *k == key).map(|(_, v)| v.clone())) {
        return hit;
    }
    let current = match &key.1 {
        Some(uid) => json!({"selected": false, "text": uid, "value": uid}),
        None => json!({}),
    };
    let env = ctx.env;
    let list = json!({"list": [
        {
            "current": current, "hide": 0, "includeAll": false, "label": "Data source", "multi": false,
            "name": "datasource", "options": [], "query": "prometheus", "refresh": 1, "regex": "",
            "skipUrlSync": false, "type": "datasource"
        },
        {
            "current": {"selected": true, "text": env, "value": env}, "hide": 2, "label": "Environment",
            "name": "env", "options": [{"selected": true, "text": env, "value": env}], "query": env,
            "skipUrlSync": false, "type": "constant"
        }
    ]});
    let text: Arc<str> = Arc::from(list.to_string());
    LAST.with(|l| *l.borrow_mut() = Some((key, text.clone())));
    text
}

/// One dashboard of `t`, or the problems that keep it from being written.
pub fn dashboard(ctx: &EnvContext<'_>, t: &TenantModel, kind: Kind) -> Result<Dashboard, Vec<Problem>> {
    let label = ctx.project.project.tenant_label.as_str();
    let (file, word) = name(kind);
    let mut b = Builder::new(label, &t.id, Origin::at(&["monitoring", "dashboards"]));
    dashboards::build(kind, &mut b, &t.tenant);
    let display = t.tenant.name.as_deref().map(|n| text::short_title(n, NAME_CHARS));
    let env = text::short_title(ctx.env, 40);
    let title = match display.filter(|d| !d.is_empty()) {
        Some(d) => format!("{d} ({}) · {word} · {env}", t.id),
        None => format!("{} · {word} · {env}", t.id),
    };
    let critical = b.confine(queries::CRITICAL_ALERTS, &Origin::at(&["monitoring", "dashboards"]));
    let mut annotations = vec![Annotation {
        datasource: panels::DatasourceRef {
            kind: "grafana",
            uid: "-- Grafana --",
        },
        enable: true,
        expr: String::new(),
        hide: true,
        icon_color: "rgba(0, 211, 255, 1)",
        name: "Annotations & Alerts",
        title_format: "",
        kind: "dashboard",
        built_in: 1,
    }];
    if let Some(expr) = critical {
        annotations.push(Annotation {
            datasource: panels::PROMETHEUS,
            enable: true,
            expr,
            hide: false,
            icon_color: "red",
            name: "Critical alerts",
            title_format: "{{alertname}}",
            kind: "",
            built_in: 0,
        });
    }
    let tag = |s: &str| s.chars().take(50).collect::<String>();
    let d = Dashboard {
        uid: uid(ctx.env, &t.id, file),
        title,
        description: format!("{word} of tenant {} in {env}. Generated by strata; do not edit.", t.id),
        tags: vec!["strata".into(), tag(&t.id), tag(&env), file.into()],
        templating: templating(ctx),
        annotations,
        panels: b.panels,
    };
    let mut problems = b.problems;
    problems.extend(check::check(&d, label, &t.id));
    if problems.is_empty() { Ok(d) } else { Err(problems) }
}

/// The dashboards of one tenant.
pub fn render_tenant(ctx: &EnvContext<'_>, t: &TenantModel, checks: &mut ArtifactChecks<'_>) -> Vec<Artifact> {
    let Some(monitoring) = &t.tenant.monitoring else {
        return Vec::new();
    };
    let mut files = Vec::new();
    let mut seen = Vec::new();
    for &kind in &monitoring.dashboards {
        if seen.contains(&kind) {
            continue;
        }
        seen.push(kind);
        let file = name(kind).0;
        match dashboard(ctx, t, kind) {
            Ok(d) => files.push(Artifact {
                path: format!("{}/grafana/dashboards/{}/{file}.json", ctx.env, t.id),
                bytes: d.to_json(),
            }),
            Err(problems) => {
                // One diagnostic per config value and dashboard: the first problem it caused.
                let mut reported: Vec<&Origin> = Vec::new();
                for p in &problems {
                    if reported.contains(&&p.origin) {
                        continue;
                    }
                    reported.push(&p.origin);
                    checks.error(
                        DASHBOARD_CHECK_FAILED,
                        &p.origin.path(),
                        format!(
                            "dashboard check failed: the {file} dashboard of tenant `{}`: {}",
                            t.id, p.message
                        ),
                        "this value cannot be shown safely in a Grafana dashboard, or strata has a bug; \
                         change the value, or report the problem with it",
                    );
                }
            }
        }
    }
    files
}

/// The provisioning file of one environment.
pub fn render_env(ctx: &EnvContext<'_>, tenants: &[TenantModel]) -> Vec<Artifact> {
    provisioning::render(ctx, tenants)
}

/// Dashboard uids used by more than one dashboard of the build, as messages.
pub fn duplicate_uids<'a>(files: impl IntoIterator<Item = &'a Artifact>) -> Vec<String> {
    let uids: Vec<(String, Option<String>)> = files
        .into_iter()
        .filter_map(|f| dashboard_uid(f).map(|uid| (f.path.clone(), uid)))
        .collect();
    duplicate_uids_of(&uids)
}

/// The uid of `file` if it is a dashboard (`Some(None)`: a dashboard without one).
pub fn dashboard_uid(file: &Artifact) -> Option<Option<String>> {
    (file.path.contains("/grafana/dashboards/") && file.path.ends_with(".json")).then(|| uid_of(&file.bytes))
}

/// [`duplicate_uids`] of dashboards given by path and uid, in that order.
pub fn duplicate_uids_of(uids: &[(String, Option<String>)]) -> Vec<String> {
    let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (path, uid) in uids {
        let Some(uid) = uid else {
            out.push(format!("dashboard {path} has no uid"));
            continue;
        };
        if let Some(first) = seen.insert(uid.as_str(), path.as_str()) {
            out.push(format!("dashboard uid `{uid}` is used by both {first} and {path}"));
        }
    }
    out
}

/// The top-level `uid` of a dashboard file: found on its line in strata's layout without
/// parsing the whole file; other layouts are parsed.
fn uid_of(bytes: &[u8]) -> Option<String> {
    const KEY: &[u8] = b"\n  \"uid\": ";
    // The uid is among the last keys: search from the end.
    if let Some(at) = bytes.windows(KEY.len()).rposition(|w| w == KEY) {
        let rest = &bytes[at + KEY.len()..];
        let end = rest.iter().position(|b| *b == b'\n')?;
        let value = rest[..end].strip_suffix(b",").unwrap_or(&rest[..end]);
        return serde_json::from_slice::<String>(value).ok();
    }
    let doc: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    doc.get("uid")?.as_str().map(String::from)
}

#[cfg(test)]
mod tests;
