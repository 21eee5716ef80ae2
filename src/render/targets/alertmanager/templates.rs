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

use serde_json::Value;

/// The base template, in Go template syntax with `[[...]]` placeholders.
const BASE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/templates/alertmanager/notifications.tmpl"
));

/// Built-in message catalogs, keyed by locale code. `en` is the fallback of every key.
pub const CATALOGS: &[(&str, &str)] = &[
    (
        "en",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/en.yaml")),
    ),
    (
        "de",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/de.yaml")),
    ),
    (
        "fr",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/fr.yaml")),
    ),
];

/// The built-in locale used for `wanted`: the exact code, else its language part
/// (`de-AT` -> `de`), else the project's default locale the same way, else `en`.
pub fn choose_locale(wanted: Option<&str>, default_locale: &str) -> &'static str {
    let find = |code: &str| {
        let language = code.split('-').next().unwrap_or(code);
        CATALOGS
            .iter()
            .find(|(c, _)| *c == code)
            .or_else(|| CATALOGS.iter().find(|(c, _)| *c == language))
            .map(|(c, _)| *c)
    };
    wanted.and_then(find).or_else(|| find(default_locale)).unwrap_or("en")
}

/// The messages of one catalog (string values only).
fn catalog(lang: &str) -> serde_json::Map<String, Value> {
    let Some((_, text)) = CATALOGS.iter().find(|(c, _)| *c == lang) else {
        return serde_json::Map::new();
    };
    let (node, _) = crate::load::parse_yaml(text, crate::diag::FileId(0));
    match node.map(|n| n.to_json(None)) {
        Some(Value::Object(map)) => map.into_iter().filter(|(_, v)| v.is_string()).collect(),
        _ => serde_json::Map::new(),
    }
}

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

/// The notification templates of locale `lang` for a project whose tenant label is
/// `tenant_label`. Unknown message keys fall back to English, then to the key itself
/// (the unit tests make sure neither happens).
pub fn render_locale(lang: &str, tenant_label: &str) -> String {
    let messages = catalog(lang);
    let english = catalog("en");
    let mut out = String::with_capacity(BASE.len() + 1024);
    let mut rest = BASE;
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
                let text = messages
                    .get(name)
                    .or_else(|| english.get(name))
                    .and_then(Value::as_str)
                    .unwrap_or(name);
                out.push_str("{{ ");
                out.push_str(&go_string(text));
                out.push_str(" }}");
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
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

    const LABELS: &[&str] = &["tenant", "team_id", "odd\"label\n{{ x }}"];

    #[test]
    fn every_catalog_has_exactly_the_english_keys() {
        let english: Vec<String> = catalog("en").keys().cloned().collect();
        assert!(english.len() >= 10, "{english:?}");
        for (lang, text) in CATALOGS {
            let (node, diags) = crate::load::parse_yaml(text, crate::diag::FileId(0));
            assert!(diags.is_empty(), "{lang}: {diags:?}");
            let all = node.map(|n| n.to_json(None)).unwrap_or_default();
            let map = all.as_object().cloned().unwrap_or_default();
            assert!(map.values().all(Value::is_string), "{lang}: non-string message");
            let keys: Vec<String> = map.keys().cloned().collect();
            assert_eq!(keys, english, "{lang}");
        }
    }

    #[test]
    fn every_placeholder_is_a_known_message() {
        let english = catalog("en");
        let mut rest = BASE;
        while let Some(start) = rest.find("[[") {
            let after = &rest[start + 2..];
            let end = after
                .find("]]")
                .unwrap_or_else(|| panic!("unclosed [[ in base template"));
            let key = after[..end].trim();
            let known = key == "lang"
                || key == "tenant_label"
                || key.strip_prefix("msg.").is_some_and(|k| english.contains_key(k));
            assert!(known, "unknown placeholder [[{key}]]");
            rest = &after[end + 2..];
        }
    }

    #[test]
    fn every_built_in_template_is_well_formed_and_defines_what_receivers_use() {
        let mut all_defined = Vec::new();
        for (lang, _) in CATALOGS {
            for label in LABELS {
                let text = render_locale(lang, label);
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
        let text = render_locale("de", "tenant");
        assert!(text.contains("{{ \"Ausgelöst\" }}"), "{text}");
        assert!(text.contains("define \"strata.slack.title.de\""));
        assert!(text.contains("index .CommonLabels \"tenant\""));
    }

    #[test]
    fn locale_choice_falls_back() {
        assert_eq!(choose_locale(Some("de"), "en"), "de");
        assert_eq!(choose_locale(Some("fr-CA"), "en"), "fr");
        assert_eq!(choose_locale(Some("es"), "de"), "de");
        assert_eq!(choose_locale(None, "fr"), "fr");
        assert_eq!(choose_locale(Some("es"), "pt"), "en");
    }

    #[test]
    fn go_escapes() {
        assert_eq!(go_string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(go_literal_text("#a{{ .x }}"), "#a{{ \"{{\" }} .x }}");
        assert_eq!(call("slack.title", "en"), "{{ template \"strata.slack.title.en\" . }}");
        assert!(check(&format!("x{}y", go_literal_text("{{{ a }}{{"))).is_ok());
    }
}
