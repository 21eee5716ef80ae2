//! ## What it does
//! Checks each SLO under `slos`: the objective leaves an error budget (STRATA-E055), the
//! window lies within 7d..90d (STRATA-E055), the indicator is exactly one of
//! `good`/`total` (both with the `{{window}}` placeholder) or `latency` (STRATA-E056), and
//! a latency threshold is one of the histogram's declared `buckets` (STRATA-E057). The
//! PromQL of `good` and `total` is parsed and confined in `validate::slo_promql`.
//!
//! ## Why
//! An objective of 100 % has no error budget, so every burn-rate threshold is 0; a window
//! of a year asks Prometheus for a year of raw samples; without `{{window}}` every
//! recorded error ratio measures the same range and the multi-window alerts degrade to one
//! window; a threshold between two bucket boundaries cannot be measured from a histogram.
//!
//! ## Example
//! `objective: 100`, `window: 1y`, `good: sum(rate(ok_total[5m]))`, `threshold: 300ms`
//! with `buckets: [0.1, 0.25, 0.5]`.
//!
//! ## Fix
//! An objective below 100 (such as 99.9), a window from 7d to 90d, `[{{window}}]` as the
//! range of every selector in `good` and `total`, a threshold on a bucket boundary.

use super::{TenantCtx, note_layers, resolved_str};
use crate::diag::Diagnostic;
use crate::duration::parse_duration;
use crate::load::{Kind, Node};
use crate::slo::{WINDOW_PLACEHOLDER, WINDOW_RANGE_MS};

/// Objective or window out of range.
pub const OUT_OF_RANGE: &str = "STRATA-E055";
/// Indicator incomplete or without the window placeholder.
pub const BAD_INDICATOR: &str = "STRATA-E056";
/// Latency threshold not on a bucket boundary.
pub const OFF_BUCKET: &str = "STRATA-E057";

/// Reports STRATA-E055, STRATA-E056 and STRATA-E057.
pub fn check(ctx: &TenantCtx<'_>, diags: &mut Vec<Diagnostic>) {
    let Some(slos) = ctx.tenant.get("slos") else {
        return;
    };
    for (name, entry) in slos.entries() {
        let slo = &entry.value;
        if !matches!(slo.kind, Kind::Map(_)) {
            continue;
        }
        objective(name, slo, diags);
        window(name, slo, diags);
        indicator(name, entry.key_loc, slo, diags);
        threshold(name, slo, diags);
    }
}

fn number(node: &Node) -> Option<f64> {
    match node.kind {
        Kind::Int(i) => Some(i as f64),
        Kind::Float(f) => Some(f),
        _ => None,
    }
}

fn objective(name: &str, slo: &Node, diags: &mut Vec<Diagnostic>) {
    let Some(node) = slo.get("objective") else {
        return;
    };
    let Some(objective) = number(node) else {
        return;
    };
    if objective <= 0.0 || objective >= 100.0 {
        let d = Diagnostic::error(
            OUT_OF_RANGE,
            node.loc,
            format!("SLO `{name}` has objective {objective}, which leaves no error budget"),
        )
        .with_label("must be above 0 and below 100")
        .with_help("an objective is the percent of good events, such as 99.9; 100 would page on the first error");
        diags.push(note_layers(d, node));
    } else if 14.4 * (100.0 - objective) / 100.0 >= 1.0 {
        let d = Diagnostic::warning(
            OUT_OF_RANGE,
            node.loc,
            format!("SLO `{name}` has objective {objective}: its page alert can never fire"),
        )
        .with_label("14.4 times this error budget is 100 % or more")
        .with_help(
            "the fast-burn alert needs an error ratio of 14.4 x (100 - objective) %; use an objective above 93.06",
        );
        diags.push(note_layers(d, node));
    }
}

fn window(name: &str, slo: &Node, diags: &mut Vec<Diagnostic>) {
    let Some(node) = slo.get("window") else {
        return;
    };
    // An unparsable window is STRATA-E023 (durations check).
    let Some(ms) = resolved_str(node).and_then(parse_duration) else {
        return;
    };
    let (min, max) = WINDOW_RANGE_MS;
    if (min..=max).contains(&ms) {
        return;
    }
    let text = resolved_str(node).unwrap_or_default();
    let d = Diagnostic::error(
        OUT_OF_RANGE,
        node.loc,
        format!("SLO `{name}` has window `{}`, outside 7d..90d", text.escape_debug()),
    )
    .with_label(if ms < min { "shorter than 7d" } else { "longer than 90d" })
    .with_help("use a window from 7d to 90d, such as 28d or 30d (error budgets are usually counted over 4 weeks)");
    diags.push(note_layers(d, node));
}

fn indicator(name: &str, key_loc: crate::diag::Loc, slo: &Node, diags: &mut Vec<Diagnostic>) {
    let good = slo.get("good");
    let total = slo.get("total");
    let latency = slo.get("latency");
    let ratio = good.is_some() || total.is_some();
    if ratio && let Some(l) = latency {
        diags.push(
            Diagnostic::error(
                BAD_INDICATOR,
                l.loc,
                format!("SLO `{name}` has both `good`/`total` and `latency`"),
            )
            .with_label("a second indicator")
            .with_help("give one indicator per SLO: `good` and `total`, or `latency`; split it into two SLOs"),
        );
        return;
    }
    if !ratio && latency.is_none() {
        diags.push(
            Diagnostic::error(BAD_INDICATOR, key_loc, format!("SLO `{name}` has no indicator"))
                .with_label("neither `good`/`total` nor `latency`")
                .with_help(
                    "add `good` and `total` (PromQL with `[{{window}}]`) or `latency: {metric: ..., threshold: ...}`",
                ),
        );
        return;
    }
    if !ratio {
        return;
    }
    for (field, node, other) in [("good", good, "total"), ("total", total, "good")] {
        let Some(node) = node else {
            let at = good.or(total).map_or(key_loc, |n| n.loc);
            diags.push(
                Diagnostic::error(
                    BAD_INDICATOR,
                    at,
                    format!("SLO `{name}` has `{other}` but no `{field}`"),
                )
                .with_label(format!("`{field}` is missing"))
                .with_help(format!(
                    "add `{field}`: a ratio SLO counts good events over all events, both with `[{{{{window}}}}]`"
                )),
            );
            continue;
        };
        if let Some(text) = resolved_str(node)
            && !text.contains(WINDOW_PLACEHOLDER)
        {
            let d = Diagnostic::error(
                BAD_INDICATOR,
                node.loc,
                format!("`slos.{name}.{field}` has no `{{{{window}}}}` placeholder"),
            )
            .with_label("every range here must be `[{{window}}]`")
            .with_help(
                "write the range of each selector as `[{{window}}]`, such as `sum(rate(http_requests_total[{{window}}]))`: strata records the ratio over 5m, 30m, 1h, 2h, 6h, 1d, 3d and the window",
            );
            diags.push(note_layers(d, node));
        }
    }
}

fn threshold(name: &str, slo: &Node, diags: &mut Vec<Diagnostic>) {
    let Some(latency) = slo.get("latency") else {
        return;
    };
    let (Some(node), Some(buckets)) = (latency.get("threshold"), latency.get("buckets")) else {
        return;
    };
    let Some(ms) = resolved_str(node).and_then(parse_duration) else {
        return;
    };
    let seconds = ms as f64 / 1000.0;
    let bounds: Vec<f64> = buckets.items().iter().filter_map(number).collect();
    if bounds.is_empty() || bounds.iter().any(|b| (b - seconds).abs() < 1e-9) {
        return;
    }
    let list = bounds.iter().map(f64::to_string).collect::<Vec<_>>().join(", ");
    let nearest = bounds
        .iter()
        .copied()
        .min_by(|a, b| (a - seconds).abs().total_cmp(&(b - seconds).abs()))
        .unwrap_or(seconds);
    let d = Diagnostic::error(
        OFF_BUCKET,
        node.loc,
        format!("SLO `{name}`: latency threshold {seconds}s is not a bucket boundary of the histogram"),
    )
    .with_label(format!("buckets: {list}"))
    .with_help(format!(
        "use a bucket boundary, such as `{}` ({nearest}s), or add {seconds} to the histogram's buckets",
        crate::render::targets::prometheus_rules::format_duration((nearest * 1000.0).round() as u64)
    ))
    .with_note(buckets.loc, "the buckets are declared here");
    diags.push(d);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{FileId, Severity};
    use crate::load::parse_yaml;

    /// (code, severity, line) of every diagnostic of the SLOs in `yaml`.
    fn run(yaml: &str) -> Vec<(String, Severity, u32)> {
        let (doc, errors) = parse_yaml(yaml, FileId(0));
        assert!(errors.is_empty(), "{errors:?}");
        let doc = doc.unwrap_or_else(|| panic!("no document"));
        let mut diags = Vec::new();
        let ctx = TenantCtx {
            tenant: &doc,
            platform: &doc,
            stem: "acme",
            file: FileId(0),
        };
        check(&ctx, &mut diags);
        diags
            .into_iter()
            .map(|d| (d.code.to_string(), d.severity, d.loc.line))
            .collect()
    }

    const RATIO: &str = "    good: sum(rate(ok[{{window}}]))\n    total: sum(rate(all[{{window}}]))\n";

    #[test]
    fn objectives_need_a_budget_and_a_reachable_page() {
        let at = |objective: &str| run(&format!("slos:\n  a:\n    objective: {objective}\n{RATIO}"));
        assert_eq!(at("0"), [(OUT_OF_RANGE.into(), Severity::Error, 3)]);
        assert_eq!(at("100"), [(OUT_OF_RANGE.into(), Severity::Error, 3)]);
        assert_eq!(at("90"), [(OUT_OF_RANGE.into(), Severity::Warning, 3)]);
        assert!(at("93.1").is_empty());
        assert!(at("99.99").is_empty());
    }

    #[test]
    fn windows_from_7d_to_90d() {
        let at = |w: &str| run(&format!("slos:\n  a:\n    objective: 99\n    window: {w}\n{RATIO}"));
        assert_eq!(at("3d"), [(OUT_OF_RANGE.into(), Severity::Error, 4)]);
        assert_eq!(at("13w"), [(OUT_OF_RANGE.into(), Severity::Error, 4)]);
        assert!(at("7d").is_empty());
        assert!(at("90d").is_empty());
        assert!(at("30 days").is_empty(), "E023 reports it");
    }

    #[test]
    fn indicators_are_complete() {
        let none = run("slos:\n  a:\n    objective: 99\n");
        assert_eq!(none, [(BAD_INDICATOR.into(), Severity::Error, 2)]);
        let half = run("slos:\n  a:\n    objective: 99\n    good: sum(rate(ok[{{window}}]))\n");
        assert_eq!(half, [(BAD_INDICATOR.into(), Severity::Error, 4)]);
    }

    #[test]
    fn thresholds_on_bucket_boundaries_pass() {
        let at = |threshold: &str| {
            run(&format!(
                "slos:\n  a:\n    objective: 99\n    latency:\n      metric: m\n      threshold: {threshold}\n      buckets: [0.1, 0.25, 1]\n"
            ))
        };
        assert!(at("1s").is_empty());
        assert!(at("250ms").is_empty());
        assert_eq!(at("300ms"), [(OFF_BUCKET.into(), Severity::Error, 6)]);
    }
}
