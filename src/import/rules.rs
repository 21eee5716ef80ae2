//! Reading one Prometheus rule file (`groups: [{name, rules: [...]}]`, or the same under
//! `spec:` of a Kubernetes `PrometheusRule`) into rules in strata's shape. Every rule that
//! cannot be carried over is refused with a diagnostic at its place in the file; every rule
//! that is carried over with a change (a new name, a default severity) gets a warning.

use super::diags::{changed, check_expr, dropped, malformed, refuse};
use super::names::{SeverityRead, is_label_name, is_metric_name, read_severity, record_key, sanitize, severity_name};
use crate::diag::{Diagnostic, Loc, SourceMap};
use crate::duration::parse_duration;
use crate::load::{Kind, Node};
use crate::model::Severity;
use indexmap::IndexMap;

/// What rules are checked against.
pub struct Ctx<'a> {
    /// The tenant the rules are imported into.
    pub tenant: &'a str,
    /// The project's tenant label (`tenant` unless strata.toml says otherwise).
    pub label: &'a str,
    /// The files read so far (for source text of non-string scalars and columns).
    pub sources: &'a SourceMap,
}

/// Alerting or recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// An alerting rule (`alerting.rules`).
    Alerting,
    /// A recording rule (`monitoring.recording_rules`).
    Recording,
}

/// A rule read from an input file, in strata's shape.
#[derive(Debug, Clone)]
pub struct Converted {
    /// Alerting or recording.
    pub kind: RuleKind,
    /// The key the rule wants (before collisions are resolved).
    pub key: String,
    /// The alert or record name written in `alert` / `record` when it differs from the key.
    pub name: String,
    /// The remaining fields in output order (`expr`, `for`, `severity`, ...).
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// The rules of one file.
#[derive(Debug, Default)]
pub struct FileRules {
    /// Rules carried over.
    pub rules: Vec<Converted>,
    /// Number of rules refused (each has an error diagnostic).
    pub refused: usize,
    /// Number of problems that are not single rules (no `groups`, a malformed group).
    pub problems: usize,
}

const GROUP_DROPPED: &[&str] = &["interval", "limit", "query_offset", "evaluation_delay"];
const RULE_FIELDS: &[&str] = &[
    "alert",
    "record",
    "expr",
    "for",
    "keep_firing_for",
    "labels",
    "annotations",
];
const ANNOTATION_FIELDS: &[&str] = &["summary", "description", "runbook_url"];

/// The text of a scalar as Prometheus reads it: strings as they are, numbers and booleans
/// as written. `None` for null, mappings and sequences.
fn scalar_text(node: &Node, sources: &SourceMap) -> Option<String> {
    match &node.kind {
        Kind::Str(s) => Some(s.clone()),
        Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => Some(
            sources
                .snippet(node.loc)
                .map_or_else(|| node.to_json(None).to_string(), str::to_string),
        ),
        _ => None,
    }
}

/// `text` with `${` written `$${`, so strata's `${VAR}` interpolation gives it back as is.
fn escaped(text: &str) -> serde_json::Value {
    serde_json::Value::String(text.replace("${", "$${"))
}

/// Reads the groups of a parsed rule file.
pub fn read_file(root: &Node, ctx: &Ctx<'_>, diags: &mut Vec<Diagnostic>) -> FileRules {
    let mut out = FileRules::default();
    let is_operator = root.get("kind").and_then(Node::as_str) == Some("PrometheusRule");
    let (doc, allowed): (Option<&Node>, &[&str]) = if is_operator {
        (root.get("spec"), &["apiVersion", "kind", "metadata", "spec"])
    } else {
        (Some(root), &["groups"])
    };
    let Some(groups) = doc.and_then(|d| d.get("groups")) else {
        out.problems += 1;
        diags.push(malformed(root.loc, "not a Prometheus rule file: no `groups`".into()));
        return out;
    };
    for (key, entry) in root.entries().filter(|(k, _)| !allowed.contains(&k.as_str())) {
        diags.push(dropped(entry.key_loc, format!("top-level field `{key}` is ignored")));
    }
    if matches!(groups.kind, Kind::Null) {
        return out;
    }
    let Kind::Seq(items) = &groups.kind else {
        out.problems += 1;
        diags.push(malformed(groups.loc, "`groups` must be a list of groups".into()));
        return out;
    };
    for group in items {
        read_group(group, ctx, diags, &mut out);
    }
    out
}

fn read_group(group: &Node, ctx: &Ctx<'_>, diags: &mut Vec<Diagnostic>, out: &mut FileRules) {
    let rules_ok = |r: &Node| matches!(r.kind, Kind::Seq(_) | Kind::Null);
    let rules: &[Node] = match (&group.kind, group.get("rules")) {
        (Kind::Map(_), None) => &[],
        (Kind::Map(_), Some(r)) if rules_ok(r) => r.items(),
        _ => {
            out.problems += 1;
            let message = "a group must be a mapping with a `rules` list".into();
            diags.push(malformed(group.get("rules").map_or(group.loc, |r| r.loc), message));
            return;
        }
    };
    let name = group
        .get("name")
        .and_then(|n| scalar_text(n, ctx.sources))
        .unwrap_or_default();
    for (key, entry) in group.entries() {
        match key.as_str() {
            "name" | "rules" | "labels" => {}
            k if GROUP_DROPPED.contains(&k) => {
                let value = scalar_text(&entry.value, ctx.sources).unwrap_or_default();
                diags.push(dropped(
                    entry.key_loc,
                    format!("`{k}: {value}` of group `{name}` is not carried over"),
                ));
            }
            k => diags.push(dropped(
                entry.key_loc,
                format!("unknown field `{k}` of group `{name}` is ignored"),
            )),
        }
    }
    let mut group_labels = IndexMap::new();
    if let Some(labels) = group.get("labels")
        && let Err(d) = read_pairs(labels, "label", ctx, &mut group_labels)
    {
        out.problems += 1;
        diags.push(malformed(d.loc, d.message));
        return;
    }
    for rule in rules {
        let mut notes = Vec::new();
        match convert(rule, &group_labels, ctx, &mut notes) {
            Ok(c) => {
                diags.extend(notes);
                out.rules.push(c);
            }
            Err(d) => {
                out.refused += 1;
                diags.push(*d);
            }
        }
    }
}

/// Reads a `labels` or `annotations` mapping into `into`, checking names.
fn read_pairs(
    node: &Node,
    what: &str,
    ctx: &Ctx<'_>,
    into: &mut IndexMap<String, String>,
) -> Result<(), Box<Diagnostic>> {
    if matches!(node.kind, Kind::Null) {
        return Ok(());
    }
    if !matches!(node.kind, Kind::Map(_)) {
        return Err(refuse(node.loc, format!("{what}s must be a mapping")));
    }
    for (key, entry) in node.entries() {
        if !is_label_name(key) {
            return Err(refuse(
                entry.key_loc,
                format!("`{key}` is not a valid {what} name (`[a-zA-Z_][a-zA-Z0-9_]*`)"),
            ));
        }
        let value = match &entry.value.kind {
            Kind::Null => String::new(),
            _ => scalar_text(&entry.value, ctx.sources)
                .ok_or_else(|| refuse(entry.value.loc, format!("{what} `{key}` must be a string")))?,
        };
        into.insert(key.clone(), value);
    }
    Ok(())
}

fn field_text(rule: &Node, key: &str, ctx: &Ctx<'_>) -> Result<Option<(String, Loc)>, Box<Diagnostic>> {
    let Some(node) = rule.get(key) else {
        return Ok(None);
    };
    match scalar_text(node, ctx.sources) {
        Some(text) if !text.trim().is_empty() => Ok(Some((text, node.loc))),
        _ => Err(refuse(node.loc, format!("`{key}` must be a non-empty string"))),
    }
}

/// Converts one rule, or refuses it with the reason.
fn convert(
    rule: &Node,
    group_labels: &IndexMap<String, String>,
    ctx: &Ctx<'_>,
    notes: &mut Vec<Diagnostic>,
) -> Result<Converted, Box<Diagnostic>> {
    if !matches!(rule.kind, Kind::Map(_)) {
        return Err(refuse(rule.loc, "a rule must be a mapping".into()));
    }
    if let Some((key, entry)) = rule.entries().find(|(k, _)| !RULE_FIELDS.contains(&k.as_str())) {
        return Err(refuse(entry.key_loc, format!("unknown rule field `{key}`")));
    }
    let (kind, (name, name_loc)) = match (field_text(rule, "alert", ctx)?, field_text(rule, "record", ctx)?) {
        (Some(a), None) => (RuleKind::Alerting, a),
        (None, Some(r)) => (RuleKind::Recording, r),
        (Some(_), Some(_)) => {
            return Err(refuse(
                rule.loc,
                "a rule has either `alert` or `record`, not both".into(),
            ));
        }
        (None, None) => return Err(refuse(rule.loc, "a rule needs `alert` or `record`".into())),
    };
    let what = match kind {
        RuleKind::Alerting => format!("alert `{name}`"),
        RuleKind::Recording => format!("recording rule `{name}`"),
    };
    let (expr, expr_loc) =
        field_text(rule, "expr", ctx)?.ok_or_else(|| refuse(rule.loc, format!("{what} has no `expr`")))?;
    check_expr(&expr, expr_loc, &what, ctx)?;
    let mut labels = group_labels.clone();
    if let Some(node) = rule.get("labels") {
        read_pairs(node, "label", ctx, &mut labels)?;
    }
    if let Some(value) = labels.get(ctx.label).filter(|v| *v != ctx.tenant) {
        let loc = rule.at(&["labels", ctx.label]).map_or(rule.loc, |n| n.loc);
        return Err(refuse(
            loc,
            format!(
                "{what} sets `{}: {value}`, which would make it another tenant's rule",
                ctx.label
            ),
        ));
    }
    let mut fields = serde_json::Map::new();
    fields.insert("expr".into(), escaped(&expr));
    if kind == RuleKind::Recording {
        if let Some((key, entry)) = rule
            .entries()
            .find(|(k, _)| ["for", "keep_firing_for", "annotations"].contains(&k.as_str()))
        {
            return Err(refuse(
                entry.key_loc,
                format!("{what} has `{key}`; recording rules take none"),
            ));
        }
        if !is_metric_name(&name) {
            return Err(refuse(
                name_loc,
                format!("`{name}` is not a valid metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`)"),
            ));
        }
        if !labels.is_empty() {
            fields.insert("labels".into(), string_map(&labels));
        }
        return Ok(Converted {
            kind,
            key: record_key(&name),
            name,
            fields,
        });
    }
    for key in ["for", "keep_firing_for"] {
        if let Some((text, loc)) = field_text(rule, key, ctx)? {
            if parse_duration(&text).is_none() {
                return Err(refuse(
                    loc,
                    format!("`{key}: {text}` of {what} is not a Prometheus duration"),
                ));
            }
            fields.insert(key.into(), escaped(&text));
        }
    }
    let severity_loc = rule.at(&["labels", "severity"]).map_or(name_loc, |n| n.loc);
    let chosen = take_severity(&mut labels, severity_loc, &what, notes);
    fields.insert("severity".into(), severity_name(chosen).into());
    let mut annotations = IndexMap::new();
    if let Some(node) = rule.get("annotations") {
        read_pairs(node, "annotation", ctx, &mut annotations)?;
    }
    for key in ANNOTATION_FIELDS {
        if let Some(value) = annotations.shift_remove(*key) {
            fields.insert((*key).into(), escaped(&value));
        }
    }
    if !labels.is_empty() {
        fields.insert("labels".into(), string_map(&labels));
    }
    if !annotations.is_empty() {
        fields.insert("annotations".into(), string_map(&annotations));
    }
    let key = if is_label_name(&name) {
        name.clone()
    } else {
        let key = sanitize(&name);
        notes.push(changed(
            name_loc,
            format!("alert name `{name}` is not valid in strata (`[a-zA-Z_][a-zA-Z0-9_]*`); imported as `{key}`"),
            "alerts that refer to the old name (inhibit rules, silences, dashboards) need the new one",
        ));
        key
    };
    Ok(Converted {
        kind,
        name: key.clone(),
        key,
        fields,
    })
}

/// Removes the `severity` label and reads it; a mapped or defaulted severity is noted.
fn take_severity(labels: &mut IndexMap<String, String>, loc: Loc, what: &str, notes: &mut Vec<Diagnostic>) -> Severity {
    let label = labels.shift_remove("severity");
    let (chosen, message) = match read_severity(label.as_deref()) {
        SeverityRead::Exact(s) => return s,
        SeverityRead::Mapped(s) => {
            let original = label.unwrap_or_default();
            (
                s,
                format!("severity `{original}` of {what} imported as `{}`", severity_name(s)),
            )
        }
        SeverityRead::Defaulted => (
            Severity::Warning,
            match label {
                Some(s) => format!("severity `{s}` of {what} is not info, warning or critical; imported as `warning`"),
                None => format!("{what} has no `severity` label; imported as `warning`"),
            },
        ),
    };
    let help = "strata severities are info, warning and critical; set `severity:` in the tenant file";
    notes.push(changed(loc, message, help));
    chosen
}

/// The strings of `pairs` as a JSON object, `${` escaped.
fn string_map(pairs: &IndexMap<String, String>) -> serde_json::Value {
    serde_json::Value::Object(pairs.iter().map(|(k, v)| (k.clone(), escaped(v))).collect())
}
