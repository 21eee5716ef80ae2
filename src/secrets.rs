//! Secret values and keeping them out of everything strata prints.
//!
//! A variable is secret when a secret field ([`SECRET_FIELDS`]) of a layer file read
//! references it (`webhook_url: ${SLACK_URL}`). Its value, the value of every secret
//! field (a literal, a `${NAME:-default}` default) and their escaped forms (JSON, Rust
//! `escape_default` and `escape_debug`, as messages quote values) are
//! replaced by [`REDACTED`] in every diagnostic, whatever command prints it; `explain`,
//! `report` and `diff` pass their output through [`Secrets::redact`] as well. Values
//! shorter than [`MIN_LEN`] characters are not redacted: replacing `a` or `80` everywhere
//! would garble the output without hiding anything worth hiding.

use crate::diag::Diagnostic;
use crate::interpolate::{SECRET_FIELDS, references};
use crate::load::{Kind, Node};
use aho_corasick::{AhoCorasick, MatchKind};
use std::borrow::Cow;
use std::collections::BTreeSet;

/// What a secret value is replaced with.
pub const REDACTED: &str = "<secret>";

/// The shortest value that is redacted.
pub const MIN_LEN: usize = 4;

/// The secret variables of a repository and the values to redact.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// Names of the variables a secret field references.
    pub names: BTreeSet<String>,
    /// Names of the variables other fields reference.
    pub others: BTreeSet<String>,
    /// Texts to replace, longest first (so a secret holding another is replaced whole).
    values: Vec<String>,
    /// Finds every value in one pass, however many there are (one per tenant on a big
    /// fleet), the longest where they overlap.
    matcher: Option<AhoCorasick>,
}

impl Secrets {
    /// The secrets of the layer documents `layers` (as written, before interpolation),
    /// with variable values from `lookup`.
    pub fn collect<'a>(layers: impl IntoIterator<Item = &'a Node>, lookup: &dyn Fn(&str) -> Option<String>) -> Self {
        let mut found = Found::default();
        for layer in layers {
            walk(layer, false, &mut found, lookup);
        }
        let Found {
            names,
            others,
            mut values,
        } = found;
        values.extend(names.iter().filter_map(|n| lookup(n)));
        let escaped: Vec<String> = values
            .iter()
            .flat_map(|v| {
                [
                    json_escaped(v),
                    v.escape_default().to_string(),
                    v.escape_debug().to_string(),
                ]
            })
            .collect();
        values.extend(escaped);
        let values = values.into_iter().filter(|v| v.chars().count() >= MIN_LEN).collect();
        let mut secrets = Self {
            names,
            others,
            values: Vec::new(),
            matcher: None,
        };
        secrets.set_values(values);
        secrets
    }

    fn set_values(&mut self, values: BTreeSet<String>) {
        self.values = values.into_iter().collect();
        self.values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        self.matcher = match self.values.is_empty() {
            true => None,
            false => AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&self.values)
                .ok(),
        };
    }

    /// Adds the names and values of `other` (a later compile of the same repository).
    pub fn extend(&mut self, other: &Secrets) {
        self.names.extend(other.names.iter().cloned());
        self.others.extend(other.others.iter().cloned());
        let mut values: BTreeSet<String> = self.values.drain(..).collect();
        values.extend(other.values.iter().cloned());
        self.set_values(values);
    }

    /// Whether there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The texts [`Secrets::redact`] replaces, longest first.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// `text` with every secret value replaced by [`REDACTED`].
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match &self.matcher {
            Some(m) if m.is_match(text) => Cow::Owned(m.replace_all(text, &vec![REDACTED; self.values.len()])),
            Some(_) => Cow::Borrowed(text),
            // Building the automaton failed (it has size limits): one value at a time.
            None => {
                let mut out = Cow::Borrowed(text);
                for value in self.values.iter().filter(|v| text.contains(v.as_str())) {
                    out = Cow::Owned(out.replace(value.as_str(), REDACTED));
                }
                out
            }
        }
    }

    /// Redacts the message, label, notes and help of `d`.
    pub fn redact_diagnostic(&self, d: &mut Diagnostic) {
        if self.values.is_empty() {
            return;
        }
        let texts = [&mut d.message, &mut d.label]
            .into_iter()
            .chain(d.help.as_mut())
            .chain(d.notes.iter_mut().map(|n| &mut n.message));
        for text in texts {
            if let Cow::Owned(redacted) = self.redact(text) {
                *text = redacted;
            }
        }
    }
}

/// `value` as it appears inside a JSON (or double-quoted YAML) string.
fn json_escaped(value: &str) -> String {
    let quoted = serde_json::to_string(value).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or_default()
        .to_string()
}

/// What [`walk`] finds.
#[derive(Default)]
struct Found {
    names: BTreeSet<String>,
    others: BTreeSet<String>,
    values: BTreeSet<String>,
}

fn walk(node: &Node, secret: bool, found: &mut Found, lookup: &dyn Fn(&str) -> Option<String>) {
    match &node.kind {
        Kind::Map(map) => {
            for (key, entry) in map.iter() {
                walk(&entry.value, SECRET_FIELDS.contains(&key.as_str()), found, lookup);
            }
        }
        Kind::Seq(items) => items.iter().for_each(|n| walk(n, false, found, lookup)),
        Kind::Str(s) if !secret => found
            .others
            .extend(references(s).into_iter().map(|(n, _)| n.to_string())),
        Kind::Str(s) => {
            let refs = references(s);
            for (name, default) in &refs {
                found.names.insert((*name).to_string());
                found.values.extend(default.map(str::to_string));
            }
            // The value as resolved; a reference left unset is no secret value.
            let mut resolved = Some(s.clone());
            for (name, default) in &refs {
                let whole = match default {
                    Some(d) => format!("${{{name}:-{d}}}"),
                    None => format!("${{{name}}}"),
                };
                resolved = match lookup(name).or_else(|| default.map(str::to_string)) {
                    Some(v) => resolved.map(|r| r.replace(&whole, &v)),
                    None => None,
                };
            }
            found.values.extend(resolved);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Loc, Severity};

    fn secret_layer(value: &str) -> Node {
        let mut map = crate::load::Map::default();
        let channel = Node::new(Kind::Str(value.into()), Loc::default());
        map.insert(
            "webhook_url".into(),
            crate::load::Entry {
                key_loc: Loc::default(),
                value: channel,
            },
        );
        Node::new(Kind::Map(map), Loc::default())
    }

    #[test]
    fn referenced_variables_literals_and_defaults_are_secret() {
        let lookup = |n: &str| (n == "HOOK").then(|| "https://h/\"s3cr3t\"".to_string());
        let layers = [
            secret_layer("${HOOK}"),
            secret_layer("${UNSET:-fallback-key}"),
            secret_layer("literal-key"),
            secret_layer("${GONE}"),
        ];
        let s = Secrets::collect(&layers, &lookup);
        assert_eq!(s.names, ["GONE", "HOOK", "UNSET"].map(String::from).into());
        let text = "a https://h/\"s3cr3t\" b {\"v\": \"https://h/\\\"s3cr3t\\\"\"} fallback-key literal-key";
        assert_eq!(s.redact(text), "a <secret> b {\"v\": \"<secret>\"} <secret> <secret>");
        assert_eq!(s.redact("no value: ${HOOK} ${GONE}"), "no value: ${HOOK} ${GONE}");
        // One secret inside another: the longer is replaced whole, wherever it starts.
        let nested = Secrets::collect(&[secret_layer("${HOOK}"), secret_layer("/\"s3cr3t")], &lookup);
        assert_eq!(nested.redact("<https://h/\"s3cr3t\">"), "<<secret>>");
        assert_eq!(nested.redact("x/\"s3cr3t"), "x<secret>");
    }

    #[test]
    fn short_values_are_not_redacted_and_diagnostics_are() {
        let lookup = |n: &str| Some(if n == "A" { "ab" } else { "long-secret" }.to_string());
        let s = Secrets::collect(&[secret_layer("${A}"), secret_layer("${B}")], &lookup);
        let mut d = Diagnostic::error("STRATA-E013", Loc::default(), "`long-secret` is not an integer")
            .with_label("ab long-secret")
            .with_help("long-secret")
            .with_note(Loc::default(), "was long-secret");
        s.redact_diagnostic(&mut d);
        assert_eq!(d.message, "`<secret>` is not an integer");
        assert_eq!((d.label.as_str(), d.help.as_deref()), ("ab <secret>", Some("<secret>")));
        assert_eq!(
            (d.notes[0].message.as_str(), d.severity),
            ("was <secret>", Severity::Error)
        );
    }
}
