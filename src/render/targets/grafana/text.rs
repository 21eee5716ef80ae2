//! Display text from the config (tenant names, feature and SLO names) made fit for
//! Grafana titles: one line, bounded length, and nothing Grafana reads as a variable.

/// `text` on one line (control characters become spaces, runs of spaces collapse), with
/// `$` written as the full-width `＄` and `[[` as `[ [` (Grafana interpolates `$name`,
/// `${name}` and `[[name]]` in titles), cut to `max` characters with an ellipsis.
pub fn short_title(text: &str, max: usize) -> String {
    let mut chars: Vec<char> = Vec::with_capacity(max.min(text.len()) + 2);
    for c in text.trim().chars() {
        let c = if c.is_control() || c.is_whitespace() { ' ' } else { c };
        if c == ' ' && chars.last() == Some(&' ') {
            continue;
        }
        if c == '[' && chars.last() == Some(&'[') {
            chars.push(' ');
        }
        chars.push(if c == '$' { '＄' } else { c });
        if chars.len() > max {
            break;
        }
    }
    if chars.len() > max {
        chars.truncate(max.saturating_sub(1));
        while chars.last() == Some(&' ') {
            chars.pop();
        }
        chars.push('…');
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::short_title;

    #[test]
    fn titles_are_one_bounded_line_without_variables() {
        assert_eq!(short_title("ACME Corporation", 80), "ACME Corporation");
        assert_eq!(short_title("a\n\tb  c", 80), "a b c");
        assert_eq!(short_title("$env ${x} [[env]]", 80), "＄env ＄{x} [ [env]]");
        let long = short_title(&"x".repeat(5000), 80);
        assert_eq!(long.chars().count(), 80);
        assert!(long.ends_with('…'));
        assert_eq!(short_title("abcd", 3), "ab…");
        assert_eq!(short_title("abc", 3), "abc");
    }
}
