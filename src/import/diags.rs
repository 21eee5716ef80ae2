//! The diagnostics of an import: refused rules (errors), rules carried over with a change
//! and settings not carried over (warnings), malformed files (errors).

use super::rules::Ctx;
use crate::diag::{Diagnostic, Loc};
use crate::validate::promql::{PromqlError, confine, loc_inside};

/// STRATA-E060: a rule Prometheus would refuse, not imported.
pub fn refuse(loc: Loc, message: String) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::error("STRATA-E060", loc, message)
            .with_label("not imported")
            .with_help("fix the rule in the input file and import it again"),
    )
}

/// STRATA-E061: a rule imported with a change (name, severity).
pub fn changed(loc: Loc, message: String, help: &str) -> Diagnostic {
    Diagnostic::warning("STRATA-E061", loc, message)
        .with_label("imported with a change")
        .with_help(help.to_string())
}

/// STRATA-E062: a setting of a file or group that is not carried over.
pub fn dropped(loc: Loc, message: String) -> Diagnostic {
    Diagnostic::warning("STRATA-E062", loc, message)
        .with_label("not carried over")
        .with_help("strata writes one rule group per tenant, evaluated with the platform's `evaluation_interval`")
}

/// STRATA-E063: a file or group that is not a Prometheus rule file or group.
pub fn malformed(loc: Loc, message: String) -> Diagnostic {
    Diagnostic::error("STRATA-E063", loc, message)
        .with_label("here")
        .with_help("a Prometheus rule file is `groups: [{name: ..., rules: [{alert: ..., expr: ...}]}]`")
}

/// Refuses an expression that does not parse or that selects another tenant.
pub fn check_expr(expr: &str, loc: Loc, what: &str, ctx: &Ctx<'_>) -> Result<(), Box<Diagnostic>> {
    match confine(expr, ctx.label, ctx.tenant) {
        Ok(_) => Ok(()),
        Err(PromqlError::Syntax { message, at }) => {
            let loc = at.map_or(loc, |at| loc_inside(ctx.sources, loc, expr, at));
            Err(Box::new(
                Diagnostic::error(
                    "STRATA-E050",
                    loc,
                    format!("`expr` of {what} is not valid PromQL: {message}"),
                )
                .with_label("PromQL syntax error; not imported")
                .with_help("check the expression with `promtool query instant` or the Prometheus UI"),
            ))
        }
        Err(PromqlError::ForeignMatcher { matcher }) => Err(Box::new(
            Diagnostic::error(
                "STRATA-E051",
                loc,
                format!(
                    "`expr` of {what} selects outside tenant `{}`: `{}`",
                    ctx.tenant,
                    matcher.escape_debug()
                ),
            )
            .with_label("not imported")
            .with_help(format!(
                "remove the `{}` matcher: strata adds `{}=\"{}\"` to every selector",
                ctx.label, ctx.label, ctx.tenant
            )),
        )),
    }
}
