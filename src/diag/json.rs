//! `--format json`: one object with every diagnostic and the counts.

use super::{Diagnostic, SourceMap, Summary, sanitize};
use serde::Serialize;

#[derive(Serialize)]
struct JsonNote<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    message: String,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: super::Severity,
    message: String,
    file: &'a str,
    line: u32,
    column: u32,
    #[serde(skip_serializing_if = "String::is_empty")]
    label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<JsonNote<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    environments: &'a [String],
}

#[derive(Serialize)]
struct JsonReport<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

/// Renders diagnostics as pretty JSON with file, line, column, code, severity and message.
pub fn render_json(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let diagnostics = diags
        .iter()
        .map(|d| JsonDiagnostic {
            code: &d.code,
            severity: d.severity,
            message: sanitize(&d.message),
            file: sources.path(d.loc.file),
            line: d.loc.line,
            column: d.loc.col,
            label: sanitize(&d.label),
            help: d.help.as_deref().map(sanitize),
            notes: d
                .notes
                .iter()
                .map(|n| JsonNote {
                    file: sources.path(n.loc.file),
                    line: n.loc.line,
                    column: n.loc.col,
                    message: sanitize(&n.message),
                })
                .collect(),
            environments: &d.envs,
        })
        .collect();
    let report = JsonReport {
        diagnostics,
        summary: Summary::of(diags),
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_else(|_| String::from("{}"));
    text.push('\n');
    text
}
