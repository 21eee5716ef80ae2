//! Building a [`Report`] from a compiled repository: the policies are evaluated again per
//! (environment, tenant) to attribute every finding to its tenant (compiled diagnostics
//! are folded by location, so two tenants inheriting one default would share one), and
//! each tenant is rendered in memory to count its outputs.

use super::{BuildSummary, Cell, FindingRow, Report, TenantReport, WaiverRow, WaiverStatus};
use crate::compile::{Compiled, EffectiveTenant};
use crate::diag::{Diagnostic, FileId, Severity, SourceMap};
use crate::load::Node;
use crate::policy::meta::RuleMeta;
use crate::policy::{Job, Policies, Waived, waivers};
use crate::project::{FailOn, Target};
use crate::render::{EnvContext, render_tenant, targets};
use crate::write::Artifact;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Column of the policies a repository adds in `policies/`.
pub const PROJECT_COLUMN: &str = "project";

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
fn location(sources: &SourceMap, loc: crate::diag::Loc) -> String {
    format!("{}:{}:{}", sources.path(loc.file), loc.line, loc.col)
}

/// The message of a finding without the `[SOC2, HIPAA] ` prefix naming its frameworks
/// (the report has a column for them).
fn without_framework_prefix(d: &Diagnostic) -> &str {
    if d.frameworks.is_empty() {
        return &d.message;
    }
    let names: Vec<String> = d.frameworks.iter().map(|f| f.to_uppercase()).collect();
    let prefix = format!("[{}] ", names.join(", "));
    d.message.strip_prefix(&prefix).unwrap_or(&d.message)
}

/// The columns a rule counts in.
fn columns_of(rule: &str, frameworks: &[String], rules: &BTreeMap<String, RuleMeta>) -> Vec<String> {
    if !frameworks.is_empty() {
        return frameworks.to_vec();
    }
    match rules.get(rule).map(|m| m.package.as_str()) {
        Some(p) if p.starts_with("strata.") => vec![p.trim_start_matches("strata.").to_string()],
        _ => vec![PROJECT_COLUMN.to_string()],
    }
}

/// What one (environment, tenant) yields.
struct Outcome {
    env: String,
    tenant: String,
    blocked: bool,
    findings: Vec<Diagnostic>,
    waived: Vec<Waived>,
    build: Option<BuildSummary>,
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
fn evaluate(
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
    let others_fail = compiled
        .diags
        .iter()
        .any(|d| is_config_error(d) && d.code != "STRATA-E082" && concerns(d, sources, &t.env, &t.tenant))
        || compiled.diags.iter().any(|d| {
            d.severity == Severity::Warning
                && fails(d)
                && d.code.starts_with("STRATA-")
                && concerns(d, sources, &t.env, &t.tenant)
        });
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
        let groups = if enabled.contains(&Target::Prometheus) {
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

/// What the report gathers of one tenant across environments.
#[derive(Default)]
struct Acc {
    name: Option<String>,
    compliance: BTreeSet<String>,
    evaluated: bool,
    findings: BTreeMap<(String, String, String), FindingRow>,
    waived: Vec<Waived>,
    builds: Vec<BuildSummary>,
}

/// Builds the report of a run compiled with [`crate::compile::Keep::Tenants`]. Policies are
/// loaded again (their files are added to the run's source map).
pub fn collect(compiled: &mut Compiled) -> Result<Report, String> {
    let today = waivers::today()?;
    let mut ignored = Vec::new();
    let repo = &mut compiled.repo;
    let policies = Policies::load(&repo.root, &repo.project, FileId(0), &mut repo.sources, &mut ignored)?;
    let compiled: &Compiled = compiled;
    let sources = compiled.sources();
    let project_value = crate::policy::input::value_of_serde(&compiled.repo.project);
    let platform_values: BTreeMap<String, regorus::Value> = compiled
        .platforms
        .iter()
        .map(|(env, node)| (env.clone(), crate::policy::input::value_of(node)))
        .collect();
    let outcomes: Vec<Option<Outcome>> = compiled
        .tenants
        .par_iter()
        .map_init(
            || policies.engine(),
            |engine, t| evaluate(compiled, &policies, engine, (&platform_values, &project_value), t),
        )
        .collect();
    let rules = policies.rules();
    let mut tenants: BTreeMap<String, Acc> = BTreeMap::new();
    let mut waiver_rows: BTreeMap<(String, String, String), WaiverRow> = BTreeMap::new();
    for t in &compiled.tenants {
        let acc = tenants.entry(t.tenant.clone()).or_default();
        if acc.name.is_none() {
            acc.name = t.doc.get("name").and_then(Node::as_str).map(str::to_string);
        }
        let compliance = t.doc.get("compliance").map_or(&[][..], Node::items);
        acc.compliance
            .extend(compliance.iter().filter_map(Node::as_str).map(str::to_string));
        for w in waivers::read(&t.doc) {
            let location = format!("{}:{}", sources.path(w.rule_loc.file), w.rule_loc.line);
            waiver_rows
                .entry((t.tenant.clone(), w.rule.clone(), location.clone()))
                .or_insert_with(|| WaiverRow {
                    tenant: t.tenant.clone(),
                    status: if policies.rules().contains_key(&w.rule) {
                        WaiverStatus::of(&w.expires, &today)
                    } else {
                        WaiverStatus::UnknownRule
                    },
                    rule: w.rule,
                    reason: w.reason,
                    expires: w.expires,
                    suppressed: 0,
                    location,
                });
        }
    }
    for o in outcomes.into_iter().flatten() {
        let acc = tenants.entry(o.tenant.clone()).or_default();
        acc.evaluated |= !o.blocked;
        for d in o.findings {
            let loc = location(sources, d.loc);
            let row = acc
                .findings
                .entry((d.code.to_string(), loc.clone(), d.message.clone()))
                .or_insert_with(|| FindingRow {
                    framework: columns_of(&d.code, &d.frameworks, rules).join(", "),
                    rule: d.code.to_string(),
                    severity: if d.severity == Severity::Error {
                        "error"
                    } else {
                        "warning"
                    },
                    message: without_framework_prefix(&d).to_string(),
                    location: loc,
                    envs: Vec::new(),
                });
            row.envs.push(o.env.clone());
        }
        acc.waived.extend(o.waived);
        acc.builds.extend(o.build);
    }
    let mut frameworks: Vec<String> = compiled.repo.project.policies.packs.clone();
    let project_rules = rules.values().any(|m| !m.package.starts_with("strata."));
    let project_findings = tenants
        .values()
        .flat_map(|a| a.findings.values())
        .any(|f| f.framework.split(", ").any(|c| c == PROJECT_COLUMN));
    if project_rules || project_findings {
        frameworks.push(PROJECT_COLUMN.to_string());
    }
    let mut rows = Vec::new();
    for (id, acc) in tenants {
        let waived = crate::policy::fold_waived(acc.waived);
        for w in &waived {
            for row in waiver_rows.values_mut().filter(|r| r.tenant == id && r.rule == w.rule) {
                row.suppressed += 1;
            }
        }
        let cells = frameworks
            .iter()
            .map(|column| {
                let listed = crate::policy::packs::framework(column).is_none_or(|f| acc.compliance.contains(f));
                if !listed {
                    return Cell::NotApplicable;
                }
                if !acc.evaluated {
                    return Cell::NotEvaluated;
                }
                let in_column = |cols: Vec<String>| cols.iter().any(|c| c == column);
                let (mut errors, mut warnings) = (0, 0);
                for f in acc
                    .findings
                    .values()
                    .filter(|f| f.framework.split(", ").any(|c| c == column))
                {
                    if f.severity == "error" {
                        errors += 1;
                    } else {
                        warnings += 1;
                    }
                }
                let waived = waived
                    .iter()
                    .filter(|w| {
                        in_column(columns_of(
                            &w.rule,
                            &rules.get(&w.rule).map(|m| m.frameworks.clone()).unwrap_or_default(),
                            rules,
                        ))
                    })
                    .count();
                Cell::Counts {
                    errors,
                    warnings,
                    waived,
                }
            })
            .collect();
        let mut findings: Vec<FindingRow> = acc.findings.into_values().collect();
        findings.sort_by(|a, b| (&a.location, &a.rule).cmp(&(&b.location, &b.rule)));
        rows.push(TenantReport {
            id,
            name: acc.name,
            cells,
            findings,
            builds: acc.builds,
        });
    }
    Ok(Report {
        project: compiled.repo.project.project.name.clone(),
        today,
        envs: compiled.platforms.keys().cloned().collect(),
        frameworks,
        tenants: rows,
        waivers: waiver_rows.into_values().collect(),
        config_errors: compiled
            .diags
            .iter()
            .filter(|d| is_config_error(d))
            .map(|d| format!("{}: {} {}", location(sources, d.loc), d.code, d.message))
            .collect(),
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

    #[test]
    fn rules_count_in_their_framework_columns() {
        let rules = BTreeMap::new();
        assert_eq!(
            columns_of("X", &["soc2".into(), "hipaa".into()], &rules),
            ["soc2", "hipaa"]
        );
        assert_eq!(columns_of("ACME-1", &[], &rules), [PROJECT_COLUMN]);
    }
}
