//! Human output: miette's graphical report, colour only when asked for.

use super::{Diagnostic, Severity, SourceMap, Summary, sanitize};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use std::fmt;
use std::sync::Arc;

/// One diagnostic (or one of its notes) in the shape miette renders.
#[derive(Debug)]
struct View {
    code: Option<String>,
    severity: miette::Severity,
    message: String,
    help: Option<String>,
    source: Option<NamedSource<Arc<String>>>,
    labels: Vec<LabeledSpan>,
    related: Vec<View>,
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for View {}

impl miette::Diagnostic for View {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code.as_ref().map(|c| Box::new(c) as Box<dyn fmt::Display + 'a>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)))
    }
}

/// Builds a view at `loc`. The header names `file:line:column` as the JSON output does
/// (columns in characters); a file without text shows the location in the message.
fn located_view(sources: &SourceMap, loc: super::Loc, message: String, label: &str) -> View {
    let file = sources.file(loc.file);
    let message = sanitize(&message);
    let header = format!("{}:{}:{}", sanitize(sources.path(loc.file)), loc.line, loc.col);
    let showable = |f: &&super::SourceFile| !f.text.is_empty() && !line_too_long(&f.text, loc.offset as usize);
    let (source, labels, message) = match file.filter(showable) {
        Some(f) => {
            let span = clamp_span(&f.text, loc.offset as usize, loc.len as usize);
            let label_text = (!label.is_empty()).then(|| sanitize(label));
            let source = NamedSource::new(header, Arc::clone(&f.text));
            let labels = vec![LabeledSpan::new_primary_with_span(label_text, span)];
            (Some(source), labels, message)
        }
        None => (None, Vec::new(), format!("{message}\n  at {header}")),
    };
    View {
        code: None,
        severity: miette::Severity::Error,
        message,
        help: None,
        source,
        labels,
        related: Vec::new(),
    }
}

/// Longest source line shown in a snippet; longer lines (minified or hostile input) would
/// flood the terminal, so the location is given without the snippet.
const MAX_SNIPPET_LINE: usize = 400;

fn line_too_long(text: &str, offset: usize) -> bool {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    end - start > MAX_SNIPPET_LINE
}

/// A span inside `text`: a location at the very end points at the last character.
fn clamp_span(text: &str, offset: usize, len: usize) -> SourceSpan {
    let mut start = offset.min(text.len());
    if start == text.len() {
        start = text.char_indices().next_back().map_or(0, |(i, _)| i);
    }
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    SourceSpan::new(start.into(), len.min(text.len() - start))
}

fn view_of(d: &Diagnostic, sources: &SourceMap) -> View {
    let mut view = located_view(sources, d.loc, d.message.clone(), &d.label);
    view.code = Some(d.code.to_string());
    view.severity = match d.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
    };
    let mut help = d.help.as_deref().map(sanitize);
    if !d.envs.is_empty() {
        let envs = format!("environments: {}", d.envs.join(", "));
        help = Some(match help {
            Some(h) => format!("{h}\n{envs}"),
            None => envs,
        });
    }
    view.help = help;
    for note in &d.notes {
        let same_file = note.loc.file == d.loc.file && view.source.is_some();
        if same_file {
            let text = sources.file(note.loc.file).map_or("", |f| f.text.as_str());
            let span = clamp_span(text, note.loc.offset as usize, note.loc.len as usize);
            view.labels
                .push(LabeledSpan::new_with_span(Some(sanitize(&note.message)), span));
        } else {
            let mut related = located_view(sources, note.loc, note.message.clone(), "");
            related.severity = miette::Severity::Advice;
            view.related.push(related);
        }
    }
    view
}

/// Renders diagnostics for a person: graphical, coloured only when `color` is true.
pub fn render_human(diags: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false)
        .without_primary_span_start()
        .with_show_related_as_nested(true);
    let mut out = String::new();
    for d in diags {
        let view = view_of(d, sources);
        if handler.render_report(&mut out, &view).is_err() {
            out.push_str(&format!(
                "{}: {} [{}]\n",
                d.code,
                sanitize(&d.message),
                sanitize(sources.path(d.loc.file))
            ));
        }
    }
    let s = Summary::of(diags);
    out.push_str(&format!(
        "{} error{}, {} warning{}\n",
        s.errors,
        if s.errors == 1 { "" } else { "s" },
        s.warnings,
        if s.warnings == 1 { "" } else { "s" }
    ));
    out
}
