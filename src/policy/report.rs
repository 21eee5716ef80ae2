//! Turning what policies report (`violation` objects, `deny` / `warn` messages) into
//! diagnostics located at the value in the layer that set it.

use super::meta::RuleMeta;
use crate::diag::{Diagnostic, FileId, Loc, Severity};
use crate::load::{Kind, Node};
use serde_json::Value;

/// One finding of one rule, before it becomes a diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Rule id (or the package name for an undocumented conftest-style rule).
    pub id: String,
    /// Message.
    pub msg: String,
    /// Path of the value at fault (dotted string or list of keys).
    pub path: Vec<String>,
    /// Severity the rule asked for.
    pub severity: Option<Severity>,
    /// Remediation the rule gave.
    pub remediation: Option<String>,
}

fn path_of(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) if !s.is_empty() => s.split('.').map(str::to_string).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn severity_of(v: Option<&Value>) -> Option<Severity> {
    match v.and_then(Value::as_str) {
        Some("error") => Some(Severity::Error),
        Some("warning" | "warn") => Some(Severity::Warning),
        _ => None,
    }
}

/// A `violation` item: an object `{id, msg, path, severity?, remediation?}`.
pub fn violation(item: &Value, package: &str) -> Finding {
    let text = |k: &str| item.get(k).and_then(Value::as_str).map(str::to_string);
    Finding {
        id: text("id").unwrap_or_else(|| package.to_string()),
        msg: text("msg").unwrap_or_else(|| item.to_string()),
        path: path_of(item.get("path")),
        severity: severity_of(item.get("severity")),
        remediation: text("remediation"),
    }
}

/// A `deny` / `warn` item: a message, or a conftest-style object with `msg`.
pub fn message(item: &Value, id: &str, severity: Severity) -> Finding {
    match item {
        Value::String(s) => Finding {
            id: id.to_string(),
            msg: s.clone(),
            path: Vec::new(),
            severity: Some(severity),
            remediation: None,
        },
        other => Finding {
            severity: Some(severity),
            ..violation(other, id)
        },
    }
}

/// Where a finding points: the value at `path` in the layer that set it; when the value is
/// missing, the deepest mapping above it written in the tenant's own files, else the
/// tenant file's `id`.
pub fn locate(path: &[String], tenant: &Node, platform: &Node, own_files: &[FileId]) -> (Loc, Vec<Loc>, bool) {
    let (root, path) = match path.first().map(String::as_str) {
        Some("platform") => (platform, &path[1..]),
        Some("tenant") => (tenant, &path[1..]),
        _ => (tenant, path),
    };
    let mut node = root;
    let mut best: Option<Loc> = None;
    for (i, key) in path.iter().enumerate() {
        let next = match &node.kind {
            Kind::Seq(items) => key.parse::<usize>().ok().and_then(|k| items.get(k)).map(|n| (n.loc, n)),
            _ => node.entry(key).map(|e| (e.key_loc, &e.value)),
        };
        let Some((key_loc, child)) = next else {
            let fallback = tenant.entry("id").map_or(Loc::file_start(own_files[0]), |e| e.key_loc);
            return (best.unwrap_or(fallback), Vec::new(), false);
        };
        if own_files.contains(&key_loc.file) {
            best = Some(key_loc);
        }
        node = child;
        if i + 1 == path.len() {
            let loc = match node.kind {
                Kind::Map(_) | Kind::Seq(_) => key_loc,
                _ => node.loc,
            };
            return (loc, node.overridden.clone(), true);
        }
    }
    (node.loc, Vec::new(), true)
}

/// The diagnostic of a finding at `loc`.
pub fn diagnostic(f: &Finding, meta: Option<&RuleMeta>, severity: Severity, loc: Loc, found: bool) -> Diagnostic {
    let frameworks: Vec<String> = meta.map(|m| m.frameworks.clone()).unwrap_or_default();
    let prefix = if frameworks.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = frameworks.iter().map(|f| f.to_uppercase()).collect();
        format!("[{}] ", names.join(", "))
    };
    let label = match (meta, found) {
        (_, false) if !f.path.is_empty() => format!("`{}` is not set", f.path.join(".")),
        (Some(m), _) => m.title.clone(),
        (None, _) => "policy finding".to_string(),
    };
    let mut d = Diagnostic::error(f.id.clone(), loc, format!("{prefix}{}", f.msg))
        .with_label(label)
        .with_severity(severity)
        .with_frameworks(frameworks);
    if let Some(help) = f
        .remediation
        .clone()
        .or_else(|| meta.and_then(|m| m.remediation.clone()))
    {
        d = d.with_help(help);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn violations_and_messages() {
        let v = violation(
            &json!({"id": "X-1", "msg": "m", "path": "a.b", "severity": "warning"}),
            "p",
        );
        assert_eq!(
            (v.id.as_str(), v.path.clone(), v.severity),
            ("X-1", vec!["a".to_string(), "b".to_string()], Some(Severity::Warning))
        );
        let d = message(&json!("plain"), "main", Severity::Error);
        assert_eq!((d.id.as_str(), d.msg.as_str()), ("main", "plain"));
        let o = message(&json!({"msg": "obj", "path": ["x", "y.z"]}), "main", Severity::Warning);
        assert_eq!(
            (o.msg.as_str(), o.path.len(), o.severity),
            ("obj", 2, Some(Severity::Warning))
        );
    }
}
