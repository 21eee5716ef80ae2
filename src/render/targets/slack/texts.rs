//! Text of the Slack messages: the localized catalog messages, and the one function that
//! turns pieces of text into a Block Kit string within a length limit.
//!
//! A text is a list of [`Piece`]s. User text ([`Piece::Lit`]) is escaped twice:
//! - for Slack `mrkdwn` (only in mrkdwn text objects): `&` -> `&amp;`, `<` -> `&lt;`,
//!   `>` -> `&gt;`, as Slack asks, so user text can neither link nor mention;
//! - for the send-time placeholders (Go template syntax, see `docs/slack.md`): a `{`
//!   that a `{` could follow becomes `{{ "{" }}`, so user text never opens a placeholder.
//!
//! Placeholders ([`Piece::Ph`]) and strata's own markup ([`Piece::Raw`]) are kept as they
//! are. A text over its limit is cut between whole units (an escaped character, a whole
//! placeholder) and ends with `…`, so it stays valid and within the limit.

use crate::texts::Texts;

/// The ellipsis ending a truncated text.
pub const ELLIPSIS: char = '…';

/// A piece of a text.
#[derive(Debug, Clone, Copy)]
pub enum Piece<'a> {
    /// User text: escaped.
    Lit(&'a str),
    /// A send-time placeholder such as `{{ .Labels.alertname }}`: kept whole.
    Ph(&'a str),
    /// strata's own markup (`*`, newlines): kept as is; never holds `{`, `&`, `<`, `>`.
    Raw(&'a str),
}

/// How a text is escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A `mrkdwn` text object: `&`, `<`, `>` escaped; newlines kept.
    Mrkdwn,
    /// A `mrkdwn` text object on one line (context elements).
    MrkdwnLine,
    /// A `plain_text` object on one line (header, button).
    PlainLine,
}

/// The escaped form of character `c` of user text; `brace` when `c` is a `{` that a `{`
/// may follow.
fn escape_char(c: char, brace: bool, style: Style, out: &mut String) {
    match c {
        '{' if brace => out.push_str("{{ \"{\" }}"),
        '&' if style != Style::PlainLine => out.push_str("&amp;"),
        '<' if style != Style::PlainLine => out.push_str("&lt;"),
        '>' if style != Style::PlainLine => out.push_str("&gt;"),
        '\n' if style == Style::Mrkdwn => out.push('\n'),
        c if c.is_control() => out.push(' '),
        c => out.push(c),
    }
}

/// Whether user text `s` needs no escaping in any style: no `{`, `&`, `<`, `>`, no
/// control characters (bytes below 0x20, DEL, and conservatively any C1 lead byte 0xC2).
fn is_inert(s: &str) -> bool {
    !s.bytes()
        .any(|b| matches!(b, b'{' | b'&' | b'<' | b'>' | 0x7f | 0xc2) || b < 0x20)
}

/// Appends the units of `pieces` to `out` while they fit in `budget` characters; returns
/// whether everything fit. Characters are counted in UTF-16 code units, which is never less
/// than Unicode code points: a text fits however Slack counts (an emoji outside the Basic
/// Multilingual Plane counts 2).
fn push_units(pieces: &[Piece<'_>], style: Style, budget: usize, out: &mut String) -> bool {
    let mut used = 0;
    let mut unit = String::new();
    for piece in pieces {
        match piece {
            Piece::Lit(text) if is_inert(text) && used + text.encode_utf16().count() <= budget => {
                used += text.encode_utf16().count();
                out.push_str(text);
            }
            Piece::Lit(text) => {
                let mut chars = text.chars().peekable();
                while let Some(c) = chars.next() {
                    unit.clear();
                    // A `{` at the end of a piece is escaped too: a placeholder may follow.
                    let brace = c == '{' && chars.peek().is_none_or(|n| *n == '{');
                    escape_char(c, brace, style, &mut unit);
                    let n = unit.encode_utf16().count();
                    if used + n > budget {
                        return false;
                    }
                    used += n;
                    out.push_str(&unit);
                }
            }
            Piece::Ph(text) | Piece::Raw(text) => {
                let n = text.encode_utf16().count();
                if used + n > budget {
                    return false;
                }
                used += n;
                out.push_str(text);
            }
        }
    }
    true
}

/// The text of `pieces` escaped for `style`, at most `max` characters: cut between units
/// and ended with `…` when longer.
pub fn text(pieces: &[Piece<'_>], style: Style, max: usize) -> String {
    let mut out = String::new();
    if push_units(pieces, style, max, &mut out) {
        return out;
    }
    out.clear();
    push_units(pieces, style, max.saturating_sub(1), &mut out);
    out.push(ELLIPSIS);
    out
}

/// `s` cut to at most `max` characters, ending with `…` when cut; never inside an HTML
/// entity (`&amp;`) of mrkdwn. For text whose placeholders were filled in.
pub fn truncate(s: &str, max: usize) -> String {
    if s.encode_utf16().count() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        used += c.len_utf16();
        if used > max.saturating_sub(1) {
            break;
        }
        out.push(c);
    }
    if let Some(amp) = out.rfind('&')
        && !out[amp..].contains(';')
        && out.len() - amp < 6
    {
        out.truncate(amp);
    }
    out.push(ELLIPSIS);
    out
}

/// The messages of one locale of the project's catalogs, English where a key is missing.
#[derive(Debug, Clone, Copy)]
pub struct Messages<'a> {
    /// The locale code (`en`, `de`, `fr` or one of the project's `locales/`).
    pub lang: &'a str,
    texts: &'a Texts,
}

impl<'a> Messages<'a> {
    /// The messages of the locale chosen for `wanted` (see [`Texts::choose_locale`]).
    pub fn new(texts: &'a Texts, wanted: Option<&str>, default_locale: &str) -> Self {
        Self {
            lang: texts.choose_locale(wanted, default_locale),
            texts,
        }
    }

    /// The message `key` of this locale.
    pub fn get(&self, key: &'static str) -> &'a str {
        self.texts.message(self.lang, key)
    }
}

/// Every catalog key the Slack messages use.
pub const KEYS: &[&str] = &[
    "severity_critical",
    "severity_warning",
    "severity_info",
    "tenant",
    "environment",
    "severity",
    "escalated",
    "started",
    "open_runbook",
    "more_labels",
    "sample_summary",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str, style: Style, max: usize) -> String {
        text(&[Piece::Lit(s)], style, max)
    }

    #[test]
    fn mrkdwn_escapes_and_braces() {
        assert_eq!(lit("a & <b> c", Style::Mrkdwn, 100), "a &amp; &lt;b&gt; c");
        assert_eq!(lit("a & <b>", Style::PlainLine, 100), "a & <b>");
        assert_eq!(lit("{{ .x }}", Style::PlainLine, 100), "{{ \"{\" }}{ .x }}");
        assert_eq!(lit("{a} {", Style::PlainLine, 100), "{a} {{ \"{\" }}");
        assert_eq!(lit("a\nb\tc", Style::Mrkdwn, 100), "a\nb c");
        assert_eq!(lit("a\nb", Style::MrkdwnLine, 100), "a b");
        // C1 controls (NEL) and plain non-ASCII text, through the fast path or not.
        assert_eq!(lit("a\u{85}b", Style::PlainLine, 100), "a b");
        assert_eq!(lit("café ©", Style::Mrkdwn, 100), "café ©");
        assert_eq!(lit("café", Style::Mrkdwn, 3), "ca…");
    }

    #[test]
    fn truncation_keeps_units_whole() {
        assert_eq!(lit("abcdef", Style::Mrkdwn, 6), "abcdef");
        assert_eq!(lit("abcdefg", Style::Mrkdwn, 6), "abcde…");
        // `&amp;` does not fit in the 4 characters left: it is left out, not cut.
        assert_eq!(lit("abc&def", Style::Mrkdwn, 6), "abc…");
        let ph = text(&[Piece::Lit("ab"), Piece::Ph("{{ .X }}")], Style::Mrkdwn, 6);
        assert_eq!(ph, "ab…");
        let long = lit(&"é".repeat(5000), Style::Mrkdwn, 3000);
        assert_eq!(long.chars().count(), 3000);
        assert!(long.ends_with(ELLIPSIS));
        // Outside the BMP: counted as 2 (UTF-16), so 1499 of them and the ellipsis.
        let emoji = lit(&"🔥".repeat(2000), Style::Mrkdwn, 3000);
        assert_eq!(emoji.chars().count(), 1500);
        assert_eq!(truncate(&"🔥".repeat(10), 5), "🔥🔥…");
    }

    #[test]
    fn truncate_filled_text() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "ab…");
        assert_eq!(truncate("ab &amp; c", 6), "ab …");
    }

    #[test]
    fn every_key_is_in_every_catalog() {
        for (lang, catalog) in crate::texts::CATALOGS {
            let (node, _) = crate::load::parse_yaml(catalog, crate::diag::FileId(0));
            let m = node.unwrap_or_else(|| panic!("{lang}: no catalog"));
            for key in KEYS {
                let text = m.get(key).and_then(|n| n.as_str());
                assert!(text.is_some_and(|t| !t.is_empty()), "{lang}: no {key}");
            }
            let more = m.get("more_labels").and_then(|n| n.as_str()).unwrap_or_default();
            assert!(more.contains("{count}"), "{lang}");
        }
        let texts = Texts::default();
        assert_eq!(Messages::new(&texts, Some("de-AT"), "en").get("tenant"), "Mandant");
        assert_eq!(Messages::new(&texts, None, "fr").get("environment"), "Environnement");
    }
}
