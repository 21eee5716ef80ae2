//! The texts notifications are made of: the message catalogs (built-in `en`, `de`, `fr`,
//! with a repository's `locales/<lang>.yaml` merged over them) and the base Go template of
//! the Alertmanager notifications (built in, or the repository's
//! `templates/alertmanager/notifications.tmpl`). `load` reads the overrides; the
//! Alertmanager and Slack targets read the result from the project settings.

use std::collections::BTreeMap;

/// The built-in base notification template, with `[[...]]` placeholders.
pub const BUILTIN_NOTIFICATIONS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/templates/alertmanager/notifications.tmpl"
));

/// Path of the notification template under `templates/`, the one template that can be
/// overridden.
pub const NOTIFICATIONS_PATH: &str = "alertmanager/notifications.tmpl";

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

/// Messages of one locale, by key.
pub type Catalog = BTreeMap<String, String>;

/// The catalogs and the notification template of one project.
#[derive(Debug, Clone, PartialEq)]
pub struct Texts {
    /// Complete catalogs by locale code: every English key is present in each.
    catalogs: BTreeMap<String, Catalog>,
    /// The base notification template.
    notifications: String,
}

impl Default for Texts {
    fn default() -> Self {
        let catalogs = CATALOGS
            .iter()
            .map(|(lang, text)| (lang.to_string(), parse_builtin(text)))
            .collect();
        let mut texts = Self {
            catalogs,
            notifications: BUILTIN_NOTIFICATIONS.to_string(),
        };
        texts.fill_from_english();
        texts
    }
}

/// The string messages of a built-in catalog.
fn parse_builtin(text: &str) -> Catalog {
    let (node, _) = crate::load::parse_yaml(text, crate::diag::FileId(0));
    node.map(|n| {
        n.entries()
            .filter_map(|(k, e)| e.value.as_str().map(|v| (k.clone(), v.to_string())))
            .collect()
    })
    .unwrap_or_default()
}

impl Texts {
    /// The built-in English catalog: its keys are every message key there is.
    pub fn english() -> Catalog {
        CATALOGS
            .first()
            .map(|(_, text)| parse_builtin(text))
            .unwrap_or_default()
    }

    /// Merges `messages` over the catalog of `lang` (a new locale starts from English).
    pub fn merge_catalog(&mut self, lang: &str, messages: Catalog) {
        let english = self.catalogs.get("en").cloned().unwrap_or_default();
        let catalog = self.catalogs.entry(lang.to_string()).or_insert(english);
        catalog.extend(messages);
        if lang == "en" {
            self.fill_from_english();
        }
    }

    /// Replaces the base notification template.
    pub fn set_notifications(&mut self, text: String) {
        self.notifications = text;
    }

    /// The base notification template.
    pub fn notifications(&self) -> &str {
        &self.notifications
    }

    /// Whether `lang` has a catalog.
    pub fn has(&self, lang: &str) -> bool {
        self.catalogs.contains_key(lang)
    }

    /// The locale codes with a catalog, sorted.
    pub fn langs(&self) -> impl Iterator<Item = &str> {
        self.catalogs.keys().map(String::as_str)
    }

    /// The locale used for `wanted`: the exact code, else its language part (`de-AT` ->
    /// `de`), else the project's default locale the same way, else `en`.
    pub fn choose_locale<'a>(&'a self, wanted: Option<&str>, default_locale: &str) -> &'a str {
        let find = |code: &str| {
            let language = code.split('-').next().unwrap_or(code);
            self.catalogs
                .get_key_value(code)
                .or_else(|| self.catalogs.get_key_value(language))
                .map(|(c, _)| c.as_str())
        };
        wanted.and_then(find).or_else(|| find(default_locale)).unwrap_or("en")
    }

    /// The message `key` of `lang`; English when `lang` has no catalog, the key itself when
    /// no catalog has it (unit tests make sure every key used exists).
    pub fn message<'a>(&'a self, lang: &str, key: &'a str) -> &'a str {
        self.catalogs
            .get(lang)
            .or_else(|| self.catalogs.get("en"))
            .and_then(|c| c.get(key))
            .map_or(key, String::as_str)
    }

    /// Gives every catalog the English message of each key it lacks.
    fn fill_from_english(&mut self) {
        let english = self.catalogs.get("en").cloned().unwrap_or_default();
        for (lang, catalog) in &mut self.catalogs {
            if lang != "en" {
                for (key, text) in &english {
                    catalog.entry(key.clone()).or_insert_with(|| text.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_catalogs_are_complete() {
        let texts = Texts::default();
        assert_eq!(texts.langs().collect::<Vec<_>>(), ["de", "en", "fr"]);
        assert_eq!(texts.message("de", "tenant"), "Mandant");
        assert_eq!(texts.message("xx", "tenant"), "Tenant");
        assert_eq!(texts.message("en", "no_such_key"), "no_such_key");
    }

    #[test]
    fn a_project_catalog_merges_over_a_built_in_one_or_adds_a_locale() {
        let mut texts = Texts::default();
        let one = |k: &str, v: &str| Catalog::from([(k.to_string(), v.to_string())]);
        texts.merge_catalog("de", one("tenant", "Kunde"));
        texts.merge_catalog("es", one("firing", "Disparada"));
        assert_eq!(texts.message("de", "tenant"), "Kunde");
        assert_eq!(texts.message("de", "firing"), "Ausgelöst");
        assert_eq!(texts.message("es", "firing"), "Disparada");
        assert_eq!(texts.message("es", "tenant"), "Tenant");
        assert_eq!(texts.choose_locale(Some("es-MX"), "en"), "es");
        assert_eq!(texts.choose_locale(Some("pt"), "de"), "de");
    }

    #[test]
    fn locale_choice_falls_back() {
        let texts = Texts::default();
        assert_eq!(texts.choose_locale(Some("de"), "en"), "de");
        assert_eq!(texts.choose_locale(Some("fr-CA"), "en"), "fr");
        assert_eq!(texts.choose_locale(Some("es"), "de"), "de");
        assert_eq!(texts.choose_locale(None, "fr"), "fr");
        assert_eq!(texts.choose_locale(Some("es"), "pt"), "en");
    }
}
