//! `strata diff`: what a change to the config repository changes in the built artifacts.
//! Both sides are built in memory ([`side`]), cut into named items ([`items`]) and
//! compared per environment and tenant; the report renders as text, markdown (a pull
//! request comment) or JSON. Secrets never reach the report: `${...}` references are
//! compared as written, and literal secret values are replaced before comparing.

pub mod against;
mod compare;
pub mod human;
pub mod items;
pub mod markdown;
pub mod side;
pub mod text;
pub mod value;

pub use compare::{compare, drop_unchanged};
use serde::Serialize;
use std::collections::BTreeSet;
pub use value::FieldChange;

/// The kind of artifact an item comes from; the order is the order of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// The effective tenant config (`tenants/<id>.json`).
    Config,
    /// A Prometheus recording or alerting rule, or a rule group's settings.
    Rules,
    /// A promtool test file.
    RuleTests,
    /// A Prometheus scrape job.
    Scrape,
    /// A tenant's Alertmanager route subtree.
    Route,
    /// An Alertmanager receiver.
    Receiver,
    /// A Grafana dashboard or one of its panels.
    Dashboard,
    /// A Kubernetes object.
    Kubernetes,
    /// A Slack Block Kit message.
    Slack,
    /// Any other file, or what is left of a file once its items are cut out.
    File,
}

impl Target {
    /// The heading of the target in reports.
    pub fn title(self) -> &'static str {
        match self {
            Target::Config => "Effective config",
            Target::Rules => "Prometheus rules",
            Target::RuleTests => "promtool tests",
            Target::Scrape => "Prometheus scrape jobs",
            Target::Route => "Alertmanager routes",
            Target::Receiver => "Alertmanager receivers",
            Target::Dashboard => "Grafana dashboards",
            Target::Kubernetes => "Kubernetes objects",
            Target::Slack => "Slack messages",
            Target::File => "Other files",
        }
    }
}

/// Whether something was added, removed or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Only on the side being compared (the working tree).
    Added,
    /// Only on the `--against` side.
    Removed,
    /// On both, different.
    Changed,
}

/// One item that differs.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The kind of artifact.
    pub target: Target,
    /// The item's name, such as `acme-corp.alerts/HighErrorRate`.
    pub item: String,
    /// A readable title (a panel's or a dashboard's), when the name does not say it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Added, removed or changed.
    pub status: Status,
    /// The file it is in, relative to the output folder.
    pub file: String,
    /// The fields that changed (only for changed items whose fields are compared).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
}

/// The changes of one tenant in one environment.
#[derive(Debug, Clone, Serialize)]
pub struct TenantDiff {
    /// Tenant id.
    pub tenant: String,
    /// Added, removed or changed.
    pub status: Status,
    /// Its items that differ; for an added or removed tenant, its items without parts.
    pub changes: Vec<Change>,
}

/// The changes of one environment.
#[derive(Debug, Clone, Serialize)]
pub struct EnvDiff {
    /// Environment name.
    pub env: String,
    /// Added, removed or changed.
    pub status: Status,
    /// Changes to files of the whole environment.
    pub changes: Vec<Change>,
    /// Tenants that differ.
    pub tenants: Vec<TenantDiff>,
}

/// The whole comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// What the report is compared against (`--against` as given).
    pub base: String,
    /// What is compared (the repository root).
    pub head: String,
    /// Environments that differ, by name.
    pub environments: Vec<EnvDiff>,
}

impl Report {
    /// Whether anything differs.
    pub fn is_empty(&self) -> bool {
        self.environments.is_empty()
    }

    /// One line naming the environments and the tenants added, removed and changed (at
    /// most 20 names each), such as `In dev, production: tenants added: a; changed: b, c`.
    pub fn headline(&self) -> String {
        let envs: Vec<&str> = self.environments.iter().map(|e| e.env.as_str()).collect();
        let mut parts = Vec::new();
        for status in [Status::Added, Status::Removed, Status::Changed] {
            let ids: BTreeSet<&str> = self
                .environments
                .iter()
                .flat_map(|e| &e.tenants)
                .filter(|t| t.status == status)
                .map(|t| t.tenant.as_str())
                .collect();
            if ids.is_empty() {
                continue;
            }
            let names: Vec<&str> = ids.iter().copied().take(20).collect();
            let more = ids.len().saturating_sub(20);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            parts.push(format!("{}: {}{more}", text::verb(status), names.join(", ")));
        }
        if parts.is_empty() {
            format!("In {}: files of the environment changed", envs.join(", "))
        } else {
            format!("In {}: tenants {}", envs.join(", "), parts.join("; "))
        }
    }

    /// Items added, removed and changed, over every environment and tenant.
    pub fn counts(&self) -> [usize; 3] {
        let mut counts = [0; 3];
        let all = self
            .environments
            .iter()
            .flat_map(|e| e.changes.iter().chain(e.tenants.iter().flat_map(|t| &t.changes)));
        for change in all {
            counts[change.status as usize] += 1;
        }
        counts
    }
}

/// The report as JSON: `format` (`strata-diff/1`), `base`, `head`, `changed`, `counts`
/// (`added`, `removed`, `changed` items) and `environments` (see `docs/diff.md`).
pub fn render_json(report: &Report) -> String {
    let [added, removed, changed] = report.counts();
    let doc = serde_json::json!({
        "format": "strata-diff/1",
        "base": report.base,
        "head": report.head,
        "changed": !report.is_empty(),
        "counts": {"added": added, "removed": removed, "changed": changed},
        "environments": report.environments,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
