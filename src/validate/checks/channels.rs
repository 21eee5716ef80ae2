//! ## What it does
//! Checks that every channel named in `alerting.routing.severities` and
//! `alerting.escalation[].notify` is defined in `alerting.channels`.
//!
//! ## Why
//! Alertmanager refuses a route to an unknown receiver; alerts for that severity would
//! reach no one.
//!
//! ## Example
//! `critical: [team-slack, pager]` without a `pager` channel.
//!
//! ## Fix
//! Define the channel or correct the name.

use super::TenantCtx;
use crate::diag::Diagnostic;
use crate::load::Node;
use crate::validate::schema::did_you_mean;

/// Reports STRATA-E025.
pub fn check(ctx: &TenantCtx<'_>, diags: &mut Vec<Diagnostic>) {
    let Some(alerting) = ctx.tenant.get("alerting") else {
        return;
    };
    let defined: Vec<String> = alerting
        .get("channels")
        .map(|c| c.entries().map(|(k, _)| k.clone()).collect())
        .unwrap_or_default();
    let channels_loc = alerting.entry("channels").map(|e| e.key_loc);
    let mut check_name = |name_node: &Node, context: &str| {
        let Some(name) = name_node.as_str() else {
            return;
        };
        if defined.iter().any(|d| d == name) {
            return;
        }
        let mut d = Diagnostic::error(
            "STRATA-E025",
            name_node.loc,
            format!("{context} names unknown channel `{}`", name.escape_debug()),
        )
        .with_label("no channel of this name");
        d = match did_you_mean(name, &defined) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None if defined.is_empty() => d.with_help("define it under `alerting.channels`"),
            None => d.with_help(format!(
                "define it under `alerting.channels` (defined: {})",
                defined.join(", ")
            )),
        };
        if let Some(loc) = channels_loc {
            d = d.with_note(loc, "channels are defined here");
        }
        diags.push(d);
    };
    if let Some(severities) = alerting.at(&["routing", "severities"]) {
        for (severity, entry) in severities.entries() {
            for name in entry.value.items() {
                check_name(name, &format!("routing for `{severity}`"));
            }
        }
    }
    if let Some(steps) = alerting.get("escalation") {
        for (i, step) in steps.items().iter().enumerate() {
            for name in step.get("notify").map(Node::items).unwrap_or_default() {
                check_name(name, &format!("escalation step {}", i + 1));
            }
        }
    }
}
