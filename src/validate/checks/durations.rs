//! ## What it does
//! Checks that every duration field holds a Prometheus duration (`30s`, `5m`, `1h30m`).
//!
//! ## Why
//! Prometheus and Alertmanager refuse to load a configuration with a malformed duration.
//!
//! ## Example
//! `scrape_interval: 30 seconds`, `for: 1.5h`, `repeat_interval: 1m4h`.
//!
//! ## Fix
//! Write integers with units from largest to smallest: `y w d h m s ms`.

use super::{TenantCtx, note_layers, resolved_str};
use crate::diag::Diagnostic;
use crate::duration::parse_duration;
use crate::load::{Kind, Node};

/// Fields that hold durations wherever they appear.
const DURATION_FIELDS: &[&str] = &[
    "scrape_interval",
    "evaluation_interval",
    "retention",
    "interval",
    "latency_target",
    "window",
    "threshold",
    "for",
    "keep_firing_for",
    "group_wait",
    "group_interval",
    "repeat_interval",
    "after",
    "at",
    "cache_ttl",
    "resolve_timeout",
];

/// Maps whose keys are user data, not field names.
const FREE_FORM: &[&str] = &["labels", "annotations", "external_labels", "series"];

/// Reports STRATA-E023 in a tenant.
pub fn check_tenant(ctx: &TenantCtx<'_>, diags: &mut Vec<Diagnostic>) {
    walk(ctx.tenant, diags);
}

/// Reports STRATA-E023 in platform settings.
pub fn check_platform(platform: &Node, diags: &mut Vec<Diagnostic>) {
    walk(platform, diags);
}

fn walk(node: &Node, diags: &mut Vec<Diagnostic>) {
    match &node.kind {
        Kind::Map(map) => {
            for (key, entry) in map {
                if FREE_FORM.contains(&key.as_str()) {
                    continue;
                }
                if DURATION_FIELDS.contains(&key.as_str())
                    && let Some(text) = resolved_str(&entry.value)
                    && parse_duration(text).is_none()
                {
                    diags.push(invalid_duration(key, text, &entry.value));
                }
                walk(&entry.value, diags);
            }
        }
        Kind::Seq(items) => items.iter().for_each(|n| walk(n, diags)),
        _ => {}
    }
}

fn invalid_duration(key: &str, text: &str, node: &Node) -> Diagnostic {
    let d = Diagnostic::error(
        "STRATA-E023",
        node.loc,
        format!("`{key}` is `{}`, not a valid duration", text.escape_debug()),
    )
    .with_label("not a Prometheus duration")
    .with_help("write integers with units from largest to smallest, such as `30s`, `5m`, `1h30m`, `7d`");
    note_layers(d, node)
}
