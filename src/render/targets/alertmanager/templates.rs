//! Localized notification templates: the built-in Go template
//! `templates/alertmanager/notifications.tmpl` instantiated once per built-in message
//! catalog (`locales/<lang>.yaml`), and the choice of a tenant's locale.
//!
//! The base template holds three kinds of placeholder, all replaced here:
//! `[[lang]]` (the locale code, one of the built-in ones), `[[tenant_label]]` (the
//! project's tenant label as a Go string literal) and `[[msg.<key>]]` (a catalog message
//! as a Go action printing a string literal). Messages therefore never become template
//! code, whatever they contain. No tenant data enters the templates, so the unit tests
//! that check every built-in template (structure here, rendering with `amtool` in
//! `tests/alertmanager.rs`) cover every build.

use crate::texts::Texts;

/// `s` as a Go string literal (`"..."` with escapes), valid in any template action.
pub fn go_string(s: &str) -> String {
    crate::render::yaml::double_quoted(s)
}

/// `s` made inert for a field Alertmanager expands as a template (Slack `channel`,
/// e-mail `to`, PagerDuty `routing_key`): every `{{` is printed by an action instead of
/// opening one, so the field renders to exactly `s`.
pub fn go_literal_text(s: &str) -> String {
    s.replace("{{", "{{ \"{{\" }}")
}

/// The notification templates of locale `lang`, made from the project's base template
/// and catalogs, for a project whose tenant label is `tenant_label`.
pub fn render_locale(texts: &Texts, lang: &str, tenant_label: &str) -> String {
    let base = texts.notifications();
    let mut out = String::with_capacity(base.len() + 1024);
    let mut rest = base;
    while let Some(start) = rest.find("[[") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("]]") else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let key = after[..end].trim();
        match key {
            "lang" => out.push_str(lang),
            "tenant_label" => out.push_str(&go_string(tenant_label)),
            _ => {
                let name = key.strip_prefix("msg.").unwrap_or(key);
                out.push_str("{{ ");
                out.push_str(&go_string(texts.message(lang, name)));
                out.push_str(" }}");
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// A problem in a base notification template, at a byte offset of it.
#[derive(Debug, PartialEq)]
pub struct TemplateProblem {
    /// Byte offset of the problem in the base template.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

/// Checks the project's base template: every `[[...]]` placeholder is known, each locale's
/// rendering is a well-formed Go template, and it defines every template receivers use.
pub fn check_base(texts: &Texts) -> Result<(), TemplateProblem> {
    let base = texts.notifications();
    let english = Texts::english();
    let at = |offset: usize, message: String| TemplateProblem { offset, message };
    let mut pos = 0;
    while let Some(start) = base[pos..].find("[[").map(|s| s + pos) {
        let after = &base[start + 2..];
        let Some(end) = after.find("]]") else {
            return Err(at(start, "`[[` without its `]]`".into()));
        };
        let key = after[..end].trim();
        let known =
            key == "lang" || key == "tenant_label" || key.strip_prefix("msg.").is_some_and(|k| english.contains_key(k));
        if !known {
            return Err(at(start, format!("unknown placeholder `[[{key}]]`")));
        }
        pos = start + 2 + end + 2;
    }
    for lang in texts.langs() {
        let text = render_locale(texts, lang, "tenant");
        // Placeholders never hold a line break, so a line of `text` is the same line of `base`.
        let defined = super::gocheck::check(&text).map_err(|e| {
            let (line, message) = split_line(&e);
            let offset = base
                .split_inclusive('\n')
                .take(line.saturating_sub(1))
                .map(str::len)
                .sum();
            at(offset, message)
        })?;
        if let Some(kind) = KINDS.iter().find(|k| !defined.contains(&format!("strata.{k}.{lang}"))) {
            return Err(at(
                0,
                format!("it does not define `strata.{kind}.[[lang]]`, which receivers use"),
            ));
        }
    }
    Ok(())
}

/// `line N: message` as its parts (line 1 when the text has no line).
fn split_line(problem: &str) -> (usize, String) {
    problem
        .strip_prefix("line ")
        .and_then(|r| r.split_once(": "))
        .and_then(|(n, m)| Some((n.parse().ok()?, m.to_string())))
        .unwrap_or((1, problem.to_string()))
}

/// The templates receivers use, by kind; each locale defines `strata.<kind>.<lang>`.
pub const KINDS: &[&str] = &[
    "slack.title",
    "slack.text",
    "email.subject",
    "email.html",
    "pagerduty.description",
];

/// `{{ template "strata.<kind>.<lang>" . }}`, the value of a receiver field that uses a
/// built-in template.
pub fn call(kind: &str, lang: &str) -> String {
    format!("{{{{ template {} . }}}}", go_string(&format!("strata.{kind}.{lang}")))
}

#[cfg(test)]
mod tests {
    use super::super::gocheck::check;
    use super::*;
    use crate::texts::CATALOGS;
    use serde_json::Value;

    const LABELS: &[&str] = &["tenant", "team_id", "odd\"label\n{{ x }}"];

    #[test]
    fn every_catalog_has_exactly_the_english_keys() {
        let english: Vec<String> = Texts::english().keys().cloned().collect();
        assert!(english.len() >= 10, "{english:?}");
        for (lang, text) in CATALOGS {
            let (node, diags) = crate::load::parse_yaml(text, crate::diag::FileId(0));
            assert!(diags.is_empty(), "{lang}: {diags:?}");
            let all = node.map(|n| n.to_json(None)).unwrap_or_default();
            let map = all.as_object().cloned().unwrap_or_default();
            assert!(map.values().all(Value::is_string), "{lang}: non-string message");
            let mut keys: Vec<String> = map.keys().cloned().collect();
            keys.sort();
            assert_eq!(keys, english, "{lang}");
        }
    }

    #[test]
    fn the_built_in_base_template_passes_its_own_check() {
        assert_eq!(check_base(&Texts::default()), Ok(()));
    }

    #[test]
    fn a_broken_base_template_is_located() {
        let mut texts = Texts::default();
        texts.set_notifications("a\nb [[msg.nope]]".into());
        let p = check_base(&texts).err();
        assert_eq!(
            p.map(|p| (p.offset, p.message)),
            Some((4, "unknown placeholder `[[msg.nope]]`".into()))
        );
        texts.set_notifications("x\n\n{{ if .X }}\n".into());
        let p = check_base(&texts).err().map(|p| (p.offset, p.message));
        assert!(p.as_ref().is_some_and(|(at, m)| *at == 3 && m.contains("if")), "{p:?}");
        texts.set_notifications("{{ define \"strata.slack.title.[[lang]]\" }}x{{ end }}".into());
        let p = check_base(&texts).err().map(|p| p.message);
        assert!(p.as_ref().is_some_and(|m| m.contains("strata.slack.text")), "{p:?}");
    }

    #[test]
    fn every_built_in_template_is_well_formed_and_defines_what_receivers_use() {
        let texts = Texts::default();
        let mut all_defined = Vec::new();
        for (lang, _) in CATALOGS {
            for label in LABELS {
                let text = render_locale(&texts, lang, label);
                assert!(!text.contains("[["), "{lang}: placeholder left:\n{text}");
                let defined = check(&text).unwrap_or_else(|e| panic!("{lang} / {label:?}: {e}\n{text}"));
                for kind in KINDS {
                    let name = format!("strata.{kind}.{lang}");
                    assert!(defined.contains(&name), "{lang}: {name} not defined");
                }
                if *label == "tenant" {
                    all_defined.extend(defined);
                }
            }
        }
        let before = all_defined.len();
        all_defined.sort();
        all_defined.dedup();
        assert_eq!(
            before,
            all_defined.len(),
            "a template name is defined twice across locales"
        );
    }

    #[test]
    fn messages_are_quoted_not_spliced() {
        let text = render_locale(&Texts::default(), "de", "tenant");
        assert!(text.contains("{{ \"Ausgelöst\" }}"), "{text}");
        assert!(text.contains("define \"strata.slack.title.de\""));
        assert!(text.contains("index .CommonLabels \"tenant\""));
    }

    #[test]
    fn go_escapes() {
        assert_eq!(go_string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(go_literal_text("#a{{ .x }}"), "#a{{ \"{{\" }} .x }}");
        assert_eq!(call("slack.title", "en"), "{{ template \"strata.slack.title.en\" . }}");
        assert!(check(&format!("x{}y", go_literal_text("{{{ a }}{{"))).is_ok());
    }
}
