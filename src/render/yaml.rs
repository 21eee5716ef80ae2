//! A YAML emitter for generated artifacts. Structure comes from data, never from text
//! templates, so a hostile string (quotes, newlines, `{{`, `: `, `- `) always stays one
//! string: anything that is not a plainly safe word is written double-quoted with escapes.
//! The output reads the same under YAML 1.1 (Go's yaml.v2, used by Prometheus and
//! Alertmanager) and YAML 1.2.

use serde_json::Value;

/// Renders `value` as a block-style YAML document, ending with a newline.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    write_yaml(&mut out, value);
    out
}

/// Appends `value` to `out` as a block-style YAML document, ending with a newline.
pub fn write_yaml(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) if !map.is_empty() => write_map(out, map, 0),
        Value::Array(items) if !items.is_empty() => write_seq(out, items, 0),
        scalar => {
            push_scalar(out, scalar);
            out.push('\n');
        }
    }
}

/// The placeholder item of list `index` in a document rendered for [`splice`]: a string
/// no generated list holds (it starts with a control character).
pub fn placeholder(index: usize) -> Value {
    Value::String(format!("\u{1}strata-splice-{index}"))
}

/// The text a block sequence holding `items` emits for them at `level`: the text of a list's
/// items does not depend on the items around them, so lists can be built from pieces.
pub fn seq_text(items: &[Value], level: usize) -> String {
    let mut out = String::new();
    write_seq(&mut out, items, level);
    out
}

/// The document `{key: items}` as [`write_yaml`] renders it, without building it: the
/// items are borrowed, not copied into a new value.
pub fn seq_entry_text(key: &str, items: &[Value]) -> String {
    let mut out = String::new();
    push_string(&mut out, key);
    out.push(':');
    if items.is_empty() {
        out.push_str(" []\n");
    } else {
        out.push('\n');
        write_seq(&mut out, items, 0);
    }
    out
}

/// `text` (a rendered document) with the item line of each `(i, level, pieces)` of `fills`,
/// [`placeholder`] `i` at `level`, replaced by the concatenation of `pieces` (each a
/// [`seq_text`] at that level). `None` when a placeholder is not found exactly once.
pub fn splice(text: &str, fills: &[(usize, usize, &[&str])]) -> Option<String> {
    let mut cuts: Vec<(usize, usize, &[&str])> = Vec::with_capacity(fills.len());
    for &(i, level, pieces) in fills {
        let mut line = String::from("\n");
        indent(&mut line, level);
        line.push_str("- ");
        push_scalar(&mut line, &placeholder(i));
        line.push('\n');
        let at = text.find(&line)?;
        if text.rfind(&line) != Some(at) {
            return None;
        }
        cuts.push((at + 1, at + line.len(), pieces));
    }
    cuts.sort_by_key(|c| c.0);
    let size = text.len() + cuts.iter().flat_map(|c| c.2.iter()).map(|p| p.len()).sum::<usize>();
    let mut out = String::with_capacity(size);
    let mut from = 0;
    for (start, end, pieces) in cuts {
        out.push_str(text.get(from..start)?);
        pieces.iter().for_each(|p| out.push_str(p));
        from = end;
    }
    out.push_str(text.get(from..)?);
    Some(out)
}

fn indent(out: &mut String, level: usize) {
    out.extend(std::iter::repeat_n(' ', level));
}

/// Longest implicit key YAML allows (1024 characters); go-yaml, and so promtool and amtool,
/// refuse a longer one.
const MAX_IMPLICIT_KEY: usize = 1024;

/// Appends `key` and its `:`; a key longer than YAML allows as an implicit key becomes an
/// explicit one (`? key` and `:` on the next line at `level`). Found by fuzzing: a
/// 2,200-character annotation name made an unreadable rule file.
fn push_key(out: &mut String, key: &str, level: usize) {
    let start = out.len();
    push_string(out, key);
    if out[start..].chars().count() > MAX_IMPLICIT_KEY {
        out.insert_str(start, "? ");
        out.push('\n');
        indent(out, level);
    }
    out.push(':');
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, level: usize) {
    for (key, value) in map {
        indent(out, level);
        push_key(out, key, level);
        write_value_after_key(out, value, level);
    }
}

fn write_value_after_key(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_map(out, m, level + 2);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_seq(out, items, level);
        }
        scalar => {
            out.push(' ');
            push_scalar(out, scalar);
            out.push('\n');
        }
    }
}

fn write_seq(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push_str("- ");
        match item {
            Value::Object(m) if !m.is_empty() => {
                let mut first = true;
                for (key, value) in m {
                    if !first {
                        indent(out, level + 2);
                    }
                    first = false;
                    push_key(out, key, level + 2);
                    write_value_after_key(out, value, level + 2);
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(out, inner, level + 2);
            }
            scalar => {
                push_scalar(out, scalar);
                out.push('\n');
            }
        }
    }
}

fn push_scalar(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            use std::fmt::Write;
            let _ = write!(out, "{n}");
        }
        Value::String(s) => push_string(out, s),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// Words YAML 1.1 or 1.2 would read as something other than a string.
const RESERVED: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on",
    "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
];

/// Whether `s` can be written unquoted and still read back as the same string.
fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else { return false };
    let word_chars = s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'));
    let starts_well = first.is_ascii_alphabetic() || first == '_' || first == '/' || is_duration(s);
    word_chars && starts_well && !RESERVED.contains(&s) && !s.ends_with('.')
}

/// Durations such as `30s` or `1h30m` read as strings in every YAML version.
fn is_duration(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric()) && crate::duration::parse_duration(s).is_some() && s != "0"
}

/// `s` as a YAML scalar: plain when safe, else double-quoted with escapes.
pub fn string_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_string(&mut out, s);
    out
}

/// Appends [`string_text`] of `s` to `out`.
fn push_string(out: &mut String, s: &str) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else {
        push_double_quoted(out, s);
    }
}

/// `s` double-quoted with backslash escapes (`\"`, `\\`, `\n`, `\u2028`, ...): the same text
/// is a valid YAML double-quoted scalar and a valid Go string literal.
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_double_quoted(&mut out, s);
    out
}

/// Appends [`double_quoted`] of `s` to `out`.
fn push_double_quoted(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    // Runs of characters that need no escape are copied whole.
    let mut run_start = 0;
    for (i, c) in s.char_indices() {
        let escaped = matches!(c, '"' | '\\') || c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}');
        if !escaped {
            continue;
        }
        out.push_str(&s[run_start..i]);
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
        }
        run_start = i + c.len_utf8();
    }
    out.push_str(&s[run_start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_of_borrowed_items_is_what_the_whole_document_renders() {
        for items in [
            vec![],
            vec![
                serde_json::json!({"name": "g", "rules": [{"record": "a:b", "labels": {"x": "1"}}]}),
                Value::from("s"),
            ],
        ] {
            assert_eq!(
                seq_entry_text("groups", &items),
                to_yaml(&serde_json::json!({ "groups": items })),
                "{items:?}"
            );
        }
    }
    use crate::diag::FileId;
    use crate::load::parse_yaml;
    use serde_json::json;

    fn round_trip(value: &Value) -> Value {
        let text = to_yaml(value);
        let (node, diags) = parse_yaml(&text, FileId(0));
        assert!(diags.is_empty(), "{text}\n{diags:?}");
        node.map(|n| n.to_json(None)).unwrap_or_default()
    }

    #[test]
    fn keys_longer_than_yaml_allows_are_explicit_and_read_back() {
        let long = "k".repeat(MAX_IMPLICIT_KEY + 1);
        let value = serde_json::json!({"groups": [{long.clone(): {long.clone(): "v"}, "b": [1]}], long.clone(): 1});
        let text = to_yaml(&value);
        assert!(text.contains(&format!("? {long}")), "{text}");
        assert_eq!(round_trip(&value), value, "{text}");
    }

    #[test]
    fn hostile_strings_stay_strings() {
        let hostile = [
            "a: b",
            "- item",
            "{{ $labels.instance }}",
            "\"quoted\"",
            "line\nbreak\n- alert: Injected",
            "yes",
            "no",
            "010",
            "1e3",
            "",
            " lead",
            "#comment",
            "&anchor",
            "*alias",
            "!tag",
            "%",
            "@",
            "`",
            "x\u{2028}y",
            "tab\t",
            "null",
            "~",
            "ü",
            "${VAR}",
            "key: value\nother: 1",
        ];
        for s in hostile {
            let v = json!({ s: s, "list": [s, {s: [s]}] });
            assert_eq!(round_trip(&v), v, "{s:?}");
        }
    }

    #[test]
    fn double_quoting_escapes_exactly_what_yaml_and_go_need() {
        assert_eq!(double_quoted(""), r#""""#);
        assert_eq!(double_quoted("plain ü text"), r#""plain ü text""#);
        assert_eq!(
            double_quoted("ü\"a\\b\nc\td\re\u{7}\u{85}f\u{2028}g\u{feff}ü"),
            r#""ü\"a\\b\nc\td\re\u0007\u0085f\u2028g\ufeffü""#
        );
    }

    #[test]
    fn spliced_lists_equal_whole_lists() {
        let items = |n: &str| vec![json!({"name": n, "routes": [{"x": [1, "a: b"]}]}), json!(n)];
        let routes = [items("a"), items("b")].concat();
        let whole = json!({"route": {"routes": routes}, "rs": [{"n": 0}, items("c")[0]]});
        let doc = json!({"route": {"routes": [placeholder(0)]}, "rs": [{"n": 0}, placeholder(1)]});
        let (a, b, c) = (
            seq_text(&items("a"), 2),
            seq_text(&items("b"), 2),
            seq_text(&items("c")[..1], 0),
        );
        let fills: [(usize, usize, &[&str]); 2] = [(0, 2, &[a.as_str(), b.as_str()]), (1, 0, &[c.as_str()])];
        assert_eq!(splice(&to_yaml(&doc), &fills), Some(to_yaml(&whole)));
        // At the wrong level, or twice, the placeholder is not spliced.
        assert_eq!(splice(&to_yaml(&doc), &[(0, 0, &[])]), None);
        let twice = json!({"a": [placeholder(0)], "b": [placeholder(0)]});
        assert_eq!(splice(&to_yaml(&twice), &[(0, 0, &[])]), None);
    }

    #[test]
    fn block_layout() {
        let v = json!({"groups": [{"name": "acme", "rules": [{"alert": "High", "for": "5m", "labels": {}}]}], "ratio": 1.5});
        let text = to_yaml(&v);
        assert_eq!(
            text,
            "groups:\n- name: acme\n  rules:\n  - alert: High\n    for: 5m\n    labels: {}\nratio: 1.5\n"
        );
        assert_eq!(round_trip(&v), v);
    }
}
