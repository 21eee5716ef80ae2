//! `strata report`: the Markdown report of the example (reviewed snapshot), failing rules
//! with their locations, waiver expiry, hostile strings, self-contained HTML and exit codes.
//! The HTML is rendered in headless Chromium by `scripts/report_check.sh` (run by CI).

mod common;

use common::{repo, stderr, stdout, strata_with_env};
use std::path::{Path, PathBuf};
use std::process::Output;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn report(dir: &Path, today: &str, args: &[&str]) -> Output {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    strata_with_env(dir, &all, &[("STRATA_TODAY", today)])
}

#[test]
fn markdown_report_of_the_example() {
    let out = report(
        &manifest_dir(),
        "2027-01-15",
        &["examples/platform", "--format", "markdown"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    // tempo-global's waiver ends on 2027-01-31: 16 days after the report's day.
    assert!(
        text.contains("| tempo-global | GDPR-002 | 2027-01-31 | ⚠️ expires in 16 days |"),
        "{text}"
    );
    insta::assert_snapshot!("report-example-markdown", text);
}

#[test]
fn failing_rules_are_listed_with_their_location_and_exit_zero() {
    let fixture = manifest_dir().join("tests/fixtures/policy-soc2");
    let out = report(&fixture, "2026-12-01", &["--format", "markdown"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a report exits 0 when policies fail: {}",
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(
        text.contains("| lax | ✅ pass | ❌ fail (5 errors) | — | — |"),
        "{text}"
    );
    assert!(
        text.contains("| SOC2-004 | soc2 | error | metrics retention is 60d, shorter than 90d | tenants/short-backups/production.yaml:3:14 | production |"),
        "{text}"
    );
    assert!(
        text.contains("| lax | production |") && text.contains("| blocked |"),
        "{text}"
    );
}

#[test]
fn expired_and_unknown_waivers_are_flagged() {
    let fixture = manifest_dir().join("tests/fixtures/policy-waivers");
    let out = report(&fixture, "2026-12-01", &["--format", "markdown"]);
    let text = stdout(&out);
    assert!(
        text.contains("| offshore | SOC2-004 | 2020-01-31 | ❌ expired |"),
        "{text}"
    );
    assert!(
        text.contains("| offshore | GDPR-099 | 2099-12-31 | ❌ unknown rule |"),
        "{text}"
    );
    assert!(
        text.contains("| offshore | GDPR-002 | 2099-12-31 | active | 1 |"),
        "{text}"
    );
    // The unknown rule id is a configuration error: printed, listed, exit 1.
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("STRATA-E082"), "{}", stderr(&out));
    assert!(text.contains("tenants/offshore.yaml:10:12: STRATA-E082"), "{text}");
}

#[test]
fn invalid_configuration_is_not_evaluated_and_exits_one() {
    let fixture = manifest_dir().join("tests/fixtures/e013-wrong-type");
    let out = report(&fixture, "2026-12-01", &["--format", "html"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("tenants/acme.yaml:3:17"), "{}", stderr(&out));
    assert!(stdout(&out).contains("<span class=\"status\">not evaluated</span>"));
}

#[test]
fn usage_errors_exit_two() {
    let out = report(
        &manifest_dir(),
        "2026-12-01",
        &["examples/platform", "--format", "html", "--env", "nope"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown environment `nope`"), "{}", stderr(&out));
    let out = report(&manifest_dir(), "2026-12-01", &["examples/platform", "--format", "pdf"]);
    assert_eq!(out.status.code(), Some(2));
    let help = stdout(&report(&manifest_dir(), "2026-12-01", &["--help"]));
    assert!(
        help.contains("Exit status: 0 when the report is written, whether or not policies fail"),
        "{help}"
    );
}

const HOSTILE_TENANT: &str = r#"id: evil
name: "<script>alert(1)</script> | <img src=x onerror=alert(2)>"
compliance: [gdpr]
region: us-east-1
waivers:
  - {rule: GDPR-002, reason: "</td><script>x()</script> | [link](http://evil.example)", expires: 2099-12-31}
"#;

#[test]
fn hostile_strings_are_escaped() {
    let dir = repo(&[
        (
            "strata.toml",
            "[project]\nname = \"<b>proj</b>\"\n[policies]\npacks = [\"baseline\", \"gdpr\"]\n",
        ),
        ("environments/production.yaml", "platform: {}\n"),
        ("tenants/evil.yaml", HOSTILE_TENANT),
    ]);
    let out = report(dir.path(), "2026-12-01", &["--format", "html"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let html = stdout(&out);
    assert!(
        !html.contains("<script") && !html.contains("<img") && !html.contains("<b>proj"),
        "{html}"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
    let out = report(dir.path(), "2026-12-01", &["--format", "markdown"]);
    let md = stdout(&out);
    let row = md
        .lines()
        .find(|l| l.starts_with("| evil | GDPR-002 |"))
        .unwrap_or_else(|| panic!("no waiver row: {md}"));
    assert_eq!(row.matches(" | ").count(), 6, "a reason cannot add cells: {row}");
    assert!(!md.contains("<script"), "{md}");
    assert!(md.contains(r"\[link\](http://evil.example)"), "not a link: {md}");
}

#[test]
fn html_is_self_contained_and_written_to_out() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("report.html");
    let file_arg = file.to_string_lossy().into_owned();
    let out = report(
        &manifest_dir(),
        "2026-12-01",
        &["examples/platform", "--format", "html", "--out", &file_arg],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let html = std::fs::read_to_string(&file).unwrap_or_default();
    for forbidden in [
        "<script", "<link", "<img", "<iframe", "@import", "url(", "src=", "href=",
    ] {
        assert!(
            !html.contains(forbidden),
            "the report must load nothing: found {forbidden}"
        );
    }
    assert!(html.contains("default-src 'none'"), "a CSP forbids loading anything");
    assert!(html.contains("@media print"));
    let matrix = html
        .split("<table id=\"matrix\"")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .unwrap_or_default();
    for framework in ["baseline", "soc2", "gdpr", "hipaa"] {
        assert!(
            matrix.contains(&format!("<th scope=\"col\">{framework}</th>")),
            "{framework}"
        );
    }
    let tenants = std::fs::read_dir(manifest_dir().join("examples/platform/tenants"))
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".yaml").map(str::to_string));
    let mut n = 0;
    for t in tenants {
        assert!(
            matrix.contains(&format!("<code>{t}</code>")),
            "{t} missing from the matrix"
        );
        n += 1;
    }
    assert_eq!(n, 10);
}

#[test]
fn project_policies_have_their_own_column() {
    let fixture = manifest_dir().join("tests/fixtures/policy-user-typo");
    let out = report(&fixture, "2026-12-01", &["--format", "markdown"]);
    let text = stdout(&out);
    assert!(
        text.contains("| tenant | baseline | soc2 | gdpr | hipaa | project |"),
        "{text}"
    );
    assert!(
        text.contains("| team | ✅ pass | — | — | — | ❌ fail (1 error) |"),
        "{text}"
    );
    assert!(text.contains("| ACME-002 | project | error |"), "{text}");
    // The broken project policy (STRATA-E080) is a configuration error.
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("policies/naming.rego:12:6: STRATA-E080"), "{text}");
}

#[test]
fn env_selects_the_environments_reported() {
    let out = report(
        &manifest_dir(),
        "2026-12-01",
        &["examples/platform", "--format", "markdown", "--env", "production"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("environments: production\n"), "{text}");
    assert!(text.contains("| acme-corp | production |"), "{text}");
    assert!(
        !text.contains("| acme-corp | dev |") && !text.contains("| dev, "),
        "{text}"
    );
}
