//! `--format github`: GitHub Actions workflow commands, one `::error` or `::warning`
//! annotation per diagnostic (file, line, column, end of the span, code as title), then a
//! summary line. Property values escape `%`, `\r`, `\n`, `:` and `,`; the message escapes
//! `%`, `\r` and `\n`, so no input can end an annotation early or start another command.
//!
//! GitHub resolves `file=` from the workspace, the folder the job runs in; so when a base
//! folder is given (the working directory), files under it are named relative to it, and a
//! ROOT in a subfolder (`strata check config/`) still annotates the right files.

use super::{Diagnostic, FileId, Severity, SourceMap, Summary, sanitize};
use std::collections::HashMap;
use std::path::Path;

/// Escapes the message of a workflow command.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a property value of a workflow command.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// File paths as GitHub should see them: relative to `base` when the file is under it,
/// else the display path (relative to ROOT).
struct Paths<'a> {
    sources: &'a SourceMap,
    base: Option<std::path::PathBuf>,
    cache: HashMap<FileId, String>,
}

impl Paths<'_> {
    fn get(&mut self, id: FileId) -> String {
        if let Some(p) = self.cache.get(&id) {
            return p.clone();
        }
        let display = self.sources.path(id);
        let relative = match (&self.base, self.sources.file(id)) {
            (Some(base), Some(file)) if !display.starts_with("<builtin>") => file
                .path
                .canonicalize()
                .ok()
                .and_then(|p| {
                    p.strip_prefix(base)
                        .ok()
                        .map(|r| r.to_string_lossy().replace('\\', "/"))
                })
                .filter(|r| !r.is_empty()),
            _ => None,
        };
        let path = relative.unwrap_or_else(|| display.to_string());
        self.cache.insert(id, path.clone());
        path
    }
}

/// One annotation line (without the newline).
fn annotation(d: &Diagnostic, sources: &SourceMap, paths: &mut Paths<'_>) -> String {
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut props = vec![format!("file={}", escape_property(&sanitize(&paths.get(d.loc.file))))];
    if d.loc.line > 0 {
        props.push(format!("line={}", d.loc.line));
        props.push(format!("col={}", d.loc.col.max(1)));
        if let Some((line, col)) = sources.end(d.loc) {
            props.push(format!("endLine={line}"));
            // GitHub's endColumn is inclusive and used only on one line.
            if line == d.loc.line {
                props.push(format!("endColumn={}", col.saturating_sub(1).max(d.loc.col.max(1))));
            }
        }
    }
    props.push(format!("title={}", escape_property(&sanitize(&d.code))));
    let mut text = sanitize(&d.message);
    if !d.label.is_empty() {
        text.push_str(&format!(" ({})", sanitize(&d.label)));
    }
    if !d.envs.is_empty() {
        text.push_str(&format!(" [environments: {}]", sanitize(&d.envs.join(", "))));
    }
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(&sanitize(help));
    }
    for note in &d.notes {
        text.push_str(&format!(
            "\nnote: {}:{}:{}: {}",
            sanitize(&paths.get(note.loc.file)),
            note.loc.line,
            note.loc.col,
            sanitize(&note.message)
        ));
    }
    format!("::{command} {}::{}", props.join(","), escape_data(&text))
}

/// Renders diagnostics as workflow commands followed by `strata: N error(s), M warning(s)`.
/// With `base` (the working directory), files under it are named relative to it.
pub fn render_github(diags: &[Diagnostic], sources: &SourceMap, base: Option<&Path>) -> String {
    let mut paths = Paths {
        sources,
        base: base.and_then(|b| b.canonicalize().ok()),
        cache: HashMap::new(),
    };
    let mut out = String::new();
    for d in diags {
        out.push_str(&annotation(d, sources, &mut paths));
        out.push('\n');
    }
    let summary = Summary::of(diags);
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    out.push_str(&format!(
        "strata: {} error{}, {} warning{}\n",
        summary.errors,
        plural(summary.errors),
        summary.warnings,
        plural(summary.warnings)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Loc;
    use std::sync::Arc;

    #[test]
    fn escapes_properties_and_data() {
        assert_eq!(escape_data("50% a\r\nb::c,d"), "50%25 a%0D%0Ab::c,d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn one_line_per_diagnostic_and_a_summary() {
        let mut sources = SourceMap::default();
        let file = sources.add("tenants/a,b:c.yaml".into(), "x".into(), Arc::new("id: x\n".into()));
        let loc = Loc {
            file,
            line: 1,
            col: 5,
            offset: 4,
            len: 1,
        };
        let d = Diagnostic::error("STRATA-E013", loc, "bad\n::stop-commands::x 100%")
            .with_help("fix it")
            .with_label("here");
        let text = render_github(&[d], &sources, None);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "::error file=tenants/a%2Cb%3Ac.yaml,line=1,col=5,endLine=1,endColumn=5,title=STRATA-E013::bad%0A::stop-commands::x 100%25 (here)%0Ahelp: fix it",
                "strata: 1 error, 0 warnings",
            ]
        );
    }
}
