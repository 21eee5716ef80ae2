//! A repository's `locales/<lang>.yaml` catalogs and `templates/**` overrides (SPEC
//! section 1): merged over the built-in ones into every artifact that uses them, and
//! refused with a located diagnostic when they override nothing or are malformed.

mod common;

use common::{stderr, stdout, strata};
use std::path::Path;

/// A copy of `examples/platform` with `files` added.
fn example_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = common::example_copy();
    for (rel, body) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap_or(dir.path())).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&p, body).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

fn build(dir: &Path) -> std::process::Output {
    strata(dir, &["build", "--out", "out"])
}

/// Asserts the build failed with `code` at `location` and wrote no output.
fn refused(dir: &Path, code: &str, location: &str) -> String {
    let out = build(dir);
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains(code) && all.contains(location),
        "no {code} at {location}:\n{all}"
    );
    assert!(all.contains("help"), "{all}");
    assert!(!dir.join("out").exists(), "a refused build wrote output");
    all
}

#[test]
fn a_catalog_overrides_messages_in_slack_and_alertmanager() {
    let dir = example_with(&[("locales/de.yaml", "# Kunde statt Mandant\ntenant: Kunde\n")]);
    let out = build(dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let slack = std::fs::read_to_string(dir.path().join("out/production/slack/acme-corp/critical.de.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(slack.contains("Kunde") && !slack.contains("Mandant"), "{slack}");
    let tmpl = std::fs::read_to_string(dir.path().join("out/production/alertmanager/templates/strata.de.tmpl"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(tmpl.contains("\"Ausgelöst\""), "other German messages stay built in");
}

#[test]
fn a_new_locale_is_used_by_the_tenants_that_ask_for_it() {
    let dir = example_with(&[("locales/es.yaml", "tenant: Inquilino\nfiring: Disparada\n")]);
    let tenant = dir.path().join("tenants/beatforge.yaml");
    let text = std::fs::read_to_string(&tenant).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&tenant, text.replace("locale: en", "locale: es")).unwrap_or_else(|e| panic!("{e}"));
    let out = build(dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let slack_dir = dir.path().join("out/production/slack/beatforge");
    let names: Vec<String> = std::fs::read_dir(&slack_dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| n.ends_with(".es.json")), "{names:?}");
    let critical = std::fs::read_to_string(slack_dir.join("critical.es.json")).unwrap_or_else(|e| panic!("{e}"));
    assert!(critical.contains("Inquilino"), "{critical}");
    assert!(
        critical.contains("Environment"),
        "missing messages fall back to English"
    );
    let am = dir.path().join("out/production/alertmanager");
    assert!(am.join("templates/strata.es.tmpl").is_file());
    let config = std::fs::read_to_string(am.join("alertmanager.yml")).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        config.contains("strata.slack.title.es"),
        "beatforge's receivers use the es templates"
    );
    let preview = strata(
        dir.path(),
        &[
            "preview",
            "slack",
            "--env",
            "production",
            "--tenant",
            "beatforge",
            "--severity",
            "critical",
            "--locale",
            "es",
        ],
    );
    assert_eq!(preview.status.code(), Some(0), "{}", stderr(&preview));
    assert!(stdout(&preview).contains("Inquilino"));
}

#[test]
fn a_template_that_overrides_nothing_is_refused() {
    let dir = example_with(&[("templates/alertmanager/custom.tmpl", "{{ define \"x\" }}{{ end }}\n")]);
    refused(dir.path(), "STRATA-E042", "templates/alertmanager/custom.tmpl");
    let dir = example_with(&[("locales/german.yaml", "tenant: Kunde\n")]);
    refused(dir.path(), "STRATA-E042", "locales/german.yaml");
}

#[test]
fn a_broken_template_override_is_located() {
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/alertmanager/notifications.tmpl"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let broken = format!("{base}\n{{{{ define \"extra\" }}}}\n{{{{ if .Status }}}}[[msg.firing]]\n{{{{ end }}}}\n");
    let line = base.lines().count() + 2;
    let dir = example_with(&[("templates/alertmanager/notifications.tmpl", broken.as_str())]);
    refused(
        dir.path(),
        "STRATA-E043",
        &format!("templates/alertmanager/notifications.tmpl:{line}:"),
    );
    let unknown = base.replacen("[[msg.firing]]", "[[msg.fired]]", 1);
    let dir = example_with(&[("templates/alertmanager/notifications.tmpl", unknown.as_str())]);
    let all = refused(dir.path(), "STRATA-E043", "templates/alertmanager/notifications.tmpl:");
    assert!(all.contains("[[msg.fired]]"), "{all}");
}

#[test]
fn catalog_mistakes_are_located() {
    let dir = example_with(&[(
        "locales/fr.yaml",
        "tenan: Locataire\nfiring: 3\nmore_labels: encore des étiquettes\n",
    )]);
    let all = refused(dir.path(), "STRATA-E044", "locales/fr.yaml:1:1");
    assert!(all.contains("did you mean `tenant`?"), "{all}");
    assert!(all.contains("locales/fr.yaml:2:9"), "{all}");
    assert!(all.contains("locales/fr.yaml:3:14") && all.contains("{count}"), "{all}");
    let dir = example_with(&[("locales/fr.yaml", "- a list\n")]);
    refused(dir.path(), "STRATA-E044", "locales/fr.yaml:1:1");
}
