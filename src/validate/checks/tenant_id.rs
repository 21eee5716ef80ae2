//! ## What it does
//! Checks that a tenant's `id` equals its file stem and is a DNS label.
//!
//! ## Why
//! The id names the tenant's namespace, label value and output files; a mismatch with the
//! file name makes `check FILES` and overlays pick the wrong tenant.
//!
//! ## Example
//! `tenants/acme.yaml` with `id: Acme_Corp`.
//!
//! ## Fix
//! Use the file stem, lowercase letters, digits and `-`, at most 63 characters.

use super::{TenantCtx, resolved_str};
use crate::diag::Diagnostic;

/// Whether `s` is an RFC 1123 DNS label.
pub fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    let ok = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && b.len() <= 63
        && b.first().is_some_and(ok)
        && b.last().is_some_and(ok)
        && b.iter().all(|c| ok(c) || *c == b'-')
}

/// Reports STRATA-E020 (id differs from the file stem) and STRATA-E021 (not a DNS label).
pub fn check(ctx: &TenantCtx<'_>, diags: &mut Vec<Diagnostic>) {
    if !is_dns_label(ctx.stem) {
        diags.push(
            Diagnostic::error(
                "STRATA-E021",
                crate::diag::Loc::file_start(ctx.file),
                format!("tenant file name `{}` is not a DNS label", ctx.stem.escape_debug()),
            )
            .with_help("rename the file: lowercase letters, digits and `-`, at most 63 characters"),
        );
    }
    let Some(node) = ctx.tenant.get("id") else {
        return;
    };
    let Some(id) = resolved_str(node) else { return };
    if !is_dns_label(id) {
        diags.push(
            Diagnostic::error("STRATA-E021", node.loc, format!("tenant id `{}` is not a DNS label", id.escape_debug()))
                .with_label("not a DNS label")
                .with_help("use lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters"),
        );
    } else if id != ctx.stem && is_dns_label(ctx.stem) {
        diags.push(
            Diagnostic::error(
                "STRATA-E020",
                node.loc,
                format!("tenant id `{id}` does not match its file name `{}`", ctx.stem),
            )
            .with_label("differs from the file stem")
            .with_help(format!("set `id: {}` or rename the file to `{id}.yaml`", ctx.stem)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::is_dns_label;

    #[test]
    fn dns_labels() {
        assert!(is_dns_label("acme-corp"));
        assert!(is_dns_label("a1"));
        for bad in ["", "-a", "a-", "Acme", "a_b", &"a".repeat(64)] {
            assert!(!is_dns_label(bad), "{bad}");
        }
    }
}
