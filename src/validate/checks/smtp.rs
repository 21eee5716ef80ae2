//! ## What it does
//! Checks that a tenant with an e-mail channel runs in an environment whose platform
//! settings configure an SMTP relay (`platform.alertmanager.smtp`).
//!
//! ## Why
//! Alertmanager refuses a configuration with an e-mail receiver and no SMTP relay, so one
//! tenant's channel would stop every tenant's alerts.
//!
//! ## Example
//! `oncall: {type: email, to: oncall@acme.com}` while no layer sets `platform.alertmanager.smtp`.
//!
//! ## Fix
//! Set `platform.alertmanager.smtp` (`smarthost`, `from`) in `defaults.yaml` or the
//! environment file, or use another channel type.

use super::TenantCtx;
use crate::diag::Diagnostic;
use crate::load::Node;

/// Reports STRATA-E029.
pub fn check(ctx: &TenantCtx<'_>, diags: &mut Vec<Diagnostic>) {
    if ctx.platform.at(&["alertmanager", "smtp"]).is_some() {
        return;
    }
    let Some(channels) = ctx.tenant.at(&["alerting", "channels"]) else {
        return;
    };
    for (name, entry) in channels.entries() {
        if entry.value.get("type").and_then(Node::as_str) == Some("email") {
            diags.push(
                Diagnostic::error("STRATA-E029", entry.key_loc, format!("e-mail channel `{name}` but no SMTP relay in this environment"))
                    .with_label("needs `platform.alertmanager.smtp`")
                    .with_help("set `platform.alertmanager.smtp` with `smarthost` and `from` in defaults.yaml or the environment file"),
            );
        }
    }
}
