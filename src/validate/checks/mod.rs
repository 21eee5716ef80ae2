//! Semantic checks: one check per file, each with its own code, listed in [`TENANT_CHECKS`]
//! and [`PLATFORM_CHECKS`]. A check reads the merged document and reports diagnostics at
//! the locations of the values involved.

mod alert_tests;
mod channels;
mod cron;
mod durations;
mod emails;
mod regions;
mod replicas;
mod slos;
mod smtp;
mod tenant_id;

use crate::diag::{Diagnostic, FileId};
use crate::load::Node;

/// What a tenant check sees.
pub struct TenantCtx<'a> {
    /// The merged, interpolated tenant document.
    pub tenant: &'a Node,
    /// The environment's merged platform settings.
    pub platform: &'a Node,
    /// The tenant's file stem.
    pub stem: &'a str,
    /// The tenant's base file.
    pub file: FileId,
}

/// A check of one tenant in one environment.
pub type TenantCheck = fn(&TenantCtx<'_>, &mut Vec<Diagnostic>);
/// A check of one environment's platform settings.
pub type PlatformCheck = fn(&Node, &mut Vec<Diagnostic>);

/// Every tenant check, with the code it reports.
pub const TENANT_CHECKS: &[(&str, TenantCheck)] = &[
    ("STRATA-E020", tenant_id::check),
    ("STRATA-E022", replicas::check),
    ("STRATA-E023", durations::check_tenant),
    ("STRATA-E024", cron::check),
    ("STRATA-E025", channels::check),
    ("STRATA-E026", emails::check_tenant),
    ("STRATA-E027", regions::check),
    ("STRATA-E028", alert_tests::check),
    ("STRATA-E029", smtp::check),
    ("STRATA-E055", slos::check),
];

/// Every platform check, with the code it reports.
pub const PLATFORM_CHECKS: &[(&str, PlatformCheck)] = &[
    ("STRATA-E023", durations::check_platform),
    ("STRATA-E026", emails::check_platform),
];

/// Runs every tenant check.
pub fn check_tenant(ctx: &TenantCtx<'_>, diags: &mut Vec<Diagnostic>) {
    for (_, check) in TENANT_CHECKS {
        check(ctx, diags);
    }
}

/// Runs every platform check.
pub fn check_platform(platform: &Node, diags: &mut Vec<Diagnostic>) {
    for (_, check) in PLATFORM_CHECKS {
        check(platform, diags);
    }
}

/// Adds a note for every layer the value overrode. Mappings merge rather than replace,
/// so their earlier layers are not notes about the value at fault.
pub(crate) fn note_layers(mut d: Diagnostic, node: &Node) -> Diagnostic {
    if matches!(node.kind, crate::load::Kind::Map(_)) {
        return d;
    }
    for loc in node.overridden.iter().rev() {
        d = d.with_note(*loc, "overrides the value set here");
    }
    d
}

/// The string value of `node` unless it still holds an unresolved `${...}` reference.
pub(crate) fn resolved_str(node: &Node) -> Option<&str> {
    if node.is_unresolved() { None } else { node.as_str() }
}
