//! What every diagnostic must be, whatever the input: a known code, a location inside a
//! file of the run whose line and column match its byte offset, a message, and (for an
//! error) a help line; and every output format renders it.

use strata::diag::{
    Diagnostic, Loc, Scope, Severity, SourceMap, codes, render_github, render_human, render_json, render_junit,
    render_sarif,
};
use strata::load::lines::LineIndex;

/// A policy rule id such as `SOC2-003`: upper-case letters and digits, a dash, digits.
fn is_policy_id(code: &str) -> bool {
    code.split_once('-').is_some_and(|(pack, n)| {
        !pack.is_empty()
            && pack.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Panics unless `loc` is a place in a file of `sources`: inside its text, on character
/// boundaries, with the line and column of its offset. `what` names it in the message.
pub fn assert_loc(loc: &Loc, sources: &SourceMap, what: &dyn std::fmt::Debug) {
    let file = sources
        .file(loc.file)
        .unwrap_or_else(|| panic!("location in an unknown file: {what:?}"));
    let text = file.text.as_str();
    let (from, len) = (loc.offset as usize, loc.len as usize);
    assert!(
        from + len <= text.len() && text.is_char_boundary(from) && text.is_char_boundary(from + len),
        "location {loc:?} outside {} ({} bytes): {what:?}",
        file.display,
        text.len()
    );
    assert_eq!(
        LineIndex::new(text).line_col(from),
        (loc.line, loc.col),
        "line and column of {loc:?} do not match its offset in {}: {what:?}",
        file.display
    );
}

/// Panics unless every diagnostic of `diags` is well formed against `sources`.
pub fn assert_well_formed(diags: &[Diagnostic], sources: &SourceMap) {
    for d in diags {
        assert!(
            codes::describe(&d.code).is_some() || is_policy_id(&d.code),
            "unknown code {} in {d:?}",
            d.code
        );
        assert!(!d.message.trim().is_empty(), "empty message: {d:?}");
        if d.severity == Severity::Error {
            assert!(
                d.help.as_deref().is_some_and(|h| !h.trim().is_empty()),
                "error without help: {d:?}"
            );
        }
        for loc in std::iter::once(&d.loc).chain(d.notes.iter().map(|n| &n.loc)) {
            assert_loc(loc, sources, d);
        }
    }
    let _ = render_human(diags, sources, false);
    let _ = render_github(diags, sources, None);
    let json: serde_json::Value =
        serde_json::from_str(&render_json(diags, sources)).unwrap_or_else(|e| panic!("--format json is not JSON: {e}"));
    assert!(json.is_object() || json.is_array(), "--format json: {json}");
    serde_json::from_str::<serde_json::Value>(&render_sarif(diags, sources))
        .unwrap_or_else(|e| panic!("--format sarif is not JSON: {e}"));
    let scope = Scope {
        envs: Vec::new(),
        tenants: Vec::new(),
        warnings_fail: false,
    };
    let junit = render_junit(diags, sources, &scope);
    assert!(junit.starts_with("<?xml"), "--format junit: {junit}");
}
