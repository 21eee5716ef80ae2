//! ## What it does
//! Checks that e-mail fields hold addresses: `contact_email`, the `to` of e-mail channels
//! and the platform's SMTP `from`.
//!
//! ## Why
//! Alertmanager accepts any string and then fails to deliver at 3 a.m.
//!
//! ## Example
//! `contact_email: admin(at)acme.com`, `to: oncall`.
//!
//! ## Fix
//! Write `local@domain.tld`; several recipients are separated by commas.

use super::{TenantCtx, note_layers, resolved_str};
use crate::diag::Diagnostic;
use crate::load::Node;

/// Whether `s` looks like `local@domain.tld` (a pragmatic check, not full RFC 5322).
pub fn is_email(s: &str) -> bool {
    let s = s.trim();
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

fn check_field(node: &Node, field: &str, diags: &mut Vec<Diagnostic>) {
    let Some(text) = resolved_str(node) else {
        return;
    };
    if let Some(bad) = text.split(',').find(|a| !is_email(a)) {
        let d = Diagnostic::error(
            "STRATA-E026",
            node.loc,
            format!(
                "`{field}` has `{}`, which is not an e-mail address",
                bad.trim().escape_debug()
            ),
        )
        .with_label("not an e-mail address")
        .with_help("write `name@example.com`; separate several addresses with commas");
        diags.push(note_layers(d, node));
    }
}

/// Reports STRATA-E026 in a tenant.
pub fn check_tenant(ctx: &TenantCtx<'_>, diags: &mut Vec<Diagnostic>) {
    if let Some(node) = ctx.tenant.get("contact_email") {
        check_field(node, "contact_email", diags);
    }
    if let Some(channels) = ctx.tenant.at(&["alerting", "channels"]) {
        for (_, entry) in channels.entries() {
            if entry.value.get("type").and_then(Node::as_str) == Some("email")
                && let Some(to) = entry.value.get("to")
            {
                check_field(to, "to", diags);
            }
        }
    }
}

/// Reports STRATA-E026 in platform settings.
pub fn check_platform(platform: &Node, diags: &mut Vec<Diagnostic>) {
    if let Some(from) = platform.at(&["alertmanager", "smtp", "from"]) {
        check_field(from, "from", diags);
    }
}

#[cfg(test)]
mod tests {
    use super::is_email;

    #[test]
    fn addresses() {
        assert!(is_email("admin@acme.com"));
        assert!(is_email("on.call+eu@ops.acme.example"));
        for bad in [
            "",
            "admin",
            "admin@",
            "@acme.com",
            "admin@acme",
            "a b@acme.com",
            "admin@-acme.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
