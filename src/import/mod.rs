//! `strata import prometheus-rules`: Prometheus rule files become a tenant's
//! `alerting.rules` and `monitoring.recording_rules` (SPEC section 7).
//!
//! Every rule is read with strata's own YAML loader, so each problem is a diagnostic with
//! `file:line:column`. A rule is refused (and listed with the reason) when Prometheus
//! would refuse it, when its expression does not parse, or when it already selects
//! another tenant; every other rule is carried over with `for`, labels and annotations
//! kept as written. The `severity` label becomes the `severity` field (see
//! [`names::read_severity`]); `summary`, `description` and `runbook_url` annotations
//! become fields. Keys: the alert name (made valid when strata's schema would refuse it),
//! or the recorded name with `:` as `_`; keys that collide within the input get `_2`,
//! `_3`, ... while `alert` / `record` keep the name. A rule of the same key already in the
//! tenant file is replaced. The tenant file is rewritten whole (comments are not kept) and
//! atomically.

mod diags;
pub mod names;
pub mod rules;
pub mod tenant_file;

use crate::diag::{Diagnostic, SourceMap};
use crate::load::{check_raw, parse_yaml, read_file};
use rules::{Converted, Ctx, RuleKind};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What to import, and where.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// Repository root (holds `strata.toml`).
    pub root: &'a Path,
    /// Prometheus rule files.
    pub files: &'a [PathBuf],
    /// Tenant id: the rules go to `tenants/<tenant>.yaml`.
    pub tenant: &'a str,
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Report {
    /// Every file read, for rendering the diagnostics.
    pub sources: SourceMap,
    /// Refused rules (errors), rules carried over with a change and settings not carried
    /// over (warnings), and problems of whole files.
    pub diags: Vec<Diagnostic>,
    /// Alerting rules written.
    pub alerting: usize,
    /// Recording rules written.
    pub recording: usize,
    /// Rules refused.
    pub refused: usize,
    /// Problems that are not single rules: unreadable or malformed files, a tenant file
    /// the rules cannot be put into.
    pub problems: usize,
    /// The tenant file written, if any, and whether it existed before.
    pub written: Option<(PathBuf, bool)>,
}

impl Report {
    /// Whether everything given was carried over (warnings allowed).
    pub fn is_clean(&self) -> bool {
        self.refused == 0 && self.problems == 0
    }
}

/// The project's tenant label, from `strata.toml` of `root`.
fn tenant_label(root: &Path, report: &mut Report) -> Result<Option<String>, String> {
    let path = root.join("strata.toml");
    let raw = read_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file = report
        .sources
        .add("strata.toml".into(), path.clone(), Arc::new(raw.text.clone()));
    match crate::project::parse_project(&raw.text, file) {
        Ok(project) => Ok(Some(project.project.tenant_label)),
        Err(d) => {
            report.problems += 1;
            report.diags.push(*d);
            Ok(None)
        }
    }
}

/// Imports the rules of `request.files` into the tenant file. `Err` is a usage or I/O
/// error (an input file cannot be read, the tenant file cannot be written); problems of
/// the input are in the report.
pub fn import_prometheus_rules(request: &Request<'_>) -> Result<Report, String> {
    if !names::is_tenant_id(request.tenant) {
        return Err(format!(
            "`{}` is not a tenant id: ids are DNS labels such as `acme-corp`",
            request.tenant.escape_debug()
        ));
    }
    let mut report = Report::default();
    let Some(label) = tenant_label(request.root, &mut report)? else {
        return Ok(report);
    };
    let mut parsed = Vec::new();
    for path in request.files {
        let raw = read_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let file = report
            .sources
            .add(path.display().to_string(), path.clone(), Arc::new(raw.text.clone()));
        if let Some(d) = check_raw(&raw, file) {
            report.problems += 1;
            report.diags.push(d);
            continue;
        }
        let (node, diags) = parse_yaml(&raw.text, file);
        match node {
            Some(node) if diags.is_empty() => parsed.push(node),
            _ => report.problems += 1,
        }
        report.diags.extend(diags);
    }
    let ctx = Ctx {
        tenant: request.tenant,
        label: &label,
        sources: &report.sources,
    };
    let mut converted = Vec::new();
    let mut diags = Vec::new();
    for node in &parsed {
        let file = rules::read_file(node, &ctx, &mut diags);
        report.refused += file.refused;
        report.problems += file.problems;
        converted.extend(file.rules);
    }
    report.diags.extend(diags);
    let (alerting, recording): (Vec<Converted>, Vec<Converted>) =
        converted.into_iter().partition(|c| c.kind == RuleKind::Alerting);
    report.alerting = alerting.len();
    report.recording = recording.len();
    if alerting.is_empty() && recording.is_empty() {
        return Ok(report);
    }
    let relative = format!("tenants/{}.yaml", request.tenant);
    let path = request.root.join(&relative);
    let display = path.display().to_string();
    let loaded = tenant_file::load(&path, display, request.tenant, &mut report.sources, &mut report.diags)?;
    let Some(tenant_file::Loaded { mut doc, existed }) = loaded else {
        report.problems += 1;
        report.alerting = 0;
        report.recording = 0;
        return Ok(report);
    };
    tenant_file::insert(&mut doc, tenant_file::RECORDING, keyed(recording, "record"));
    tenant_file::insert(&mut doc, tenant_file::ALERTING, keyed(alerting, "alert"));
    let text = crate::render::yaml::to_yaml(&Value::Object(doc));
    tenant_file::write_atomically(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
    report.written = Some((path, existed));
    Ok(report)
}

/// Rules with their final keys; `name_field` (`alert` or `record`) is written first when
/// the name differs from the key.
fn keyed(rules: Vec<Converted>, name_field: &str) -> Vec<(String, Value)> {
    let wanted: Vec<String> = rules.iter().map(|r| r.key.clone()).collect();
    let keys = names::unique_keys(&wanted);
    rules
        .into_iter()
        .zip(keys)
        .map(|(rule, key)| {
            let mut body = serde_json::Map::new();
            if rule.name != key {
                body.insert(name_field.into(), Value::String(rule.name));
            }
            body.extend(rule.fields);
            (key, Value::Object(body))
        })
        .collect()
}
