//! ## What it does
//! Checks that `backup.schedule` and the `start` / `end` of every
//! `autoscaling.schedules` entry are five-field cron expressions.
//!
//! ## Why
//! The backup schedule becomes a Velero `Schedule` and the scaling schedules KEDA cron
//! triggers; a malformed expression is only noticed when no backup has run or the
//! replicas never came.
//!
//! ## Example
//! `schedule: "0 25 * * *"` (hour 25), `schedule: daily`.
//!
//! ## Fix
//! Write `minute hour day-of-month month day-of-week`, such as `0 2 * * *`.

use super::{TenantCtx, note_layers, resolved_str};
use crate::diag::Diagnostic;
use crate::load::Node;
use croner::parser::{CronParser, Seconds, Year};

/// Whether `text` is a valid five-field cron expression. Tenants share a handful of
/// schedules, so answers are remembered per thread.
pub fn is_valid_cron(text: &str) -> bool {
    thread_local! {
        static SEEN: std::cell::RefCell<std::collections::HashMap<String, bool>> = Default::default();
    }
    if let Some(known) = SEEN.with(|seen| seen.borrow().get(text).copied()) {
        return known;
    }
    let valid = parse_cron(text);
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        if seen.len() < 4096 {
            seen.insert(text.to_string(), valid);
        }
    });
    valid
}

fn parse_cron(text: &str) -> bool {
    if text.split_whitespace().count() != 5 {
        return false;
    }
    let parser = CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build();
    parser.parse(text).is_ok()
}

/// Reports STRATA-E024.
pub fn check(ctx: &TenantCtx<'_>, diags: &mut Vec<Diagnostic>) {
    let mut schedules: Vec<&Node> = ctx.tenant.at(&["backup", "schedule"]).into_iter().collect();
    if let Some(windows) = ctx.tenant.at(&["autoscaling", "schedules"]) {
        for (_, window) in windows.entries() {
            schedules.extend(["start", "end"].iter().filter_map(|k| window.value.get(k)));
        }
    }
    for node in schedules {
        let Some(text) = resolved_str(node) else {
            continue;
        };
        if !is_valid_cron(text) {
            let d = Diagnostic::error(
                "STRATA-E024",
                node.loc,
                format!("`{}` is not a valid cron schedule", text.escape_debug()),
            )
            .with_label("not a five-field cron expression")
            .with_help("write `minute hour day-of-month month day-of-week`, such as `0 2 * * *` for 02:00 daily");
            diags.push(note_layers(d, node));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_valid_cron;

    #[test]
    fn cron_expressions() {
        assert!(is_valid_cron("0 2 * * *"));
        assert!(is_valid_cron("*/15 0-6 1,15 * MON-FRI"));
        for bad in ["", "daily", "0 25 * * *", "0 2 * *", "0 0 2 * * *", "61 * * * *"] {
            assert!(!is_valid_cron(bad), "{bad}");
        }
    }
}
