//! ## What it does
//! Checks `autoscaling.min_replicas <= autoscaling.max_replicas`.
//!
//! ## Why
//! Kubernetes rejects a HorizontalPodAutoscaler whose minimum exceeds its maximum.
//!
//! ## Example
//! `min_replicas: 10` in a tenant file over `max_replicas: 5` from the defaults.
//!
//! ## Fix
//! Raise `max_replicas` or lower `min_replicas`.

use super::{TenantCtx, note_layers};
use crate::diag::Diagnostic;

/// Reports STRATA-E022.
pub fn check(ctx: &TenantCtx<'_>, diags: &mut Vec<Diagnostic>) {
    let Some(scaling) = ctx.tenant.get("autoscaling") else {
        return;
    };
    let (Some(min), Some(max)) = (scaling.get("min_replicas"), scaling.get("max_replicas")) else {
        return;
    };
    let (Some(lo), Some(hi)) = (min.as_i64(), max.as_i64()) else {
        return;
    };
    if lo > hi {
        let d = Diagnostic::error(
            "STRATA-E022",
            min.loc,
            format!("min_replicas ({lo}) is greater than max_replicas ({hi})"),
        )
        .with_label("minimum set here")
        .with_note(max.loc, format!("max_replicas is {hi} here"))
        .with_help(format!(
            "raise max_replicas to at least {lo} or lower min_replicas to at most {hi}"
        ));
        diags.push(note_layers(d, min));
    }
}
