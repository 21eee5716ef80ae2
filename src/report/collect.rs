//! Building a [`Report`] from a compiled repository: every (environment, tenant) is
//! evaluated ([`super::evaluate`]), then findings, waivers and builds are gathered per
//! tenant and counted into the tenants x frameworks matrix.

use super::evaluate::{Outcome, evaluate, location, without_framework_prefix};
use super::{Cell, FindingRow, Report, TenantReport, WaiverRow, WaiverStatus};
use crate::compile::{Compiled, EffectiveTenant};
use crate::diag::{FileId, Severity, SourceMap};
use crate::load::Node;
use crate::policy::meta::RuleMeta;
use crate::policy::{Policies, Waived, waivers};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

pub use super::evaluate::is_config_error;

/// Column of the policies a repository adds in `policies/`.
pub const PROJECT_COLUMN: &str = "project";

/// The columns a rule counts in: the frameworks its metadata names, else its built-in
/// pack (`baseline`), else [`PROJECT_COLUMN`].
fn columns_of(rule: &str, rules: &BTreeMap<String, RuleMeta>) -> Vec<String> {
    match rules.get(rule) {
        Some(m) if !m.frameworks.is_empty() => m.frameworks.clone(),
        Some(m) if m.package.starts_with("strata.") => vec![m.package.trim_start_matches("strata.").to_string()],
        _ => vec![PROJECT_COLUMN.to_string()],
    }
}

/// What the report gathers of one tenant across environments.
#[derive(Default)]
struct Acc {
    name: Option<String>,
    compliance: BTreeSet<String>,
    evaluated: bool,
    /// By (rule, location, message): one row whatever the number of environments.
    findings: BTreeMap<(String, String, String), FindingRow>,
    waived: Vec<Waived>,
    builds: Vec<super::BuildSummary>,
}

impl Acc {
    fn add_document(&mut self, t: &EffectiveTenant) {
        if self.name.is_none() {
            self.name = t.doc.get("name").and_then(Node::as_str).map(str::to_string);
        }
        let compliance = t.doc.get("compliance").map_or(&[][..], Node::items);
        self.compliance
            .extend(compliance.iter().filter_map(Node::as_str).map(str::to_string));
    }

    fn add_outcome(&mut self, o: Outcome, sources: &SourceMap, rules: &BTreeMap<String, RuleMeta>) {
        self.evaluated |= !o.blocked;
        for d in o.findings {
            let loc = location(sources, d.loc);
            let row = self
                .findings
                .entry((d.code.to_string(), loc.clone(), d.message.clone()))
                .or_insert_with(|| FindingRow {
                    frameworks: columns_of(&d.code, rules),
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
        self.waived.extend(o.waived);
        self.builds.extend(o.build);
    }

    /// The tenant's cell in `column`; `waived` are its folded waived findings.
    fn cell(&self, column: &str, waived: &[Waived], rules: &BTreeMap<String, RuleMeta>) -> Cell {
        let listed = crate::policy::packs::framework(column).is_none_or(|f| self.compliance.contains(f));
        if !listed {
            return Cell::NotApplicable;
        }
        if !self.evaluated {
            return Cell::NotEvaluated;
        }
        let in_column = |f: &&FindingRow| f.frameworks.iter().any(|c| c == column);
        let (errors, warnings): (Vec<&FindingRow>, Vec<&FindingRow>) = self
            .findings
            .values()
            .filter(in_column)
            .partition(|f| f.severity == "error");
        Cell::Counts {
            errors: errors.len(),
            warnings: warnings.len(),
            waived: waived
                .iter()
                .filter(|w| columns_of(&w.rule, rules).iter().any(|c| c == column))
                .count(),
        }
    }
}

/// Every waiver of every tenant, once however many environments it applies in.
fn waiver_rows(compiled: &Compiled, rules: &BTreeMap<String, RuleMeta>, today: &str) -> Vec<WaiverRow> {
    let mut rows: BTreeMap<(String, String, String), WaiverRow> = BTreeMap::new();
    for t in &compiled.tenants {
        for w in waivers::read(&t.doc) {
            let location = format!("{}:{}", compiled.sources().path(w.rule_loc.file), w.rule_loc.line);
            let status = if rules.contains_key(&w.rule) {
                WaiverStatus::of(&w.expires, today)
            } else {
                WaiverStatus::UnknownRule
            };
            rows.entry((t.tenant.clone(), w.rule.clone(), location.clone()))
                .or_insert_with(|| WaiverRow {
                    tenant: t.tenant.clone(),
                    status,
                    rule: w.rule,
                    reason: w.reason,
                    expires: w.expires,
                    suppressed: 0,
                    location,
                });
        }
    }
    rows.into_values().collect()
}

/// Builds the report of a run compiled with [`crate::compile::Keep::Tenants`]. Policies are
/// loaded again (their files are added to the run's source map).
pub fn collect(compiled: &mut Compiled) -> Result<Report, String> {
    let today = waivers::today()?;
    let mut ignored = Vec::new();
    let repo = &mut compiled.repo;
    let policies = Policies::load(&repo.root, &repo.project, FileId(0), &mut repo.sources, &mut ignored)?;
    let compiled: &Compiled = compiled;
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
    for t in &compiled.tenants {
        tenants.entry(t.tenant.clone()).or_default().add_document(t);
    }
    for o in outcomes.into_iter().flatten() {
        tenants
            .entry(o.tenant.clone())
            .or_default()
            .add_outcome(o, compiled.sources(), rules);
    }
    let mut frameworks: Vec<String> = compiled.repo.project.policies.packs.clone();
    let project_rules = rules.values().any(|m| !m.package.starts_with("strata."));
    let project_findings = tenants
        .values()
        .flat_map(|a| a.findings.values())
        .any(|f| f.frameworks.iter().any(|c| c == PROJECT_COLUMN));
    if project_rules || project_findings {
        frameworks.push(PROJECT_COLUMN.to_string());
    }
    let mut waivers = waiver_rows(compiled, rules, &today);
    let mut rows = Vec::new();
    for (id, mut acc) in tenants {
        let waived = crate::policy::fold_waived(std::mem::take(&mut acc.waived));
        for w in &waived {
            for row in waivers.iter_mut().filter(|r| r.tenant == id && r.rule == w.rule) {
                row.suppressed += 1;
            }
        }
        let cells = frameworks.iter().map(|c| acc.cell(c, &waived, rules)).collect();
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
        waivers,
        config_errors: compiled
            .diags
            .iter()
            .filter(|d| is_config_error(d))
            .map(|d| format!("{}: {} {}", location(compiled.sources(), d.loc), d.code, d.message))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Loc;

    fn meta(id: &str, package: &str, frameworks: &[&str]) -> (String, RuleMeta) {
        let m = RuleMeta {
            id: id.into(),
            title: String::new(),
            description: String::new(),
            severity: Severity::Error,
            frameworks: frameworks.iter().map(|f| (*f).to_string()).collect(),
            remediation: None,
            package: package.into(),
            rule: "violation".into(),
            loc: Loc::default(),
        };
        (id.to_string(), m)
    }

    #[test]
    fn rules_count_in_their_framework_columns() {
        let rules: BTreeMap<String, RuleMeta> = [
            meta("X-1", "strata.soc2", &["soc2", "hipaa"]),
            meta("BASE-001", "strata.baseline", &[]),
            meta("ACME-1", "acme.naming", &[]),
        ]
        .into();
        assert_eq!(columns_of("X-1", &rules), ["soc2", "hipaa"]);
        assert_eq!(columns_of("BASE-001", &rules), ["baseline"]);
        assert_eq!(columns_of("ACME-1", &rules), [PROJECT_COLUMN]);
        assert_eq!(columns_of("undocumented.pkg", &rules), [PROJECT_COLUMN]);
    }
}
