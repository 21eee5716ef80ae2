//! `--format sarif`: a SARIF 2.1.0 log for code-scanning tools (GitHub code scanning,
//! GitLab, IDE viewers). One run; one rule per code that occurs, described by
//! [`super::codes`] (tool codes) or by the finding itself (policy rule ids); one result per
//! diagnostic, located by line and column in characters (`columnKind`
//! `unicodeCodePoints`), with the other layers as related locations. Paths are relative to
//! the repository root (`%SRCROOT%`); built-in files use `STRATA_BUILTIN`. The output is
//! deterministic: no time, host or absolute path is written.

use super::{Diagnostic, Loc, Severity, SourceMap, codes, sanitize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The schema URI written into every log.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The repository root, as a SARIF `uriBaseId`.
pub const SRCROOT: &str = "%SRCROOT%";
/// Files built into strata, as a SARIF `uriBaseId`.
pub const BUILTIN: &str = "STRATA_BUILTIN";

/// Where to read about strata, when the package names it (`repository` or `homepage`).
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")]
        .into_iter()
        .find(|u| !u.is_empty())
}

/// Percent-encodes a relative path for a URI reference: everything except unreserved
/// characters and `/` (so spaces, `%`, `#`, `?`, control and non-ASCII characters are safe).
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(char::from(b)),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The SARIF `artifactLocation` of a display path.
fn artifact_location(display: &str) -> Value {
    if let Some(rest) = display.strip_prefix("<builtin>/") {
        json!({ "uri": encode_path(rest), "uriBaseId": BUILTIN })
    } else if display.starts_with('/') {
        json!({ "uri": format!("file://{}", encode_path(display)) })
    } else {
        json!({ "uri": encode_path(display), "uriBaseId": SRCROOT })
    }
}

/// The region of `loc`: start line and column, and the end when the span is known.
fn region(loc: Loc, sources: &SourceMap) -> Option<Value> {
    if loc.line == 0 {
        return None;
    }
    let mut region = Map::new();
    region.insert("startLine".into(), json!(loc.line));
    region.insert("startColumn".into(), json!(loc.col.max(1)));
    if let Some((line, col)) = sources.end(loc) {
        region.insert("endLine".into(), json!(line));
        region.insert("endColumn".into(), json!(col));
    }
    Some(Value::Object(region))
}

/// A SARIF `location` with a physical location and an optional message.
fn location(loc: Loc, sources: &SourceMap, message: &str, id: Option<usize>) -> Value {
    let mut physical = Map::new();
    physical.insert("artifactLocation".into(), artifact_location(sources.path(loc.file)));
    if let Some(r) = region(loc, sources) {
        physical.insert("region".into(), r);
    }
    let mut out = Map::new();
    if let Some(id) = id {
        out.insert("id".into(), json!(id));
    }
    out.insert("physicalLocation".into(), Value::Object(physical));
    if !message.is_empty() {
        out.insert("message".into(), json!({ "text": sanitize(message) }));
    }
    Value::Object(out)
}

/// What the log says about one rule, gathered from the diagnostics with its code.
struct Rule<'a> {
    first: &'a Diagnostic,
    frameworks: Vec<String>,
}

fn rule_json(code: &str, rule: &Rule<'_>) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(code));
    match codes::describe(code) {
        Some(description) => {
            out.insert("shortDescription".into(), json!({ "text": description }));
            out.insert(
                "help".into(),
                json!({ "text": format!(
                    "{code}: {description}. Each result says how to fix that occurrence; \
                     `strata check` shows the layers involved."
                ) }),
            );
        }
        None => {
            // A policy rule: its finding carries the title (message) and remediation (help).
            let message = sanitize(&rule.first.message);
            out.insert("shortDescription".into(), json!({ "text": message }));
            let help = rule.first.help.as_deref().map_or_else(|| message.clone(), sanitize);
            out.insert("help".into(), json!({ "text": help }));
        }
    }
    let level = match rule.first.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    out.insert("defaultConfiguration".into(), json!({ "level": level }));
    if codes::describe(code).is_none() || !rule.frameworks.is_empty() {
        let mut tags = vec![String::from("policy")];
        tags.extend(rule.frameworks.iter().cloned());
        out.insert(
            "properties".into(),
            json!({ "frameworks": rule.frameworks, "tags": tags }),
        );
    }
    Value::Object(out)
}

fn result_json(d: &Diagnostic, rule_index: usize, sources: &SourceMap) -> Value {
    let mut text = sanitize(&d.message);
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(&sanitize(help));
    }
    let mut out = Map::new();
    out.insert("ruleId".into(), json!(d.code));
    out.insert("ruleIndex".into(), json!(rule_index));
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    out.insert("level".into(), json!(level));
    out.insert("message".into(), json!({ "text": text }));
    out.insert("locations".into(), json!([location(d.loc, sources, &d.label, None)]));
    if !d.notes.is_empty() {
        let related: Vec<Value> = d
            .notes
            .iter()
            .enumerate()
            .map(|(i, n)| location(n.loc, sources, &n.message, Some(i + 1)))
            .collect();
        out.insert("relatedLocations".into(), Value::Array(related));
    }
    let mut properties = Map::new();
    if !d.envs.is_empty() {
        properties.insert("environments".into(), json!(d.envs));
    }
    if !d.frameworks.is_empty() {
        properties.insert("frameworks".into(), json!(d.frameworks));
    }
    if !properties.is_empty() {
        out.insert("properties".into(), Value::Object(properties));
    }
    Value::Object(out)
}

/// The SARIF log of `diags` as a JSON value.
pub fn sarif_value(diags: &[Diagnostic], sources: &SourceMap) -> Value {
    let mut rules: BTreeMap<&str, Rule<'_>> = BTreeMap::new();
    for d in diags {
        let rule = rules.entry(&d.code).or_insert(Rule {
            first: d,
            frameworks: Vec::new(),
        });
        for f in &d.frameworks {
            if !rule.frameworks.contains(f) {
                rule.frameworks.push(f.clone());
            }
        }
    }
    for rule in rules.values_mut() {
        rule.frameworks.sort();
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, c)| (*c, i)).collect();
    let rules_json: Vec<Value> = rules.iter().map(|(code, rule)| rule_json(code, rule)).collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| result_json(d, index.get(d.code.as_ref()).copied().unwrap_or(0), sources))
        .collect();
    let mut driver = Map::new();
    driver.insert("name".into(), json!("strata"));
    driver.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    driver.insert("semanticVersion".into(), json!(env!("CARGO_PKG_VERSION")));
    if let Some(uri) = information_uri() {
        driver.insert("informationUri".into(), json!(uri));
    }
    driver.insert("rules".into(), Value::Array(rules_json));
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": Value::Object(driver) },
            "originalUriBaseIds": {
                SRCROOT: { "description": { "text": "the repository root (the folder holding strata.toml)" } },
                BUILTIN: { "description": { "text": "files built into the strata binary" } },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// Renders diagnostics as a pretty-printed SARIF 2.1.0 log.
pub fn render_sarif(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let mut text = serde_json::to_string_pretty(&sarif_value(diags, sources)).unwrap_or_else(|_| String::from("{}"));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn sources() -> (SourceMap, super::super::FileId) {
        let mut sources = SourceMap::default();
        let file = sources.add(
            "tenants/a b%.yaml".into(),
            "x".into(),
            Arc::new("id: acme\ntier: gold\n".into()),
        );
        (sources, file)
    }

    #[test]
    fn locations_have_start_and_end_in_characters() {
        let (sources, file) = sources();
        let loc = Loc {
            file,
            line: 2,
            col: 7,
            offset: 15,
            len: 4,
        };
        let d = Diagnostic::error("STRATA-E013", loc, "bad tier").with_label("here");
        let v = sarif_value(&[d], &sources);
        let result = &v["runs"][0]["results"][0];
        let physical = &result["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uri"], "tenants/a%20b%25.yaml");
        assert_eq!(physical["artifactLocation"]["uriBaseId"], SRCROOT);
        assert_eq!(physical["region"]["startLine"], 2);
        assert_eq!(physical["region"]["startColumn"], 7);
        assert_eq!(physical["region"]["endLine"], 2);
        assert_eq!(physical["region"]["endColumn"], 11);
        assert_eq!(result["ruleId"], "STRATA-E013");
        assert_eq!(
            v["runs"][0]["tool"]["driver"]["rules"][0]["shortDescription"]["text"],
            "invalid value (type, allowed values, range, pattern)"
        );
    }

    #[test]
    fn policy_rules_take_their_text_from_the_finding() {
        let (sources, file) = sources();
        let d = Diagnostic::warning("SOC2-003", Loc::file_start(file), "audit logging is off")
            .with_help("set compliance.audit_logging: true")
            .with_frameworks(vec!["SOC2".into(), "HIPAA".into()]);
        let e = Diagnostic::error("STRATA-E002", Loc::file_start(file), "dup");
        let v = sarif_value(&[e, d], &sources);
        let rules = &v["runs"][0]["tool"]["driver"]["rules"];
        assert_eq!(rules[0]["id"], "SOC2-003");
        assert_eq!(rules[0]["shortDescription"]["text"], "audit logging is off");
        assert_eq!(rules[0]["help"]["text"], "set compliance.audit_logging: true");
        assert_eq!(rules[0]["properties"]["frameworks"], json!(["HIPAA", "SOC2"]));
        assert_eq!(rules[0]["properties"]["tags"], json!(["policy", "HIPAA", "SOC2"]));
        let results = &v["runs"][0]["results"];
        assert_eq!(results[1]["ruleIndex"], 0);
        assert_eq!(results[1]["level"], "warning");
        assert_eq!(results[0]["ruleIndex"], 1);
        assert!(rules[1].get("properties").is_none());
    }

    #[test]
    fn unknown_lines_have_no_region_and_builtins_their_own_base() {
        let mut sources = SourceMap::default();
        let file = sources.add("<builtin>/defaults.yaml".into(), "x".into(), Arc::new(String::new()));
        let d = Diagnostic::error("STRATA-E040", Loc { file, ..Loc::default() }, "x");
        let v = sarif_value(&[d], &sources);
        let physical = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
        assert!(physical.get("region").is_none());
        assert_eq!(physical["artifactLocation"]["uri"], "defaults.yaml");
        assert_eq!(physical["artifactLocation"]["uriBaseId"], BUILTIN);
    }
}
