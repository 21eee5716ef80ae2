//! A structural check of Go templates: every `{{` has its `}}` outside
//! string literals, comments are closed, parentheses balance, `if` / `range` / `with` /
//! `define` / `block` are closed by `end` in order, `else` sits inside `if` / `with` /
//! `range`, `define` is at the top level, no name is defined twice, and every
//! `{{ template "x" }}` names a template defined in the same text. It does not type-check
//! the pipelines; the `amtool template render` tests do that against synthetic alerts.

/// Checks `text`; returns the names it defines, or the first problem with its line.
pub fn check(text: &str) -> Result<Vec<String>, String> {
    let mut defined: Vec<String> = Vec::new();
    let mut used: Vec<(String, usize)> = Vec::new();
    let mut open: Vec<(&'static str, usize)> = Vec::new();
    let mut pos = 0;
    while let Some(offset) = text[pos..].find("{{") {
        let start = pos + offset;
        let line = text[..start].matches('\n').count() + 1;
        let at = |m: &str| format!("line {line}: {m}");
        let mut i = start + 2;
        if text[i..].starts_with('-') && text[i + 1..].starts_with(char::is_whitespace) {
            i += 2;
        }
        if text[i..].starts_with("/*") {
            let close = text[i + 2..].find("*/").ok_or_else(|| at("unclosed comment"))?;
            let after = &text[i + 2 + close + 2..];
            let skip = if after.starts_with("}}") {
                2
            } else if after.starts_with(" -}}") {
                4
            } else {
                return Err(at("comment ends without }}"));
            };
            pos = i + 2 + close + 2 + skip;
            continue;
        }
        let end = action_end(text, i).map_err(|m| at(&m))?;
        let mut body = text[i..end].trim_end();
        if let Some(b) = body.strip_suffix('-').filter(|b| b.ends_with(char::is_whitespace)) {
            body = b.trim_end();
        }
        let body = body.trim_start();
        pos = end + 2;
        let word: String = body
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let rest = &body[word.len()..];
        match word.as_str() {
            "" if body.is_empty() => return Err(at("empty action")),
            "if" | "range" | "with" => open.push((keyword(&word), line)),
            "define" | "block" => {
                if word == "define" && !open.is_empty() {
                    return Err(at("define inside another action"));
                }
                let name = string_arg(rest).ok_or_else(|| at(&format!("{word} needs a quoted name")))?;
                if defined.contains(&name) {
                    return Err(at(&format!("template {name:?} defined twice")));
                }
                if word == "block" {
                    used.push((name.clone(), line));
                }
                defined.push(name);
                open.push((keyword(&word), line));
            }
            "template" => {
                let name = string_arg(rest).ok_or_else(|| at("template needs a quoted name"))?;
                used.push((name, line));
            }
            "else" => match open.last() {
                Some((k, _)) if matches!(*k, "if" | "range" | "with") => {}
                _ => return Err(at("else outside if / range / with")),
            },
            "end" => {
                if !rest.trim().is_empty() {
                    return Err(at("end takes no arguments"));
                }
                open.pop().ok_or_else(|| at("end without an open action"))?;
            }
            _ => {}
        }
    }
    if let Some((k, line)) = open.last() {
        return Err(format!("line {line}: {k} is never closed by end"));
    }
    if let Some((name, line)) = used.iter().find(|(n, _)| !defined.contains(n)) {
        return Err(format!("line {line}: template {name:?} is not defined"));
    }
    Ok(defined)
}

fn keyword(word: &str) -> &'static str {
    match word {
        "if" => "if",
        "range" => "range",
        "with" => "with",
        "define" => "define",
        _ => "block",
    }
}

/// Byte offset of the `}}` that closes the action whose body starts at `i`.
fn action_end(text: &str, mut i: usize) -> Result<usize, String> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                return if depth == 0 {
                    Ok(i)
                } else {
                    Err("unclosed left parenthesis".into())
                };
            }
            q @ (b'"' | b'\'') => {
                i += 1;
                loop {
                    match bytes.get(i) {
                        None | Some(b'\n') => return Err("unterminated quoted string".into()),
                        Some(b'\\') => i += 2,
                        Some(c) if *c == q => break,
                        Some(_) => i += 1,
                    }
                }
            }
            b'`' => {
                let close = text[i + 1..].find('`').ok_or("unterminated raw string")?;
                i += close + 1;
            }
            b'(' => depth += 1,
            b')' => depth = depth.checked_sub(1).ok_or("unexpected right parenthesis")?,
            b'{' if bytes.get(i + 1) == Some(&b'{') => return Err("{{ inside an action".into()),
            _ => {}
        }
        i += 1;
    }
    Err("unclosed action".into())
}

/// The quoted string that starts `rest` (after spaces), unescaped.
fn string_arg(rest: &str) -> Option<String> {
    let rest = rest.trim_start();
    if let Some(raw) = rest.strip_prefix('`') {
        return raw.find('`').map(|e| raw[..e].to_string());
    }
    let mut chars = rest.strip_prefix('"')?.chars();
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => out.push(match chars.next()? {
                'n' => '\n',
                't' => '\t',
                c => c,
            }),
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn accepts_well_formed_templates() {
        let ok = r#"{{/* c {{ x }} */}}{{- /* c */ -}}
{{ define "a" }}{{ if .X }}{{ "}} {{" }}{{ else if .Y }}{{ (len .Z) }}{{ else }}z{{ end }}{{ end }}
{{ define "b" -}} {{ range .Alerts }}{{ template "a" . }}{{ end }} {{- end }}"#;
        assert_eq!(check(ok), Ok(vec!["a".to_string(), "b".to_string()]));
    }

    #[test]
    fn rejects_broken_templates() {
        for (text, problem) in [
            ("{{ if .X }}", "never closed"),
            ("{{ end }}", "without an open"),
            ("{{ .X ", "unclosed action"),
            ("{{ \"a }}", "unterminated"),
            ("{{ (len .X }}", "parenthesis"),
            ("{{ template \"nope\" . }}", "not defined"),
            ("{{ define \"a\" }}{{ end }}{{ define \"a\" }}{{ end }}", "twice"),
            ("{{ if .X }}{{ define \"a\" }}{{ end }}{{ end }}", "inside"),
            ("{{ else }}", "outside"),
            ("{{/* open ", "unclosed comment"),
            ("{{ }}", "empty"),
            ("{{ .A {{ .B }}", "inside an action"),
        ] {
            let got = check(text);
            assert!(
                got.as_ref().is_err_and(|e| e.contains(problem)),
                "{text:?}: expected {problem:?}, got {got:?}"
            );
        }
    }
}
