//! The Alertmanager target end to end: `strata build` on small repositories and on
//! `examples/platform`, then the real `amtool` (0.25) on the output: `check-config`,
//! `config routes test` cases for severities, escalation, tenant isolation and alerts
//! without a tenant, and `template render` of every built-in template in every locale
//! against synthetic alerts. Without amtool on PATH these tests print a note and pass;
//! `scripts/conformance.sh` installs it in CI.

use std::path::{Path, PathBuf};
mod common;

use common::{repo, strata_with_env};
use std::process::{Command, Output};
use strata::render::targets::alertmanager::KINDS;

const TOML: &str =
    "[project]\nname = \"t\"\ndefault_locale = \"fr\"\n[build]\ntargets = [\"prometheus\", \"alertmanager\"]\n";

const DEV: &str = r#"platform:
  alertmanager:
    resolve_timeout: 10m
    smtp:
      smarthost: "smtp.example.com:587"
      from: alerts@example.com
      auth_username: alerts@example.com
      auth_password: "${SMTP_PASSWORD}"
      require_tls: true
"#;

const ACME: &str = r##"id: acme
region: eu-west-1
locale: de
alerting:
  channels:
    team-slack: {type: slack, webhook_url: "${ACME_SLACK}", channel: "#acme-alerts", send_resolved: true}
    oncall-email: {type: email, to: oncall@acme.example}
    pager: {type: pagerduty, routing_key_file: /etc/alertmanager/secrets/acme-pd}
    incident: {type: webhook, url: "https://hooks.acme.example/alert"}
  routing:
    group_by: [alertname]
    group_wait: 10s
    repeat_interval: 2h
    severities:
      info: [team-slack]
      warning: [team-slack, oncall-email]
      critical: [team-slack, oncall-email]
  escalation:
    - {after: 30m, severity: critical, notify: [pager]}
    - {after: 2h, severity: critical, notify: [incident, pager]}
    - {after: 1h, severity: warning, notify: [oncall-email]}
  rules:
    HighErrorRate:
      expr: sum(rate(http_requests_total{status=~"5.."}[5m])) > 1
      for: 5m
      severity: critical
      summary: Errors
      runbook_url: https://runbooks.example/errors
"##;

const GLOBEX: &str = r##"id: globex
region: eu-west-1
alerting:
  channels:
    ops-slack: {type: slack, webhook_url_file: /etc/alertmanager/secrets/globex-slack, channel: "#ops"}
    ops-hook: {type: webhook, url: "https://hooks.globex.example/am"}
  routing:
    severities:
      warning: [ops-slack]
      critical: [ops-slack, ops-hook]
"##;

const QUIET: &str = "id: quiet\nregion: eu-west-1\n";

const NULL: &str = "strata-null";

fn strata(dir: &Path, args: &[&str]) -> Output {
    strata_with_env(
        dir,
        args,
        &[
            ("ACME_SLACK", "https://hooks.slack.com/services/T0/B0/XYZ"),
            ("SMTP_PASSWORD", "not-a-real-password"),
        ],
    )
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Builds the repository in `dir` and returns the Alertmanager folder of `env`.
fn build(dir: &Path, env: &str) -> PathBuf {
    let out = strata(dir, &["build"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    let am = dir.join("out").join(env).join("alertmanager");
    assert!(
        am.join("alertmanager.yml").is_file(),
        "no alertmanager.yml in {}",
        am.display()
    );
    am
}

fn three_tenants() -> tempfile::TempDir {
    repo(&[
        ("strata.toml", TOML),
        ("environments/dev.yaml", DEV),
        ("tenants/acme.yaml", ACME),
        ("tenants/globex.yaml", GLOBEX),
        ("tenants/quiet.yaml", QUIET),
    ])
}

/// The amtool binary, or `None` (with a note) when it is not installed.
fn amtool() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("amtool"))
        .find(|p| p.is_file());
    if found.is_none() {
        eprintln!("note: amtool not found on PATH; skipping the amtool checks (scripts/conformance.sh installs it)");
    }
    found
}

/// Runs amtool with `args`; returns its exit status and stdout, stderr appended.
fn run(amtool: &Path, args: &[String]) -> (bool, String) {
    let out = Command::new(amtool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running amtool: {e}"));
    (out.status.success(), text(&out.stdout) + &text(&out.stderr))
}

fn check_config(amtool: &Path, config: &Path) {
    let (ok, said) = run(amtool, &["check-config".into(), config.display().to_string()]);
    assert!(ok, "amtool check-config {} failed:\n{said}", config.display());
}

fn routes_args(config: &Path, labels: &[impl AsRef<str>]) -> Vec<String> {
    let mut args: Vec<String> = ["config", "routes", "test"].map(String::from).to_vec();
    args.push(format!("--config.file={}", config.display()));
    args.extend(labels.iter().map(|l| l.as_ref().to_string()));
    args
}

/// Asserts that an alert with `labels` is routed to exactly `expected`, in order.
fn assert_routes(amtool: &Path, config: &Path, labels: &[&str], expected: &[&str]) {
    let mut args = routes_args(config, labels);
    args.insert(3, format!("--verify.receivers={}", expected.join(",")));
    let (ok, said) = run(amtool, &args);
    assert!(ok, "{labels:?} should reach {expected:?}, amtool says:\n{said}");
}

/// The receivers an alert with `labels` reaches.
fn routes(amtool: &Path, config: &Path, labels: &[String]) -> Vec<String> {
    let out = Command::new(amtool)
        .args(routes_args(config, labels))
        .output()
        .unwrap_or_else(|e| panic!("running amtool: {e}"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().split(',').map(str::to_string).collect()
}

#[test]
fn build_writes_the_config_and_localized_templates() {
    let dir = three_tenants();
    let am = build(dir.path(), "dev");
    for lang in ["en", "de", "fr"] {
        assert!(am.join(format!("templates/strata.{lang}.tmpl")).is_file(), "{lang}");
    }
    let config = std::fs::read_to_string(am.join("alertmanager.yml")).unwrap_or_default();
    assert!(config.contains("strata.slack.title.de"), "acme is German:\n{config}");
    assert!(
        config.contains("strata.slack.title.fr"),
        "globex falls back to the project's fr"
    );
    assert!(config.contains("smtp_auth_password: not-a-real-password"), "{config}");
    assert!(
        config.contains("api_url: \"https://hooks.slack.com/services/T0/B0/XYZ\""),
        "{config}"
    );
    let Some(amtool) = amtool() else { return };
    check_config(&amtool, &am.join("alertmanager.yml"));
}

#[test]
fn severities_escalation_and_isolation_route_as_configured() {
    let Some(amtool) = amtool() else { return };
    let dir = three_tenants();
    let config = build(dir.path(), "dev").join("alertmanager.yml");
    check_config(&amtool, &config);
    let cases: &[(&[&str], &[&str])] = &[
        // Each severity reaches the tenant's configured channels.
        (
            &["tenant=acme", "severity=critical"],
            &["acme/team-slack", "acme/oncall-email"],
        ),
        (
            &["tenant=acme", "severity=warning"],
            &["acme/team-slack", "acme/oncall-email"],
        ),
        (&["tenant=acme", "severity=info"], &["acme/team-slack"]),
        (
            &["tenant=globex", "severity=critical"],
            &["globex/ops-slack", "globex/ops-hook"],
        ),
        (&["tenant=globex", "severity=warning"], &["globex/ops-slack"]),
        // A severity the tenant routes nowhere is dropped, not sent elsewhere.
        (&["tenant=globex", "severity=info"], &[NULL]),
        (&["tenant=quiet", "severity=critical"], &[NULL]),
        // Escalation copies reach the step's channels (only: the usual channels have
        // the original alert).
        (&["tenant=acme", "severity=critical", "escalation=30m"], &["acme/pager"]),
        (
            &["tenant=acme", "severity=critical", "escalation=2h"],
            &["acme/incident", "acme/pager"],
        ),
        (
            &["tenant=acme", "severity=warning", "escalation=1h"],
            &["acme/oncall-email"],
        ),
        // Extra labels naming another tenant change nothing.
        (
            &[
                "tenant=acme",
                "severity=critical",
                "team=globex",
                "receiver=globex/ops-hook",
            ],
            &["acme/team-slack", "acme/oncall-email"],
        ),
        // No tenant label, or an unknown tenant: only the null receiver.
        (&["severity=critical"], &[NULL]),
        (&["severity=critical", "escalation=30m"], &[NULL]),
        (&["alertname=HighErrorRate"], &[NULL]),
        (&["tenant=nobody", "severity=critical"], &[NULL]),
        (&["tenant=", "severity=critical"], &[NULL]),
    ];
    for (labels, expected) in cases {
        assert_routes(&amtool, &config, labels, expected);
    }
    // Exhaustively: no label set of one tenant reaches another tenant's receiver.
    for tenant in ["acme", "globex", "quiet"] {
        for severity in ["critical", "warning", "info"] {
            for escalation in ["", "30m", "1h", "2h"] {
                let mut labels = vec![format!("tenant={tenant}"), format!("severity={severity}")];
                if !escalation.is_empty() {
                    labels.push(format!("escalation={escalation}"));
                }
                for receiver in routes(&amtool, &config, &labels) {
                    assert!(
                        receiver == NULL || receiver.starts_with(&format!("{tenant}/")),
                        "{labels:?} reached {receiver}"
                    );
                }
            }
        }
    }
}

#[test]
fn hostile_channel_names_stay_strings_and_add_no_routes() {
    let hostile = "evil\\\"\\n- receiver: globex/ops-hook\\n{{ template \\\"x\\\" }}";
    let tenant = format!(
        "id: acme\nregion: eu-west-1\nalerting:\n  channels:\n    \"{hostile}\": {{type: webhook, url: \"https://h.example/a?b={{{{x}}}}\"}}\n  routing:\n    severities:\n      critical: [\"{hostile}\"]\n"
    );
    let dir = repo(&[
        ("strata.toml", TOML),
        ("environments/dev.yaml", DEV),
        ("tenants/acme.yaml", &tenant),
        ("tenants/globex.yaml", GLOBEX),
    ]);
    let am = build(dir.path(), "dev");
    let Some(amtool) = amtool() else { return };
    let config = am.join("alertmanager.yml");
    check_config(&amtool, &config);
    let name = "acme/evil\"\n- receiver: globex/ops-hook\n{{ template \"x\" }}";
    assert_routes(&amtool, &config, &["tenant=acme", "severity=critical"], &[name]);
    assert_routes(&amtool, &config, &["tenant=acme", "severity=warning"], &[NULL]);
    assert_routes(
        &amtool,
        &config,
        &["tenant=globex", "severity=critical"],
        &["globex/ops-slack", "globex/ops-hook"],
    );
}

/// Synthetic notification data (Alertmanager's template.Data) for the render tests.
fn data(status: &str, escalation: bool, annotations: bool) -> String {
    let mut labels =
        serde_json::json!({"alertname": "HighErrorRate", "tenant": "acme", "severity": "critical", "team": "api"});
    if escalation {
        labels["escalation"] = "30m".into();
    }
    let notes = if annotations {
        serde_json::json!({"summary": "Errors <b>& \"quotes\" {{ $value }}", "description": "5% fail", "runbook_url": "https://runbooks.example/x"})
    } else {
        serde_json::json!({})
    };
    let alert = serde_json::json!({
        "status": status, "labels": labels, "annotations": notes,
        "startsAt": "2024-05-01T10:00:00Z",
        "endsAt": if status == "resolved" { "2024-05-01T10:30:00Z" } else { "0001-01-01T00:00:00Z" },
        "generatorURL": "http://prometheus.example/graph?g0.expr=up", "fingerprint": "1a2b",
    });
    serde_json::json!({
        "receiver": "acme/team-slack", "status": status, "alerts": [alert, alert],
        "groupLabels": {"alertname": "HighErrorRate"}, "commonLabels": labels,
        "commonAnnotations": notes, "externalURL": "http://alertmanager.example",
    })
    .to_string()
}

#[test]
fn every_template_renders_in_every_locale() {
    let Some(amtool) = amtool() else { return };
    let dir = three_tenants();
    let am = build(dir.path(), "dev");
    let glob = format!("{}/templates/*.tmpl", am.display());
    let inputs = [
        ("firing", data("firing", true, true)),
        ("resolved", data("resolved", false, true)),
        ("bare", data("firing", false, false)),
    ];
    let mut files = Vec::new();
    for (name, json) in &inputs {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, json).unwrap_or_else(|e| panic!("{e}"));
        files.push((*name, path));
    }
    let words = [
        ("en", "Firing", "Resolved"),
        ("de", "Ausgelöst", "Behoben"),
        ("fr", "Déclenchée", "Résolue"),
    ];
    for (lang, firing, resolved) in words {
        for kind in KINDS {
            let name = format!("strata.{kind}.{lang}");
            for (case, file) in &files {
                let out = Command::new(&amtool)
                    .args(["template", "render", &format!("--template.glob={glob}")])
                    .arg(format!("--template.text={{{{ template \"{name}\" . }}}}"))
                    .arg(format!(
                        "--template.type={}",
                        if *kind == "email.html" { "html" } else { "text" }
                    ))
                    .arg(format!("--template.data={}", file.display()))
                    .output()
                    .unwrap_or_else(|e| panic!("running amtool: {e}"));
                let rendered = text(&out.stdout);
                assert!(out.status.success(), "{name} / {case}: {}", text(&out.stderr));
                assert!(!rendered.trim().is_empty(), "{name} / {case} renders nothing");
                assert!(!rendered.contains("<no value>"), "{name} / {case}:\n{rendered}");
                let word = if *case == "resolved" { resolved } else { firing };
                if !kind.ends_with("text") {
                    assert!(rendered.contains(word), "{name} / {case} lacks {word:?}:\n{rendered}");
                }
                if *kind == "email.html" && *case == "firing" {
                    assert!(rendered.contains("&lt;b&gt;&amp;"), "HTML-escaped summary:\n{rendered}");
                }
            }
        }
    }
}

#[test]
fn the_example_platform_passes_amtool_in_every_environment() {
    let Some(amtool) = amtool() else { return };
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/platform");
    let out_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out_arg = out_dir.path().to_string_lossy().into_owned();
    let out = strata(&example, &["build", ".", "--out", &out_arg]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    for env in ["dev", "staging", "production"] {
        check_config(&amtool, &out_dir.path().join(env).join("alertmanager/alertmanager.yml"));
    }
    let production = out_dir.path().join("production/alertmanager/alertmanager.yml");
    assert_routes(
        &amtool,
        &production,
        &["tenant=acme-corp", "severity=critical"],
        &[
            "acme-corp/team-slack",
            "acme-corp/oncall-email",
            "acme-corp/platform-noc",
        ],
    );
    assert_routes(
        &amtool,
        &production,
        &["tenant=acme-corp", "severity=critical", "escalation=15m"],
        &["acme-corp/pagerduty"],
    );
    let mut tenants: Vec<String> = std::fs::read_dir(example.join("tenants"))
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_string))
        .collect();
    tenants.sort();
    tenants.dedup();
    for tenant in &tenants {
        for severity in ["critical", "warning", "info"] {
            let labels = [format!("tenant={tenant}"), format!("severity={severity}")];
            for receiver in routes(&amtool, &production, &labels) {
                assert!(
                    receiver == NULL || receiver.starts_with(&format!("{tenant}/")),
                    "{labels:?} reached {receiver}"
                );
            }
        }
    }
}

#[test]
fn project_catalogs_and_a_template_override_render_in_amtool() {
    let dir = three_tenants();
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/alertmanager/notifications.tmpl"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let custom = base.replacen(
        "{{ define \"strata.slack.title.[[lang]]\" }}",
        "{{ define \"strata.slack.title.[[lang]]\" }}[acme-ops] ",
        1,
    );
    assert_ne!(custom, base, "the built-in template changed shape; update this test");
    let files = [
        (
            "locales/es.yaml",
            "firing: Disparada\nresolved: Resuelta\nmore_labels: \"+{count} etiquetas más\"\n",
        ),
        ("locales/de.yaml", "tenant: Kunde\n"),
        ("templates/alertmanager/notifications.tmpl", custom.as_str()),
    ];
    for (rel, body) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap_or(dir.path())).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&p, body).unwrap_or_else(|e| panic!("{e}"));
    }
    let am = build(dir.path(), "dev");
    let es = std::fs::read_to_string(am.join("templates/strata.es.tmpl")).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        es.contains("define \"strata.slack.title.es\"") && es.contains("\"Disparada\""),
        "{es}"
    );
    let Some(amtool) = amtool() else { return };
    check_config(&amtool, &am.join("alertmanager.yml"));
    let data = dir.path().join("firing.json");
    std::fs::write(&data, data_json()).unwrap_or_else(|e| panic!("{e}"));
    let glob = format!("{}/templates/*.tmpl", am.display());
    let out = Command::new(&amtool)
        .args(["template", "render", &format!("--template.glob={glob}")])
        .arg("--template.text={{ template \"strata.slack.title.es\" . }}")
        .arg(format!("--template.data={}", data.display()))
        .output()
        .unwrap_or_else(|e| panic!("running amtool: {e}"));
    let rendered = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(rendered.starts_with("[acme-ops] [Disparada"), "{rendered}");
}

fn data_json() -> String {
    data("firing", false, true)
}
