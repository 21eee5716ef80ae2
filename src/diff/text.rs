//! Pieces of text the human and markdown reports share.

use super::{Change, Status, Target};
use serde_json::Value;
use std::collections::BTreeMap;

/// Longest value shown inline; longer ones are cut with an ellipsis.
pub const MAX_VALUE_CHARS: usize = 1_000;

/// A value as shown to people: strings as they are, anything else as compact JSON,
/// `(none)` when absent; cut past [`MAX_VALUE_CHARS`].
pub fn show(value: Option<&Value>) -> String {
    let text = match value {
        None => "(none)".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    cut(&text, MAX_VALUE_CHARS)
}

/// `text` cut to `max` characters, with an ellipsis when it was longer.
pub fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// Whether a field is best shown as before and after lines: PromQL expressions and long or
/// multi-line values.
pub fn as_lines(path: &str, before: &str, after: &str) -> bool {
    path.ends_with("expr")
        || [before, after]
            .iter()
            .any(|s| s.contains('\n') || s.chars().count() > 60)
}

/// The verb of a status.
pub fn verb(status: Status) -> &'static str {
    match status {
        Status::Added => "added",
        Status::Removed => "removed",
        Status::Changed => "changed",
    }
}

/// The sign of a status: `+`, `-` or `~`.
pub fn sign(status: Status) -> char {
    match status {
        Status::Added => '+',
        Status::Removed => '-',
        Status::Changed => '~',
    }
}

/// How many items of each target, such as `Prometheus rules: 1 changed, 2 added`.
pub fn tally(changes: &[Change]) -> String {
    let mut by_target: BTreeMap<Target, [usize; 3]> = BTreeMap::new();
    for c in changes {
        by_target.entry(c.target).or_default()[c.status as usize] += 1;
    }
    by_target
        .iter()
        .map(|(target, counts)| {
            let parts: Vec<String> = [Status::Added, Status::Removed, Status::Changed]
                .iter()
                .filter(|s| counts[**s as usize] > 0)
                .map(|s| format!("{} {}", counts[*s as usize], verb(*s)))
                .collect();
            format!("{}: {}", target.title(), parts.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// An item's name with its title, such as `overview panel 3 "Request rate"`.
pub fn label(change: &Change) -> String {
    match &change.title {
        Some(t) if change.target == Target::Dashboard => format!("{} \"{t}\"", change.item),
        _ => change.item.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_shown_plainly_and_cut() {
        assert_eq!(show(Some(&json!("5m"))), "5m");
        assert_eq!(show(Some(&json!({"a": 1}))), "{\"a\":1}");
        assert_eq!(show(None), "(none)");
        assert_eq!(cut("ééé", 2), "éé…");
        assert!(as_lines(".expr", "a", "b"));
        assert!(!as_lines(".for", "5m", "10m"));
    }
}
