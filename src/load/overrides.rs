//! The repository's overrides of built-in texts: `locales/<lang>.yaml` message catalogs and
//! `templates/**` templates (SPEC section 1). Only files that override something built in
//! are accepted; each is read inside the repository (a symbolic link leaving it is
//! STRATA-E041, as for layer files) and checked before anything is rendered from it.

use super::{check_raw, parse_yaml, read_inside};
use crate::diag::{Diagnostic, FileId, Loc, SourceMap};
use crate::texts::{Catalog, NOTIFICATIONS_PATH, Texts};
use crate::validate::schema::did_you_mean;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Deepest folder looked into under `templates/`.
const MAX_DEPTH: usize = 8;
/// Most entries looked at under `templates/` or `locales/`.
const MAX_ENTRIES: usize = 10_000;

/// Reads `locales/` and `templates/` under `root` (canonical in `real_root`) into the
/// project's texts. Problems become diagnostics; a file with a problem is not used.
pub fn load_overrides(root: &Path, real_root: &Path, sources: &mut SourceMap, diags: &mut Vec<Diagnostic>) -> Texts {
    let mut texts = Texts::default();
    let mut files = Vec::new();
    list_files(&root.join("locales"), 0, &mut files);
    list_files(&root.join("templates"), 0, &mut files);
    let english = Texts::english();
    for path in files {
        let display = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let text = match read_inside(real_root, &path) {
            Ok(raw) => {
                let id = sources.add(display.clone(), path.clone(), Arc::new(raw.text.clone()));
                match check_raw(&raw, id) {
                    Some(d) => {
                        diags.push(d);
                        continue;
                    }
                    None => (id, raw.text),
                }
            }
            Err(e) => {
                let id = sources.add(display.clone(), path.clone(), Arc::new(String::new()));
                diags.push(e.diagnostic(id));
                continue;
            }
        };
        let (file, text) = text;
        if let Some(rel) = display.strip_prefix("templates/") {
            if rel == NOTIFICATIONS_PATH {
                notifications(&mut texts, file, text, diags);
            } else {
                diags.push(unknown_template(file, rel));
            }
        } else {
            match locale_of(&display) {
                Some(lang) => catalog(&mut texts, &english, lang, file, &text, diags),
                None => diags.push(unknown_catalog(file, &display)),
            }
        }
    }
    texts
}

/// Every file under `dir` (sorted; symbolic links to folders are not followed), bounded in
/// depth and count.
fn list_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(PathBuf, bool)> = read
        .filter_map(Result::ok)
        .take(MAX_ENTRIES)
        .map(|e| (e.path(), e.file_type().is_ok_and(|t| t.is_dir())))
        .collect();
    entries.sort();
    for (path, is_dir) in entries {
        if out.len() >= MAX_ENTRIES {
            return;
        }
        if is_dir {
            if depth < MAX_DEPTH {
                list_files(&path, depth + 1, out);
            }
        } else {
            out.push(path);
        }
    }
}

/// The locale code of `locales/<code>.yaml`, when the name is one.
fn locale_of(display: &str) -> Option<&str> {
    let name = display.strip_prefix("locales/")?;
    let code = name.strip_suffix(".yaml").or_else(|| name.strip_suffix(".yml"))?;
    let mut parts = code.split('-');
    let language = parts.next()?;
    let language_ok = (2..=3).contains(&language.len()) && language.bytes().all(|b| b.is_ascii_lowercase());
    let rest_ok = parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    (language_ok && rest_ok).then_some(code)
}

fn unknown_template(file: FileId, rel: &str) -> Diagnostic {
    Diagnostic::error(
        "STRATA-E042",
        Loc::file_start(file),
        format!("`templates/{rel}` does not override a built-in template"),
    )
    .with_help(format!(
        "the template strata lets a repository override is `templates/{NOTIFICATIONS_PATH}`; move or remove this file"
    ))
}

fn unknown_catalog(file: FileId, display: &str) -> Diagnostic {
    Diagnostic::error(
        "STRATA-E042",
        Loc::file_start(file),
        format!("`{display}` is not a message catalog"),
    )
    .with_help("a catalog is `locales/<code>.yaml`, where <code> is a locale code such as `de` or `pt-BR`")
}

/// Checks an override of the notification template and uses it when it is sound.
fn notifications(texts: &mut Texts, file: FileId, text: String, diags: &mut Vec<Diagnostic>) {
    let mut candidate = texts.clone();
    candidate.set_notifications(text);
    let lines = super::lines::LineIndex::new(candidate.notifications());
    match crate::render::targets::alertmanager::check_base(&candidate) {
        Ok(()) => *texts = candidate,
        Err(p) => diags.push(
            Diagnostic::error(
                "STRATA-E043",
                lines.loc_of_range(file, p.offset, p.offset + char_len_at(candidate.notifications(), p.offset)),
                format!("notification template override: {}", p.message),
            )
            .with_label("here")
            .with_help(
                "start from the built-in template (strata's templates/alertmanager/notifications.tmpl); placeholders are `[[lang]]`, `[[tenant_label]]` and `[[msg.<key>]]`",
            ),
        ),
    }
}

/// Length in bytes of the character at `offset` of `text` (0 at its end).
fn char_len_at(text: &str, offset: usize) -> usize {
    text.get(offset..)
        .and_then(|t| t.chars().next())
        .map_or(0, char::len_utf8)
}

/// Checks a message catalog and merges it over the built-in one of `lang`.
fn catalog(texts: &mut Texts, english: &Catalog, lang: &str, file: FileId, text: &str, diags: &mut Vec<Diagnostic>) {
    let (node, parse_diags) = parse_yaml(text, file);
    if !parse_diags.is_empty() {
        diags.extend(parse_diags);
        return;
    }
    let Some(node) = node else {
        return;
    };
    if !matches!(node.kind, super::Kind::Map(_) | super::Kind::Null) {
        diags.push(
            Diagnostic::error(
                "STRATA-E044",
                node.loc,
                "a message catalog is a mapping of message keys to text",
            )
            .with_label("not a mapping")
            .with_help("write `key: text` lines, for example `firing: Ausgelöst`"),
        );
        return;
    }
    let known: Vec<String> = english.keys().cloned().collect();
    let mut messages = Catalog::new();
    let before = diags.len();
    for (key, entry) in node.entries() {
        let Some(builtin) = english.get(key) else {
            let mut d = Diagnostic::error("STRATA-E044", entry.key_loc, format!("unknown message key `{key}`"))
                .with_label("not a message strata uses");
            d = match did_you_mean(key, &known) {
                Some(m) => d.with_help(format!("did you mean `{m}`?")),
                None => d.with_help(format!("the keys are: {}", known.join(", "))),
            };
            diags.push(d);
            continue;
        };
        let Some(value) = entry.value.as_str() else {
            diags.push(
                Diagnostic::error("STRATA-E044", entry.value.loc, format!("message `{key}` is not text"))
                    .with_label("expected a string")
                    .with_help("quote the message if YAML reads it as another type"),
            );
            continue;
        };
        if builtin.contains("{count}") && !value.contains("{count}") {
            diags.push(
                Diagnostic::error(
                    "STRATA-E044",
                    entry.value.loc,
                    format!("message `{key}` lacks `{{count}}`"),
                )
                .with_label("the number goes where `{count}` is")
                .with_help(format!("the English message is `{builtin}`")),
            );
            continue;
        }
        messages.insert(key.clone(), value.to_string());
    }
    if diags.len() == before {
        texts.merge_catalog(lang, messages);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_codes() {
        assert_eq!(locale_of("locales/de.yaml"), Some("de"));
        assert_eq!(locale_of("locales/pt-BR.yml"), Some("pt-BR"));
        assert_eq!(locale_of("locales/DE.yaml"), None);
        assert_eq!(locale_of("locales/de.json"), None);
        assert_eq!(locale_of("locales/x/de.yaml"), None);
        assert_eq!(locale_of("locales/de-.yaml"), None);
        assert_eq!(locale_of("locales/../de.yaml"), None);
    }
}
