//! `--format json`: one object with every diagnostic and the counts.

use super::{Diagnostic, SourceMap, Summary};
use serde::Serialize;

#[derive(Serialize)]
struct JsonNote<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: super::Severity,
    message: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    #[serde(skip_serializing_if = "str::is_empty")]
    label: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
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
            code: d.code,
            severity: d.severity,
            message: &d.message,
            file: sources.path(d.loc.file),
            line: d.loc.line,
            column: d.loc.col,
            label: &d.label,
            help: d.help.as_deref(),
            notes: d
                .notes
                .iter()
                .map(|n| JsonNote {
                    file: sources.path(n.loc.file),
                    line: n.loc.line,
                    column: n.loc.col,
                    message: &n.message,
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
