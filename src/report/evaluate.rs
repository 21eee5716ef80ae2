//! One (environment, tenant): its policies evaluated again, so every finding is attributed
//! to its tenant (compiled diagnostics are folded by location, so two tenants inheriting
//! one default would share one), and its files rendered in memory to count its outputs.

use super::BuildSummary;
use crate::compile::{Compiled, EffectiveTenant};
use crate::diag::{Diagnostic, FileId, Severity, SourceMap};
use crate::policy::{Job, Policies, Waived};
use crate::project::{FailOn, Target};
use crate::render::{EnvContext, render_tenant, targets};
use crate::write::Artifact;
use std::collections::BTreeMap;

/// Whether a diagnostic is a configuration error: an error that is not a policy finding
/// nor an expired waiver (both are what the report is about).
pub fn is_config_error(d: &Diagnostic) -> bool {
    d.severity == Severity::Error && d.code.starts_with("STRATA-") && d.code != "STRATA-E083"
}

/// Whether a configuration error keeps the policies from running: errors of the policies
/// themselves (STRATA-E08x) do not.
fn blocks_evaluation(d: &Diagnostic) -> bool {
    is_config_error(d) && !d.code.starts_with("STRATA-E08")
}

/// The tenant a file belongs to (`tenants/<id>.yaml`, `tenants/<id>/<env>.yaml`).
fn owner(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("tenants/")?;
    let first = rest.split('/').next()?;
    Some(
        first
            .strip_suffix(".yaml")
            .or_else(|| first.strip_suffix(".yml"))
            .unwrap_or(first),
    )
}

/// Whether `d` concerns `tenant` in `env`: it is in the tenant's own files or in a file
/// every tenant shares, in that environment (or in every one).
fn concerns(d: &Diagnostic, sources: &SourceMap, env: &str, tenant: &str) -> bool {
    let in_env = d.envs.is_empty() || d.envs.iter().any(|e| e == env);
    in_env && owner(sources.path(d.loc.file)).is_none_or(|t| t == tenant)
}

/// `file:line:column` of a location.
pub fn location(sources: &SourceMap, loc: crate::diag::Loc) -> String {
    format!("{}:{}:{}", sources.path(loc.file), loc.line, loc.col)
}

/// The message of a finding without the `[SOC2, HIPAA] ` prefix naming its frameworks
/// (the report has a column for them).
pub fn without_framework_prefix(d: &Diagnostic) -> &str {
    if d.frameworks.is_empty() {
        return &d.message;
    }
    let names: Vec<String> = d.frameworks.iter().map(|f| f.to_uppercase()).collect();
    let prefix = format!("[{}] ", names.join(", "));
    d.message.strip_prefix(&prefix).unwrap_or(&d.message)
}

/// What one (environment, tenant) yields.
pub struct Outcome {
    /// Environment.
    pub env: String,
    /// Tenant id.
    pub tenant: String,
    /// Whether configuration errors kept the policies from running.
    pub blocked: bool,
    /// Policy findings (errors and warnings not waived).
    pub findings: Vec<Diagnostic>,
    /// Findings active waivers suppressed.
    pub waived: Vec<Waived>,
    /// What the tenant's build produces (`None` when the environment or the tenant does
    /// not fit the types).
    pub build: Option<BuildSummary>,
}

/// Counts the outputs of one tenant's rendered files.
fn summarise(
    env: &str,
    tenant: &str,
    files: &[Artifact],
    groups: &[serde_json::Value],
    receivers: usize,
    clean: bool,
) -> BuildSummary {
    let text = |path: String| {
        files
            .iter()
            .find(|f| f.path == path)
            .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
            .unwrap_or_default()
    };
    let rules = groups
        .iter()
        .flat_map(|g| g["rules"].as_array().map_or(&[][..], Vec::as_slice));
    let count = |kind: &str| rules.clone().filter(|r| r.get(kind).is_some()).count();
    let documents = |path: String| text(path).lines().filter(|l| *l == "---").count();
    let dashboards = format!("{env}/grafana/dashboards/{tenant}/");
    BuildSummary {
        env: env.to_string(),
        builds: clean,
        recording_rules: count("record"),
        alerting_rules: count("alert"),
        dashboards: files.iter().filter(|f| f.path.starts_with(&dashboards)).count(),
        receivers,
        kubernetes_objects: documents(format!("{env}/kubernetes/{tenant}.yaml"))
            + documents(format!("{env}/kubernetes/{tenant}.operator.yaml")),
        files: files.len(),
    }
}

/// Evaluates the policies of one effective tenant and renders it.
pub fn evaluate(
    compiled: &Compiled,
    policies: &Policies,
    engine: &mut regorus::Engine,
    values: (&BTreeMap<String, regorus::Value>, &regorus::Value),
    t: &EffectiveTenant,
) -> Option<Outcome> {
    let sources = compiled.sources();
    let fail_on = compiled.repo.project.policies.fail_on;
    let fails = |d: &Diagnostic| d.severity == Severity::Error || fail_on == FailOn::Warning;
    let blocked = compiled
        .diags
        .iter()
        .any(|d| blocks_evaluation(d) && concerns(d, sources, &t.env, &t.tenant));
    let own_files: Vec<FileId> = std::iter::once(t.file)
        .chain(
            compiled
                .repo
                .tenants
                .get(&t.tenant)
                .and_then(|f| f.overlays.get(&t.env))
                .map(|(f, _)| *f),
        )
        .collect();
    let (diags, waived) = policies.check(
        engine,
        &Job {
            env: &t.env,
            tenant: &t.tenant,
            doc: &t.doc,
            platform: compiled.platforms.get(&t.env)?,
            platform_value: values.0.get(&t.env)?,
            project_value: values.1,
            own_files: &own_files,
            valid: !blocked,
        },
    );
    // Problems of the compile but policy findings and waiver errors (`diags` has this
    // tenant's own): those in the tenant's files or in files every tenant shares.
    let compile_problem =
        |d: &Diagnostic| d.code.starts_with("STRATA-") && !matches!(d.code.as_ref(), "STRATA-E082" | "STRATA-E083");
    let others_fail = compiled
        .diags
        .iter()
        .any(|d| compile_problem(d) && fails(d) && concerns(d, sources, &t.env, &t.tenant));
    let build = compiled.typed_platforms.get(&t.env).and_then(|platform| {
        let ctx = EnvContext {
            env: &t.env,
            project: &compiled.repo.project,
            platform,
        };
        let mut checks = Vec::new();
        let (files, model) = render_tenant(&ctx, t, &mut checks)?;
        let enabled = &compiled.repo.project.build.targets;
        let receivers = if enabled.contains(&Target::Alertmanager) {
            let config = targets::alertmanager::config(&ctx, std::slice::from_ref(&model));
            config["receivers"].as_array().map_or(0, |r| r.len().saturating_sub(1))
        } else {
            0
        };
        // The rules file and the PrometheusRule hold the same groups.
        let groups = if enabled.contains(&Target::Prometheus) || enabled.contains(&Target::Kubernetes) {
            targets::prometheus::rule_groups(&ctx, &model)
        } else {
            Vec::new()
        };
        let clean = !blocked && !others_fail && !diags.iter().chain(&checks).any(fails);
        Some(summarise(&t.env, &t.tenant, &files, &groups, receivers, clean))
    });
    Some(Outcome {
        env: t.env.clone(),
        tenant: t.tenant.clone(),
        blocked,
        findings: diags.into_iter().filter(|d| !d.code.starts_with("STRATA-")).collect(),
        waived,
        build,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_belong_to_their_tenant() {
        assert_eq!(owner("tenants/acme.yaml"), Some("acme"));
        assert_eq!(owner("tenants/acme/production.yaml"), Some("acme"));
        assert_eq!(owner("environments/dev.yaml"), None);
        assert_eq!(owner("defaults.yaml"), None);
    }
}
