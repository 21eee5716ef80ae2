//! ## What it does
//! Checks that every alert an alert test expects is defined by the tenant's rules.
//!
//! ## Why
//! promtool passes a test that expects an unknown alert not to fire, and fails one that
//! expects it to fire with a message that does not say the name is wrong.
//!
//! ## Example
//! `expect: [{at: 15m, alert: HighErorRate}]` with a rule `HighErrorRate`.
//!
//! ## Fix
//! Use the alert name of a rule (`alert:`, or the rule key when `alert` is not set).

use super::TenantCtx;
use crate::diag::Diagnostic;
use crate::load::Node;
use crate::validate::schema::did_you_mean;

/// Reports STRATA-E028.
pub fn check(ctx: &TenantCtx<'_>, diags: &mut Vec<Diagnostic>) {
    let Some(alerting) = ctx.tenant.get("alerting") else {
        return;
    };
    let Some(tests) = alerting.get("tests") else {
        return;
    };
    let names: Vec<String> = alerting
        .get("rules")
        .map(|rules| {
            rules
                .entries()
                .map(|(key, e)| e.value.get("alert").and_then(Node::as_str).unwrap_or(key).to_string())
                .collect()
        })
        .unwrap_or_default();
    for test in tests.items() {
        for expectation in test.get("expect").map(Node::items).unwrap_or_default() {
            let Some(alert) = expectation.get("alert") else {
                continue;
            };
            let Some(name) = alert.as_str() else { continue };
            if names.iter().any(|n| n == name) {
                if let Some(rule) = rule_named(alerting, name) {
                    unexpanded_annotations(rule, expectation, name, diags);
                }
                continue;
            }
            let d = Diagnostic::error(
                "STRATA-E028",
                alert.loc,
                format!("alert test expects unknown alert `{}`", name.escape_debug()),
            )
            .with_label("no rule defines this alert");
            diags.push(match did_you_mean(name, &names) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help("expect an alert defined under `alerting.rules`"),
            });
        }
    }
}

fn rule_named<'a>(alerting: &'a Node, name: &str) -> Option<&'a Node> {
    alerting.get("rules")?.entries().find_map(|(key, e)| {
        let alert = e.value.get("alert").and_then(Node::as_str).unwrap_or(key);
        (alert == name).then_some(&e.value)
    })
}

/// promtool compares annotations exactly, after expanding their templates: a firing
/// expectation must give the expanded text of every templated annotation.
fn unexpanded_annotations(rule: &Node, expectation: &Node, name: &str, diags: &mut Vec<Diagnostic>) {
    if expectation
        .get("firing")
        .is_some_and(|f| f.kind == crate::load::Kind::Bool(false))
    {
        return;
    }
    let given = expectation.get("annotations");
    let fields = ["summary", "description", "runbook_url"]
        .into_iter()
        .filter_map(|k| rule.get(k).map(|v| (k.to_string(), v)));
    let extra = rule
        .get("annotations")
        .map(|a| a.entries().map(|(k, e)| (k.clone(), &e.value)).collect::<Vec<_>>());
    for (key, value) in fields.chain(extra.into_iter().flatten()) {
        let templated = value.as_str().is_some_and(|v| v.contains("{{"));
        if templated && given.and_then(|g| g.get(&key)).is_none() {
            diags.push(
                Diagnostic::warning(
                    "STRATA-E028",
                    expectation.loc,
                    format!("alert test of `{name}` does not give the expanded `{key}`"),
                )
                .with_label("promtool compares annotations after expanding their templates")
                .with_help(format!(
                    "add `annotations: {{{key}: \"...\"}}` with the text promtool expands, or the test fails"
                )),
            );
        }
    }
}
