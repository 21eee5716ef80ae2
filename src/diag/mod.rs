//! The diagnostic model shared by every stage, the source map that resolves locations,
//! and one renderer per output format.

pub mod codes;
mod github;
mod human;
mod json;
mod junit;
mod sarif;
mod source;

pub use github::{escape_data as github_escape_data, escape_property as github_escape_property, render_github};
pub use human::render_human;
pub use json::render_json;
pub use junit::{REPOSITORY_SUITE, Scope, escape_xml, render_junit};
pub use sarif::{render_sarif, sarif_value};
pub use source::{FileId, Loc, SourceFile, SourceMap};

use std::borrow::Cow;

use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails the run.
    Error,
    /// Reported; fails the run only with `fail_on = "warning"`.
    Warning,
}

/// A secondary location: another layer involved in the problem.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Note {
    /// Where.
    pub loc: Loc,
    /// What happened there.
    pub message: String,
}

/// One problem found in the input.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// Stable code, such as `STRATA-E011`, or a policy rule id such as `SOC2-003`.
    pub code: Cow<'static, str>,
    /// Severity.
    pub severity: Severity,
    /// One-line message.
    pub message: String,
    /// The value (or the layer that should have set it).
    pub loc: Loc,
    /// Text shown at the primary location.
    pub label: String,
    /// Other layers involved.
    pub notes: Vec<Note>,
    /// How to fix it.
    pub help: Option<String>,
    /// Environments in which the problem occurs (empty when it does not depend on one).
    pub envs: Vec<String>,
    /// Compliance frameworks the finding belongs to (policy findings only).
    pub frameworks: Vec<String>,
}

impl Diagnostic {
    /// An error with `code` and `message` at `loc`.
    pub fn error(code: impl Into<Cow<'static, str>>, loc: Loc, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            severity: Severity::Error,
            message: message.into(),
            loc,
            label: String::new(),
            notes: Vec::new(),
            help: None,
            envs: Vec::new(),
            frameworks: Vec::new(),
        }
    }

    /// A warning with `code` and `message` at `loc`.
    pub fn warning(code: impl Into<Cow<'static, str>>, loc: Loc, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, loc, message)
        }
    }

    /// Sets the text shown under the primary location.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Adds a note at another location.
    pub fn with_note(mut self, loc: Loc, message: impl Into<String>) -> Self {
        self.notes.push(Note {
            loc,
            message: message.into(),
        });
        self
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the compliance frameworks the finding belongs to.
    pub fn with_frameworks(mut self, frameworks: Vec<String>) -> Self {
        self.frameworks = frameworks;
        self
    }

    /// Changes the severity.
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// Longest user-facing text kept whole in a message; longer texts are shortened.
const MAX_MESSAGE_CHARS: usize = 300;

/// Whether `c` could change how a terminal shows text (control and bidi characters).
fn is_hostile(c: char) -> bool {
    (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text safe to print: control and bidi characters escaped (`\u{1b}`), and very long
/// texts shortened, so no input can drive the terminal or flood the output.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_MESSAGE_CHARS + 40));
    let total = text.chars().count();
    for (i, c) in text.chars().enumerate() {
        if i == MAX_MESSAGE_CHARS {
            out.push_str(&format!("… ({} more characters)", total - i));
            break;
        }
        if is_hostile(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Source text safe to show in snippets: hostile characters are replaced by characters of
/// the same UTF-8 length, so byte offsets stay valid.
pub fn sanitize_source(text: &str) -> String {
    if !text.chars().any(|c| is_hostile(c) && c != '\t' && c != '\r') {
        return text.to_string();
    }
    text.chars()
        .map(|c| match c {
            '\t' | '\r' => c,
            c if is_hostile(c) => match c.len_utf8() {
                1 => '?',
                2 => '¿',
                _ => '\u{fffd}',
            },
            c => c,
        })
        .collect()
}

/// Sorts diagnostics into a stable order (file, position, code, message) and folds the
/// copies that differ only by environment into one diagnostic listing the environments.
pub fn normalize(diags: Vec<Diagnostic>, sources: &SourceMap) -> Vec<Diagnostic> {
    let mut folded: indexmap::IndexMap<(Loc, Cow<'static, str>, String, Severity), Diagnostic> =
        indexmap::IndexMap::new();
    for d in diags {
        let key = (d.loc, d.code.clone(), d.message.clone(), d.severity);
        match folded.get_mut(&key) {
            Some(existing) => {
                for env in d.envs {
                    if !existing.envs.contains(&env) {
                        existing.envs.push(env);
                    }
                }
                for note in d.notes {
                    if !existing.notes.contains(&note) {
                        existing.notes.push(note);
                    }
                }
            }
            None => {
                folded.insert(key, d);
            }
        }
    }
    let mut out: Vec<Diagnostic> = folded.into_values().collect();
    for d in &mut out {
        d.envs.sort();
    }
    out.sort_by(|a, b| {
        let pa = sources.path(a.loc.file);
        let pb = sources.path(b.loc.file);
        (pa, a.loc.line, a.loc.col, &a.code, &a.message).cmp(&(pb, b.loc.line, b.loc.col, &b.code, &b.message))
    });
    out
}

/// Counts of a run's diagnostics.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
}

impl Summary {
    /// Counts `diags` by severity.
    pub fn of(diags: &[Diagnostic]) -> Self {
        let errors = diags.iter().filter(|d| d.severity == Severity::Error).count();
        Self {
            errors,
            warnings: diags.len() - errors,
        }
    }
}
