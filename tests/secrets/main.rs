//! The secrets canary: unique secret values given through `${...}` to the example
//! repository, where secrets belong (a Slack webhook URL, a PagerDuty routing key, the SMTP
//! password) and, in a broken copy, where they cause errors. Every command and format is
//! run; the canaries (raw, JSON-escaped, URL-encoded, base64) must appear nowhere but in
//! the `alertmanager.yml` files, which are mode 0600.

#[path = "../common/mod.rs"]
mod common;
mod watch;

use common::{stderr, stdout, strata_with_env};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

/// The canary variables and their values; every value holds `marker`.
struct Canary {
    marker: String,
    vars: Vec<(&'static str, String)>,
}

impl Canary {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let marker = format!("Cn4ry{:x}x{}", nanos, std::process::id());
        let vars = vec![
            (
                "CANARY_SLACK",
                format!("https://hooks.slack.com/services/T0/B0/{marker}?a=1&b=<2>"),
            ),
            ("CANARY_PD", format!("pd-{marker}-key")),
            ("CANARY_SMTP", format!("pw\"{marker}'$\\x")),
        ];
        Self { marker, vars }
    }

    fn env(&self) -> Vec<(&str, &str)> {
        self.vars.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }

    /// Every form a leak could take.
    fn forms(&self) -> Vec<String> {
        let mut forms = vec![self.marker.clone()];
        for (_, value) in &self.vars {
            let json = serde_json::to_string(value).unwrap_or_default();
            forms.push(value.clone());
            forms.push(json.trim_matches('"').to_string());
            forms.push(url_encoded(value));
            forms.push(base64(value.as_bytes(), false));
            forms.push(base64(value.as_bytes(), true));
        }
        forms
    }

    /// The forms of a canary found in `bytes`.
    fn leaks(&self, bytes: &[u8]) -> Vec<String> {
        let text = String::from_utf8_lossy(bytes);
        self.forms().into_iter().filter(|f| text.contains(f.as_str())).collect()
    }

    #[track_caller]
    fn assert_clean(&self, what: &str, o: &Output) {
        for (stream, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
            let leaks = self.leaks(bytes);
            assert!(
                leaks.is_empty(),
                "{what}: {stream} leaks {leaks:?}:\n{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
}

fn url_encoded(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn base64(bytes: &[u8], url: bool) -> String {
    let alphabet: &[u8] = if url {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(alphabet[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// A copy of `examples/platform` with the canaries where secrets belong.
fn canary_repo() -> tempfile::TempDir {
    let repo = common::example_copy();
    let root = repo.path();
    edit(
        &root.join("tenants/acme-corp.yaml"),
        &[
            (
                "webhook_url_file: /etc/alertmanager/secrets/acme-corp-slack",
                "webhook_url: \"${CANARY_SLACK}\"",
            ),
            (
                "routing_key_file: /etc/alertmanager/secrets/acme-corp-pagerduty",
                "routing_key: \"${CANARY_PD}\"",
            ),
        ],
    );
    edit(
        &root.join("defaults.yaml"),
        &[(
            "auth_password_file: /etc/alertmanager/secrets/smtp-password",
            "auth_password: \"${CANARY_SMTP}\"",
        )],
    );
    repo
}

fn edit(path: &Path, replacements: &[(&str, &str)]) {
    let mut text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for (from, to) in replacements {
        assert!(text.contains(from), "{} has no `{from}`", path.display());
        text = text.replace(from, to);
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
}

/// Runs strata under umask 000, so that every mode is the one strata sets.
fn strata_umask0(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg("umask 000 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("running strata: {e}"))
}

/// Checks the output folder: the canaries only in `alertmanager.yml`, which is 0600 (and
/// holds every one of them); every other file 0644, every folder 0755.
fn assert_output(canary: &Canary, out: &Path) {
    let mut holders = Vec::new();
    for (path, (mode, bytes)) in common::tree_files(out) {
        let leaks = canary.leaks(&bytes);
        if path.ends_with("alertmanager/alertmanager.yml") && !leaks.is_empty() {
            assert_eq!(mode, 0o600, "{path} holds secrets");
            for (_, value) in &canary.vars {
                let yaml = serde_json::to_string(value).unwrap_or_default();
                let text = String::from_utf8_lossy(&bytes);
                assert!(
                    text.contains(&yaml) || text.contains(value.as_str()),
                    "{path} lacks {value}"
                );
            }
            holders.push(path);
        } else {
            assert!(leaks.is_empty(), "{path} leaks {leaks:?}");
            assert_eq!(mode, 0o644, "{path}");
        }
    }
    assert_eq!(
        holders,
        ["dev", "production", "staging"].map(|e| format!("{e}/alertmanager/alertmanager.yml"))
    );
    for dir in walkdir::WalkDir::new(out).into_iter().filter_map(Result::ok) {
        if dir.file_type().is_dir() {
            let mode = dir.metadata().map_or(0, |m| m.permissions().mode() & 0o777);
            assert_eq!(mode, 0o755, "{}", dir.path().display());
        }
    }
}

#[test]
fn a_canary_secret_reaches_only_the_0600_alertmanager_config() {
    let canary = Canary::new();
    let env = canary.env();
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = canary_repo();
    let root = repo.path();
    let out = tmp.path().join("out");
    let out_arg = out.display().to_string();

    let built = strata_umask0(root, &["build", ".", "--out", &out_arg], &env);
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
    canary.assert_clean("build", &built);
    assert_output(&canary, &out);
    // Again, twice: unchanged files are hard-linked from the output, then kept in the
    // spare folder reused as staging, and keep their modes both ways.
    for _ in 0..2 {
        let again = strata_umask0(root, &["build", ".", "--out", &out_arg], &env);
        assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
        assert_output(&canary, &out);
    }

    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/platform");
    let example = example.display().to_string();
    let report_file = tmp.path().join("report.html");
    let report_arg = report_file.display().to_string();
    let explain = ["explain", ".", "--env", "production", "--tenant", "acme-corp"];
    let slack = ["--env", "production", "--tenant", "acme-corp", "--severity", "critical"];
    let mut runs: Vec<Vec<&str>> = vec![
        [&explain[..], &["--format", "json"]].concat(),
        [&explain[..], &["alerting.channels.team-slack.webhook_url"]].concat(),
        explain.to_vec(),
        ["preview", "slack", "."].iter().chain(&slack).copied().collect(),
        vec!["report", ".", "--format", "html"],
        vec!["report", ".", "--format", "markdown"],
        vec!["report", ".", "--format", "html", "--out", &report_arg],
    ];
    for format in ["human", "json", "sarif", "junit", "github"] {
        runs.push(vec!["check", ".", "--format", format]);
    }
    for format in ["human", "markdown", "json"] {
        runs.push(vec!["diff", ".", "--against", &example, "--format", format]);
    }
    for args in &runs {
        let o = strata_with_env(root, args, &env);
        assert!(matches!(o.status.code(), Some(0 | 1)), "{args:?}: {}", stderr(&o));
        canary.assert_clean(&args.join(" "), &o);
    }
    let explained = strata_with_env(root, &explain, &env);
    assert!(
        stdout(&explained).contains("webhook_url = <secret>"),
        "{}",
        stdout(&explained)
    );
    let report = std::fs::read(&report_file).unwrap_or_default();
    assert!(!report.is_empty() && canary.leaks(&report).is_empty());
}

#[test]
fn diagnostics_about_values_from_a_secret_never_show_it() {
    let canary = Canary::new();
    let env = canary.env();
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = canary_repo();
    let root = repo.path();
    // The secret variables where they cause errors: a wrong type, a malformed Slack
    // channel, a bad duration, a PromQL expression and an alert label.
    std::fs::create_dir_all(root.join("tenants/beatforge")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        root.join("tenants/beatforge/production.yaml"),
        "autoscaling:\n  max_replicas: \"${CANARY_PD}\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    edit(
        &root.join("tenants/acme-corp.yaml"),
        &[
            ("channel: \"#acme-alerts\"", "channel: \"${CANARY_SLACK}\""),
            ("group_wait: 30s", "group_wait: \"${CANARY_SMTP}\""),
            (
                "expr: sum(rate(tenant_requests_total{status=~\"5..\"}[5m]))",
                "expr: sum(rate(tenant_requests_total{status=~\"${CANARY_SMTP}\"}[5m]))",
            ),
        ],
    );
    edit(
        &root.join("tenants/acme-corp/production.yaml"),
        &[("max_replicas: 80", "max_replicas: \"${CANARY_PD}\"")],
    );
    let out = tmp.path().join("out");
    let out_arg = out.display().to_string();
    for command in ["check", "build"] {
        for format in ["human", "json", "sarif", "junit", "github"] {
            let args = [command, ".", "--format", format, "--out", &out_arg];
            let args = if command == "check" { &args[..4] } else { &args[..] };
            let o = strata_with_env(root, args, &env);
            assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
            canary.assert_clean(&args.join(" "), &o);
            let text = stdout(&o) + &stderr(&o);
            assert!(text.contains("STRATA-E034"), "{args:?}: {text}");
            assert!(text.contains("STRATA-E013"), "{args:?}: {text}");
        }
    }
    assert!(!out.exists(), "a failed build wrote output");
    // `explain` and `check FILE` load one tenant: the secret field naming the variable
    // may be in another tenant's file (beatforge's value comes from acme-corp's secret).
    for tenant in ["acme-corp", "beatforge"] {
        let explain = ["explain", ".", "--env", "production", "--tenant", tenant];
        let o = strata_with_env(root, &[&explain[..], &["autoscaling.max_replicas"]].concat(), &env);
        canary.assert_clean("explain", &o);
        assert!(stdout(&o).contains("<secret>"), "{tenant}: {}", stdout(&o));
    }
    let o = strata_with_env(root, &["check", "tenants/beatforge/production.yaml"], &env);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    canary.assert_clean("check FILE", &o);
    assert!(stdout(&o).contains("STRATA-E034"), "{}", stdout(&o));
    for format in ["html", "markdown"] {
        let o = strata_with_env(root, &["report", ".", "--format", format], &env);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        canary.assert_clean(&format!("report {format}"), &o);
    }
}
