//! ## What it does
//! Checks that a tenant's `region` is known: the platform's `regions` list when it is set,
//! otherwise the built-in list of cloud regions.
//!
//! ## Why
//! Region drives data-residency policies (GDPR) and placement; a typo silently moves a
//! tenant out of the EU rules.
//!
//! ## Example
//! `region: eu-west-9`, `region: europe`.
//!
//! ## Fix
//! Use a listed region, or add it to `platform.regions`.

use super::{TenantCtx, note_layers, resolved_str};
use crate::diag::Diagnostic;
use crate::validate::schema::did_you_mean;

/// Regions known without a `platform.regions` list.
pub const BUILTIN_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "sa-east-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-east-1",
    "me-south-1",
    "af-south-1",
];

/// Reports STRATA-E027.
pub fn check(ctx: &TenantCtx<'_>, diags: &mut Vec<Diagnostic>) {
    let Some(node) = ctx.tenant.get("region") else {
        return;
    };
    let Some(region) = resolved_str(node) else {
        return;
    };
    let listed: Vec<String> = ctx
        .platform
        .get("regions")
        .map(|r| r.items().iter().filter_map(|n| n.as_str().map(String::from)).collect())
        .unwrap_or_default();
    let known: Vec<String> = if listed.is_empty() {
        BUILTIN_REGIONS.iter().map(|s| s.to_string()).collect()
    } else {
        listed
    };
    if known.iter().any(|k| k == region) {
        return;
    }
    let d = Diagnostic::error(
        "STRATA-E027",
        node.loc,
        format!("unknown region `{}`", region.escape_debug()),
    )
    .with_label("not a known region");
    let d = match did_you_mean(region, &known) {
        Some(s) => d.with_help(format!(
            "did you mean `{s}`? Other regions can be listed in `platform.regions`"
        )),
        None => {
            d.with_help("use a known region such as `eu-west-1`, or list the platform's regions in `platform.regions`")
        }
    };
    diags.push(note_layers(d, node));
}
