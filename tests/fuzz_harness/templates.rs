//! Fuzz target `templates`: a tenant whose names, summaries, descriptions, runbook URLs,
//! labels and annotations are hostile text (structured with `arbitrary`) is built with
//! the starter repository of `strata init`. Whenever the build succeeds, every artifact
//! is valid (see [`super::repo::check_artifacts`]: JSON, YAML, Go templates, Slack limits),
//! each rule's annotations reach the Prometheus rule file unchanged (no text can add or
//! change keys), and the Slack preview of every message, with its placeholders filled by
//! the hostile values, is within Block Kit limits.

use super::repo;
use arbitrary::{Arbitrary, Unstructured};
use serde_json::{Map, Value, json};
use strata::load::parse_yaml;
use strata::render::EnvContext;
use strata::render::targets::slack::limits;
use strata::render::targets::slack::sample::{PreviewError, preview};

const STARTER_DEFAULTS: &str = include_str!("../../src/cli/starter/defaults.yaml");
const STARTER_PRODUCTION: &str = include_str!("../../src/cli/starter/environments/production.yaml");

/// Text the fuzzer cannot easily find byte by byte.
const HOSTILE: &[&str] = &[
    "<!channel> <@U123|x> <https://evil.example|click>",
    "{{ .Labels.alertname }}",
    "{{ define \"x\" }}{{ end }}",
    "}}{{",
    "{{ \"{\" }}",
    "\"},{\"type\":\"section\"",
    "key: value\n- item\n&a *a !!str",
    "\n\r\t\u{0}\u{7}\u{1b}[31m",
    "\u{202e}\u{200b}\u{fe0f}\u{1f600}e\u{301}",
    "*bold* _it_ ~s~ `code` ```block``` > quote",
    "&amp; &lt; < > &",
    "${HOSTILE} $${NOT} ${UNSET_X:-d}",
    "%s %n %x \\ \\\\ \\u0000",
    "a:b/c=d",
];

/// A piece of text: plain, crafted hostile, long, or anything.
#[derive(Arbitrary, Debug)]
enum Piece {
    Plain(u8),
    Hostile(u8),
    Long(u8, u16),
    Free(String),
}

/// Text made of up to four pieces.
#[derive(Arbitrary, Debug)]
struct Text(Vec<Piece>);

impl Text {
    fn render(&self) -> String {
        let mut out = String::new();
        for piece in self.0.iter().take(4) {
            match piece {
                Piece::Plain(n) => out.push_str(&format!("Name{n}")),
                Piece::Hostile(n) => out.push_str(HOSTILE[usize::from(*n) % HOSTILE.len()]),
                Piece::Long(n, len) => {
                    let unit = HOSTILE[usize::from(*n) % HOSTILE.len()];
                    out.push_str(&unit.repeat(usize::from(*len % 4096) / unit.len().max(1) + 1));
                }
                Piece::Free(s) => out.push_str(s),
            }
        }
        out
    }
}

#[derive(Arbitrary, Debug)]
struct Rule {
    key: Text,
    alert: Option<Text>,
    severity: u8,
    summary: Option<Text>,
    description: Option<Text>,
    runbook_url: Option<Text>,
    labels: Vec<(Text, Text)>,
    annotations: Vec<(Text, Text)>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    name: Text,
    locale: u8,
    default_locale: u8,
    escalate: bool,
    rules: Vec<Rule>,
}

const LOCALES: &[&str] = &["en", "de", "fr", "ja", "de-AT"];
const SEVERITIES: &[&str] = &["critical", "warning", "info"];

fn pick<'a>(list: &[&'a str], n: u8) -> &'a str {
    list[usize::from(n) % list.len()]
}

/// The rule as the tenant file holds it, and the annotations its Prometheus rule must have.
fn rule_doc(rule: &Rule) -> (String, Value, Map<String, Value>) {
    let mut doc = Map::new();
    doc.insert("expr".into(), json!("rate(http_requests_total{code=~\"5..\"}[5m]) > 1"));
    doc.insert("severity".into(), json!(pick(SEVERITIES, rule.severity)));
    if let Some(alert) = &rule.alert {
        doc.insert("alert".into(), json!(alert.render()));
    }
    let mut annotations = Map::new();
    for (key, text) in [
        ("summary", &rule.summary),
        ("description", &rule.description),
        ("runbook_url", &rule.runbook_url),
    ] {
        if let Some(text) = text {
            doc.insert(key.into(), json!(text.render()));
            annotations.insert(key.into(), json!(text.render()));
        }
    }
    let pairs = |list: &[(Text, Text)]| -> Map<String, Value> {
        list.iter()
            .take(4)
            .map(|(k, v)| (k.render(), json!(v.render())))
            .collect()
    };
    if !rule.labels.is_empty() {
        doc.insert("labels".into(), Value::Object(pairs(&rule.labels)));
    }
    if !rule.annotations.is_empty() {
        let extra = pairs(&rule.annotations);
        annotations.extend(extra.clone());
        doc.insert("annotations".into(), Value::Object(extra));
    }
    (rule.key.render(), Value::Object(doc), annotations)
}

/// The alert named `name` in a Prometheus rule file, as JSON.
fn find_alert(rules_file: &Value, name: &str) -> Option<Value> {
    rules_file["groups"]
        .as_array()?
        .iter()
        .flat_map(|g| g["rules"].as_array().into_iter().flatten())
        .find(|r| r["alert"] == name && r["labels"].get("escalation").is_none())
        .cloned()
}

/// Runs the target on one input.
pub fn run(data: &[u8]) {
    built(data);
}

/// [`run`], telling whether the tenant built (and so was checked past the build).
pub fn built(data: &[u8]) -> bool {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return false;
    };
    let mut rules = Map::new();
    let mut expected = Vec::new();
    for rule in input.rules.iter().take(6) {
        let (key, doc, annotations) = rule_doc(rule);
        let name = doc["alert"].as_str().map_or_else(|| key.clone(), str::to_string);
        // A later rule with the same key replaces the earlier one.
        expected.retain(|(k, _, _)| *k != key);
        rules.insert(key.clone(), doc);
        expected.push((key, name, annotations));
    }
    // Compared only where the name is one rule's and no `${...}` interpolation applies.
    let names: Vec<String> = expected.iter().map(|(_, n, _)| n.clone()).collect();
    expected.retain(|(_, name, annotations)| {
        names.iter().filter(|n| *n == name).count() == 1
            && !annotations
                .iter()
                .any(|(k, v)| k.contains('$') || v.as_str().is_some_and(|v| v.contains('$')))
    });
    let escalation = if input.escalate {
        json!([{"after": "30m", "severity": "critical", "notify": ["team-email"]}])
    } else {
        json!([])
    };
    let tenant = json!({
        "id": "fuzz",
        "name": input.name.render(),
        "contact_email": "ops@example.com",
        "tier": "premium",
        "region": "eu-west-1",
        "locale": pick(LOCALES, input.locale),
        "monitoring": {"targets": {"api": {"address": "api.fuzz.svc:9090"}}, "dashboards": ["overview", "alerts"]},
        "alerting": {
            "channels": {"team-email": {"type": "email", "to": "oncall@example.com"}},
            "routing": {"severities": {"warning": ["team-email"], "critical": ["team-email"], "info": ["team-email"]}},
            "escalation": escalation,
            "rules": rules,
        },
    });
    let toml = format!(
        "[project]\nname = \"fuzz\"\ndefault_locale = \"{}\"\n[policies]\npacks = []\n",
        pick(&LOCALES[..3], input.default_locale)
    );
    let files = vec![
        ("strata.toml".to_string(), toml.into_bytes()),
        ("defaults.yaml".into(), STARTER_DEFAULTS.as_bytes().to_vec()),
        (
            "environments/production.yaml".into(),
            STARTER_PRODUCTION.as_bytes().to_vec(),
        ),
        ("tenants/fuzz.yaml".into(), tenant.to_string().into_bytes()),
    ];
    let dir = repo::write(&files);
    let Some((compiled, artifacts)) = repo::build(dir.path()) else {
        return false;
    };
    let rules_file = artifacts
        .iter()
        .find(|a| a.path == "production/prometheus/rules/fuzz.yml")
        .map(|a| {
            let text = String::from_utf8_lossy(&a.bytes);
            parse_yaml(&text, strata::diag::FileId(0)).0.map(|n| n.to_json(None))
        })
        .unwrap_or_else(|| panic!("a clean build without the tenant's rule file"))
        .unwrap_or_default();
    for (_, name, annotations) in &expected {
        let alert =
            find_alert(&rules_file, name).unwrap_or_else(|| panic!("alert {name:?} missing from the rule file"));
        let got = alert["annotations"].as_object().cloned().unwrap_or_default();
        assert_eq!(
            &got, annotations,
            "annotations of {name:?} changed on their way to the rule file"
        );
    }
    let (Some(platform), Some(models)) = (
        compiled.typed_platforms.get("production"),
        compiled.models.get("production"),
    ) else {
        panic!("a clean build without the production models")
    };
    let ctx = EnvContext {
        env: "production",
        project: &compiled.repo.project,
        platform,
    };
    for model in models {
        for severity in strata::render::targets::slack::SEVERITIES {
            for lang in ["en", "de", "fr"] {
                let keys = match preview(&ctx, model, severity, lang, Some("\u{0}no such alert")) {
                    Err(PreviewError::UnknownAlert(keys)) => keys,
                    other => panic!("preview of an unknown alert: {other:?}"),
                };
                for key in keys {
                    match preview(&ctx, model, severity, lang, Some(&key)) {
                        Ok(message) => {
                            let problems = limits::violations(&message);
                            assert!(problems.is_empty(), "preview of {key:?} breaks limits: {problems:?}");
                        }
                        Err(e) => panic!("preview of {key:?} ({lang}): {e:?}"),
                    }
                }
            }
        }
    }
    true
}
