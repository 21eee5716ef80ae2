//! `strata.toml`: project settings, read strictly (unknown keys are errors with their line).

use crate::diag::{Diagnostic, FileId, Loc};
use crate::load::lines::LineIndex;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The whole `strata.toml`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "strata.toml")]
pub struct Project {
    /// Project identity and tenant isolation.
    pub project: ProjectSection,
    /// Build output.
    #[serde(default)]
    pub build: BuildSection,
    /// Compliance policies.
    #[serde(default)]
    pub policies: PolicySection,
    /// Message catalogs and notification template: the built-in ones with the
    /// repository's `locales/` and `templates/` merged over them (not part of the file).
    #[serde(skip)]
    #[schemars(skip)]
    pub texts: std::sync::Arc<crate::texts::Texts>,
}

/// `[project]`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectSection {
    /// Project name.
    pub name: String,
    /// The label that isolates tenants in PromQL and routing.
    #[serde(default = "default_tenant_label")]
    pub tenant_label: String,
    /// Language of notifications when a tenant sets none.
    #[serde(default = "default_locale")]
    pub default_locale: String,
}

/// An output target of `strata build`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Prometheus configuration, rules and rule tests.
    Prometheus,
    /// Alertmanager routing and templates.
    Alertmanager,
    /// Grafana dashboards.
    Grafana,
    /// Slack Block Kit messages.
    Slack,
    /// Kubernetes manifests.
    Kubernetes,
}

/// `[build]`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildSection {
    /// Output folder, relative to the root.
    #[serde(default = "default_out_dir")]
    pub out_dir: String,
    /// Targets to build.
    #[serde(default = "all_targets")]
    pub targets: Vec<Target>,
}

impl Default for BuildSection {
    fn default() -> Self {
        Self {
            out_dir: default_out_dir(),
            targets: all_targets(),
        }
    }
}

/// Severity a run fails on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Fail on errors only.
    #[default]
    Error,
    /// Fail on warnings too.
    Warning,
}

/// Severity a policy rule can be set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RuleSeverity {
    /// Fails the run.
    Error,
    /// Reported only.
    Warning,
}

/// `[policies]`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicySection {
    /// Built-in packs to enable.
    #[serde(default = "all_packs")]
    pub packs: Vec<String>,
    /// Severity the run fails on.
    #[serde(default)]
    pub fail_on: FailOn,
    /// Per-rule severity overrides.
    #[serde(default)]
    pub severity: IndexMap<String, RuleSeverity>,
    /// Folders of conftest-style policies run over generated Kubernetes objects.
    #[serde(default)]
    pub manifests: Vec<String>,
}

impl Default for PolicySection {
    fn default() -> Self {
        Self {
            packs: all_packs(),
            fail_on: FailOn::Error,
            severity: IndexMap::new(),
            manifests: Vec::new(),
        }
    }
}

impl Project {
    /// Settings used when `strata.toml` is invalid, so the rest can still be checked.
    pub fn fallback() -> Self {
        Self {
            project: ProjectSection {
                name: String::new(),
                tenant_label: default_tenant_label(),
                default_locale: default_locale(),
            },
            build: BuildSection::default(),
            policies: PolicySection::default(),
            texts: Default::default(),
        }
    }
}

fn default_tenant_label() -> String {
    "tenant".to_string()
}
fn default_locale() -> String {
    "en".to_string()
}
fn default_out_dir() -> String {
    "out".to_string()
}
fn all_targets() -> Vec<Target> {
    vec![
        Target::Prometheus,
        Target::Alertmanager,
        Target::Grafana,
        Target::Slack,
        Target::Kubernetes,
    ]
}
fn all_packs() -> Vec<String> {
    ["baseline", "soc2", "gdpr", "hipaa"].map(String::from).to_vec()
}

/// Parses `strata.toml`; an error points at the offending key or value.
pub fn parse_project(text: &str, file: FileId) -> Result<Project, Box<Diagnostic>> {
    toml::from_str::<Project>(text).map_err(|e| {
        let lines = LineIndex::new(text);
        let loc = e
            .span()
            .map_or(Loc::file_start(file), |r| lines.loc_of_range(file, r.start, r.end));
        let d = Diagnostic::error(
            "STRATA-E008",
            loc,
            format!("invalid strata.toml: {}", e.message().trim()),
        )
        .with_label("here")
        .with_help("see `schemas/strata-toml.schema.json` for the keys strata.toml accepts");
        Box::new(d)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_has_its_line() {
        let text = "[project]\nname = \"x\"\ntenant_lable = \"t\"\n";
        let d = parse_project(text, FileId(0)).err().map(|d| (d.loc.line, d.message));
        let (line, message) = d.unwrap_or_default();
        assert_eq!(line, 3);
        assert!(message.contains("tenant_lable"), "{message}");
    }

    #[test]
    fn defaults_fill_missing_sections() {
        let p = parse_project("[project]\nname = \"x\"\n", FileId(0)).ok();
        assert_eq!(
            p.map(|p| (p.project.tenant_label, p.build.out_dir)),
            Some(("tenant".into(), "out".into()))
        );
    }
}
