//! Names and keys of imported rules: alert names strata's schema accepts, rule keys that
//! stay unique within one import, and severities read from the `severity` label.

use crate::model::Severity;
use std::collections::{HashMap, HashSet};

/// Whether `name` matches `^[a-zA-Z_][a-zA-Z0-9_]*$` (alert names, label and annotation
/// names).
pub fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `name` matches `^[a-zA-Z_:][a-zA-Z0-9_:]*$` (recorded metric names).
pub fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `name` reduced to `[a-zA-Z0-9_]`: every run of other characters becomes one `_`, a
/// trailing `_` so made is dropped, and a leading digit gets a `_` before it
/// (`MysqlTooManyConnections(>80%)` becomes `MysqlTooManyConnections_80`).
pub fn sanitize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            if pending && !out.is_empty() {
                out.push('_');
            }
            pending = false;
            out.push(c);
        } else {
            pending = true;
        }
    }
    if out.is_empty() {
        return "rule".to_string();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// The rule key of a recorded metric: `:` (and anything else a key should not hold)
/// becomes `_`, so `job:http_requests:rate5m` has the key `job_http_requests_rate5m`.
pub fn record_key(record: &str) -> String {
    sanitize(record)
}

/// How a `severity` label value was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeverityRead {
    /// `info`, `warning` or `critical`, as strata spells them.
    Exact(Severity),
    /// A common synonym (`page`, `warn`, `Critical`, ...), mapped.
    Mapped(Severity),
    /// Missing or not recognised: the rule gets `warning`.
    Defaulted,
}

/// Reads a `severity` label value. Exact: `info`, `warning`, `critical`. Mapped, case
/// insensitively: `critical`, `crit`, `page`, `error`, `err`, `high`, `major`, `fatal`,
/// `emergency` to critical; `warning`, `warn`, `medium`, `minor` to warning; `info`,
/// `informational`, `notice`, `low`, `none`, `debug` to info.
pub fn read_severity(value: Option<&str>) -> SeverityRead {
    let Some(value) = value else {
        return SeverityRead::Defaulted;
    };
    match value {
        "info" => return SeverityRead::Exact(Severity::Info),
        "warning" => return SeverityRead::Exact(Severity::Warning),
        "critical" => return SeverityRead::Exact(Severity::Critical),
        _ => {}
    }
    let mapped = match value.trim().to_ascii_lowercase().as_str() {
        "critical" | "crit" | "page" | "error" | "err" | "high" | "major" | "fatal" | "emergency" => Severity::Critical,
        "warning" | "warn" | "medium" | "minor" => Severity::Warning,
        "info" | "informational" | "notice" | "low" | "none" | "debug" => Severity::Info,
        _ => return SeverityRead::Defaulted,
    };
    SeverityRead::Mapped(mapped)
}

/// The strata spelling of a severity.
pub fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Critical => "critical",
    }
}

/// Unique keys for `wanted` (in input order): the first rule wanting a key gets it, later
/// ones get the first free `<key>_2`, `<key>_3`, ... that no rule of the input wants.
pub fn unique_keys(wanted: &[String]) -> Vec<String> {
    let reserved: HashSet<&str> = wanted.iter().map(String::as_str).collect();
    let mut taken: HashSet<String> = HashSet::new();
    let mut next: HashMap<&str, usize> = HashMap::new();
    let mut out = Vec::with_capacity(wanted.len());
    for key in wanted {
        if taken.insert(key.clone()) {
            out.push(key.clone());
            continue;
        }
        let n = next.entry(key.as_str()).or_insert(2);
        loop {
            let candidate = format!("{key}_{n}");
            *n += 1;
            if !reserved.contains(candidate.as_str()) && taken.insert(candidate.clone()) {
                out.push(candidate);
                break;
            }
        }
    }
    out
}

/// Whether `id` is a DNS label (`[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?`), as tenant ids are.
pub fn is_tenant_id(id: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (1..=63).contains(&id.len())
        && edge(id.chars().next())
        && edge(id.chars().next_back())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_alert_names_are_sanitized() {
        assert_eq!(sanitize("MysqlTooManyConnections(>80%)"), "MysqlTooManyConnections_80");
        assert_eq!(sanitize("PveVm/ctDown"), "PveVm_ctDown");
        assert_eq!(sanitize("Cert-managerAbsent"), "Cert_managerAbsent");
        assert_eq!(sanitize("SslCertificateExpiry(<7Days)"), "SslCertificateExpiry_7Days");
        assert_eq!(sanitize("5xx"), "_5xx");
        assert_eq!(sanitize("%%"), "rule");
        assert_eq!(record_key("job:http_requests:rate5m"), "job_http_requests_rate5m");
        assert!(is_label_name("Foo_1") && !is_label_name("1a") && !is_label_name("a-b"));
        assert!(is_metric_name("a:b_c") && !is_metric_name("a-b"));
    }

    #[test]
    fn colliding_keys_get_free_suffixes() {
        let wanted: Vec<String> = ["A", "B", "A", "A_2", "A"].map(String::from).to_vec();
        assert_eq!(unique_keys(&wanted), ["A", "B", "A_3", "A_2", "A_4"]);
    }

    #[test]
    fn severities() {
        assert_eq!(read_severity(Some("critical")), SeverityRead::Exact(Severity::Critical));
        assert_eq!(read_severity(Some("page")), SeverityRead::Mapped(Severity::Critical));
        assert_eq!(read_severity(Some("Warning")), SeverityRead::Mapped(Severity::Warning));
        assert_eq!(read_severity(Some("none")), SeverityRead::Mapped(Severity::Info));
        assert_eq!(read_severity(Some("{{ $labels.sev }}")), SeverityRead::Defaulted);
        assert_eq!(read_severity(None), SeverityRead::Defaulted);
    }

    #[test]
    fn tenant_ids() {
        assert!(is_tenant_id("acme-corp") && is_tenant_id("a1"));
        assert!(!is_tenant_id("../x") && !is_tenant_id("-a") && !is_tenant_id("A") && !is_tenant_id(""));
    }
}
