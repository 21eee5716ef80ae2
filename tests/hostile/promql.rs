//! PromQL that tries to leave its tenant: `or` with another tenant's series, a `__name__`
//! regex across tenants, `label_replace` onto the tenant label, `absent()` of another
//! tenant's series. Each is refused with STRATA-E051 at the rule's line; a `__name__` regex
//! or an `absent()` without a tenant matcher is confined to the tenant, and promtool accepts
//! the rules written.

use super::{build_refused, platform, run, write};
use std::path::Path;
use std::process::Command;

const TENANT: &str = "tenants/beatforge.yaml";
const RULE: &str = "expr: max(tenant_api_quota_usage) > 0.9";

/// The example tenant with its quota rule's expression replaced by `expr`; returns the
/// repository and the `file:line:` of the expression.
fn with_rule(expr: &str) -> (tempfile::TempDir, String) {
    let repo = platform();
    let text = std::fs::read_to_string(repo.path().join(TENANT)).unwrap_or_else(|e| panic!("{e}"));
    let line = text
        .lines()
        .position(|l| l.trim() == RULE)
        .unwrap_or_else(|| panic!("the example has no `{RULE}`"))
        + 1;
    let quoted = serde_json::to_string(expr).unwrap_or_else(|e| panic!("{e}"));
    write(repo.path(), TENANT, text.replace(RULE, &format!("expr: {quoted}")));
    (repo, format!("{TENANT}:{line}:"))
}

fn refused(expr: &str) {
    let (repo, at) = with_rule(expr);
    build_refused(repo.path(), "STRATA-E051", &at);
}

#[test]
fn or_with_another_tenants_series_is_refused() {
    refused(r#"max(tenant_api_quota_usage) > 0.9 or max(tenant_api_quota_usage{tenant="acme-corp"})"#);
}

#[test]
fn name_regex_across_tenants_is_refused() {
    refused(r#"count({__name__=~".+", tenant=~".+"}) > 0"#);
    refused(r#"count({__name__=~".+", tenant!="beatforge"}) > 0"#);
}

#[test]
fn label_replace_onto_the_tenant_label_is_refused() {
    refused(r#"label_replace(tenant_api_quota_usage{tenant="acme-corp"}, "tenant", "beatforge", "", "") > 0.9"#);
    refused(r#"label_replace(tenant_api_quota_usage, "tenant", "acme-corp", "", "") > 0.9"#);
}

#[test]
fn absent_of_another_tenants_series_is_refused() {
    refused(r#"absent(up{tenant="acme-corp"})"#);
}

/// Builds `expr` as the tenant's rule and returns the rule file of `dev`, checked by promtool
/// when it is installed.
fn confined(expr: &str) -> String {
    let (repo, _) = with_rule(expr);
    let (out, _) = run(repo.path(), &["build", "--out", "out"]);
    assert_eq!(out.status.code(), Some(0), "{}", super::text(&out));
    let rules = repo.path().join("out/dev/prometheus/rules/beatforge.yml");
    let promtool = Path::new("/usr/bin/promtool");
    if promtool.exists() {
        let check = Command::new(promtool)
            .args(["check", "rules"])
            .arg(&rules)
            .output()
            .unwrap_or_else(|e| panic!("running promtool: {e}"));
        assert!(check.status.success(), "promtool: {}", super::text(&check));
    } else {
        println!("note: /usr/bin/promtool is absent; promtool check skipped");
    }
    std::fs::read_to_string(&rules).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_name_regex_without_a_tenant_matcher_is_confined() {
    let rules = confined(r#"count({__name__=~".+"}) > 0"#);
    // The rule file holds the expression as a double-quoted YAML string.
    assert!(rules.contains(r#"{__name__=~\".+\",tenant=\"beatforge\"}"#), "{rules}");
}

#[test]
fn absent_of_an_unqualified_series_is_confined() {
    let rules = confined("absent(tenant_api_quota_usage)");
    assert!(rules.contains("absent(tenant_api_quota_usage{tenant="), "{rules}");
}
