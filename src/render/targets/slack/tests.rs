//! Unit tests of the Slack files of a tenant.

use super::*;
use crate::diag::FileId;
use crate::load::Node;
use crate::model::{Platform, Tenant};
use crate::render::test_support::project;

fn doc(yaml: &str) -> Node {
    let (node, diags) = crate::load::parse_yaml(yaml, FileId(0));
    assert!(diags.is_empty(), "{diags:?}");
    node.unwrap_or_else(|| panic!("no document"))
}

/// Renders the tenant document `yaml`: the files as (path, JSON) and the diagnostic codes.
fn render(yaml: &str) -> (Vec<(String, Value)>, Vec<String>) {
    let node = doc(yaml);
    let tenant: Tenant = serde_json::from_value(node.to_json(None)).unwrap_or_else(|e| panic!("{e}"));
    let model = TenantModel {
        id: tenant.id.clone(),
        tenant,
    };
    let project = project("tenant", "fr");
    let platform = Platform::default();
    let ctx = EnvContext {
        env: "production",
        project: &project,
        platform: &platform,
    };
    let mut checks = ArtifactChecks::new(&node, FileId(0));
    let files = render_tenant(&ctx, &model, &mut checks);
    let files = files
        .into_iter()
        .map(|f| {
            let text = String::from_utf8(f.bytes).unwrap_or_else(|e| panic!("{e}"));
            let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", f.path));
            assert_eq!(
                text.lines().count(),
                value.as_object().map_or(0, |o| o.len()) + 2,
                "{text}"
            );
            (f.path, value)
        })
        .collect();
    let codes = checks.diags.iter().map(|d| d.code.to_string()).collect();
    (files, codes)
}

const ACME: &str = r#"
id: acme
name: ACME
locale: de
alerting:
  channels: {pager: {type: webhook, url: "https://p"}}
  escalation: [{after: 30m, severity: critical, notify: [pager]}]
  rules:
    HighErrorRate:
      expr: up == 0
      severity: critical
      summary: Error rate above 5%
      description: "{{ $value }} fail"
      runbook_url: https://runbooks.example/high-error-rate
      labels: {team: api}
    BadRunbook:
      expr: up == 0
      severity: warning
      runbook_url: "ftp://runbooks.example/x"
    Info1: {expr: up == 0, severity: info}
"#;

#[test]
fn one_file_per_severity_in_the_tenant_locale() {
    let (files, codes) = render(ACME);
    let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "production/slack/acme/critical.de.json",
            "production/slack/acme/warning.de.json",
            "production/slack/acme/info.de.json"
        ]
    );
    let keys: Vec<&String> = files[0].1.as_object().map(|o| o.keys().collect()).unwrap_or_default();
    assert_eq!(keys, ["HighErrorRate", "HighErrorRate/escalation=30m", "*"]);
    for (path, file) in &files {
        for (key, message) in file.as_object().into_iter().flatten() {
            assert_eq!(limits::violations(message), Vec::<String>::new(), "{path} {key}");
        }
    }
    let high = &files[0].1["HighErrorRate"]["blocks"];
    assert_eq!(
        high[3]["elements"][0]["url"],
        "https://runbooks.example/high-error-rate"
    );
    assert_eq!(high[3]["elements"][0]["text"]["text"], "Runbook öffnen");
    let escalated = &files[0].1["HighErrorRate/escalation=30m"]["blocks"];
    assert!(
        escalated[1]["text"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Eskaliert")),
        "{escalated}"
    );
    // The bad runbook: no button, one warning.
    let bad = &files[1].1["BadRunbook"]["blocks"];
    assert!(bad.as_array().is_some_and(|b| b.iter().all(|b| b["type"] != "actions")));
    assert_eq!(codes, ["STRATA-E074"]);
}

#[test]
fn hostile_text_stays_valid_and_within_limits() {
    let long = "\"}{{ x }}<@U123> & \n".repeat(250);
    let yaml = format!(
        "id: evil\nname: {name}\nalerting:\n  rules:\n    Evil:\n      expr: up == 0\n      severity: critical\n      summary: {summary}\n      labels: {{team: {summary}}}\n      runbook_url: {url}\n",
        name = serde_json::to_string(&long).unwrap_or_default(),
        summary = serde_json::to_string(&long).unwrap_or_default(),
        url = serde_json::to_string(&format!("https://x.example/{}", "a".repeat(3000))).unwrap_or_default(),
    );
    let (files, codes) = render(&yaml);
    assert_eq!(codes, ["STRATA-E074"]);
    assert!(files[0].0.ends_with("critical.fr.json"), "default locale");
    let blocks = &files[0].1["Evil"]["blocks"];
    assert_eq!(limits::violations(&files[0].1["Evil"]), Vec::<String>::new());
    let summary = blocks[1]["text"]["text"].as_str().unwrap_or("");
    assert!((2990..=limits::SECTION_TEXT).contains(&summary.chars().count()));
    assert!(summary.ends_with(texts::ELLIPSIS));
    assert!(!summary.contains("{{ x"), "placeholder opened by user text");
    assert!(!summary.contains('<'), "mrkdwn not escaped");
    let field = blocks[2]["fields"][0]["text"].as_str().unwrap_or("");
    assert!((1990..=limits::FIELD_TEXT).contains(&field.chars().count()));
    let tenant = blocks[3]["elements"][0]["text"].as_str().unwrap_or("");
    assert!(tenant.ends_with("(evil)"), "{tenant}");
    assert!(!tenant.contains('\n'));
}

#[test]
fn button_urls() {
    for good in ["https://a.example", "http://a/b?c=d#e", "https://a:8080/%20x"] {
        assert!(is_button_url(good), "{good}");
    }
    let long = format!("https://a/{}", "x".repeat(3000));
    for bad in [
        "",
        "ftp://a",
        "https://",
        "https:///x",
        "https://a/b c",
        "https://a/{{ .x }}",
        "https://a/\"",
        "https://ä",
        "/relative",
        long.as_str(),
    ] {
        assert!(!is_button_url(bad), "{bad}");
    }
}

#[test]
fn file_bytes_are_one_message_per_line() {
    let bytes = file_bytes(&[
        ("a".into(), serde_json::json!({"blocks": []})),
        ("*".into(), serde_json::json!(1)),
    ]);
    assert_eq!(
        String::from_utf8_lossy(&bytes),
        "{\n\"a\":{\"blocks\":[]},\n\"*\":1\n}\n"
    );
}
