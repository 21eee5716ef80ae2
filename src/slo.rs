//! Service level objectives (SPEC section 1, `slos`): the error ratio of an SLO over any
//! window, the windows and burn-rate factors of the Google SRE workbook's multi-window
//! multi-burn-rate alerts, and the names of the series strata records. Validation, the
//! Prometheus rules, their promtool tests and the `slo` dashboard all build on these, so
//! they cannot disagree. Expressions here are not yet confined to a tenant.

use crate::duration::parse_duration;
use crate::model::{Severity, Slo};
use crate::render::targets::grafana::queries::promql_string;

/// The placeholder in `good` and `total` that stands for the range of each window.
pub const WINDOW_PLACEHOLDER: &str = "{{window}}";
/// The window of an SLO that does not set one.
pub const DEFAULT_WINDOW: &str = "30d";
/// Shortest and longest window, in milliseconds (7d and 90d).
pub const WINDOW_RANGE_MS: (u64, u64) = (7 * 86_400_000, 90 * 86_400_000);
/// Windows the error ratio is recorded over, besides the SLO's own window.
pub const RATE_WINDOWS: [&str; 7] = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];
/// Name of the recorded error ratio over a window: `tenant:slo_errors:ratio_rate<window>`.
pub const ERROR_RATIO_PREFIX: &str = "tenant:slo_errors:ratio_rate";
/// Name of the recorded error budget left over the SLO window (1 = untouched, 0 = spent).
pub const BUDGET_REMAINING: &str = "tenant:slo_error_budget:remaining_ratio";
/// Label naming the SLO on every series and alert strata generates for it.
pub const SLO_LABEL: &str = "slo";

/// Which of the two burn-rate alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Burn {
    /// Fast burn: someone should act now.
    Page,
    /// Slow burn: someone should look within a day.
    Ticket,
}

/// One condition of a burn-rate alert: the error ratio over both windows is above
/// `factor` times the error budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Condition {
    /// Burn-rate factor (1 = the budget is spent exactly at the end of the window).
    pub factor: f64,
    /// The long window, which makes the alert significant.
    pub long: &'static str,
    /// The short window, which makes the alert reset soon after the burn stops.
    pub short: &'static str,
}

impl Burn {
    /// Both burn kinds, page first.
    pub const ALL: [Burn; 2] = [Burn::Page, Burn::Ticket];

    /// The conditions of the SRE workbook (chapter 5, table 5-8), either of which fires.
    pub fn conditions(self) -> [Condition; 2] {
        let c = |factor, long, short| Condition { factor, long, short };
        match self {
            Burn::Page => [c(14.4, "1h", "5m"), c(6.0, "6h", "30m")],
            Burn::Ticket => [c(3.0, "1d", "2h"), c(1.0, "3d", "6h")],
        }
    }

    /// The alert name.
    pub fn alert(self) -> &'static str {
        match self {
            Burn::Page => "SloErrorBudgetBurnPage",
            Burn::Ticket => "SloErrorBudgetBurnTicket",
        }
    }

    /// `page` or `ticket`.
    pub fn word(self) -> &'static str {
        match self {
            Burn::Page => "page",
            Burn::Ticket => "ticket",
        }
    }

    /// The severity of the alert: from `alerting`, else critical for page and warning
    /// for ticket.
    pub fn severity(self, slo: &Slo) -> Severity {
        let set = slo.alerting.as_ref().and_then(|a| match self {
            Burn::Page => a.page,
            Burn::Ticket => a.ticket,
        });
        set.unwrap_or(match self {
            Burn::Page => Severity::Critical,
            Burn::Ticket => Severity::Warning,
        })
    }
}

/// The SLO's window as written, or the default.
pub fn window(slo: &Slo) -> &str {
    slo.window.as_deref().unwrap_or(DEFAULT_WINDOW)
}

/// The error budget as a fraction: `1 - objective / 100`, rounded to 12 decimals so that
/// 99.9 gives `0.001`, not `0.0010000000000000009`.
pub fn budget(slo: &Slo) -> f64 {
    round12((100.0 - slo.objective.0) / 100.0)
}

/// `v` rounded to 12 decimals.
pub fn round12(v: f64) -> f64 {
    (v * 1e12).round() / 1e12
}

/// The recorded error ratio over `window`.
pub fn error_ratio_record(window: &str) -> String {
    format!("{ERROR_RATIO_PREFIX}{window}")
}

/// The matcher of the SLO's own series, such as `slo="availability"`.
pub fn slo_matcher(name: &str) -> String {
    format!("{SLO_LABEL}={}", promql_string(name))
}

/// The histogram `le` matcher of a latency threshold in seconds: clients write a whole
/// number of seconds as `1` (Go) or `1.0` (Python, Prometheus 3 normalisation), so both
/// are matched.
pub fn le_matcher(seconds: f64) -> String {
    if seconds.fract() == 0.0 {
        format!("le=~\"{seconds}|{seconds}\\\\.0\"")
    } else {
        format!("le=\"{seconds}\"")
    }
}

/// The latency threshold of a latency SLO, in seconds.
pub fn threshold_seconds(slo: &Slo) -> Option<f64> {
    let ms = parse_duration(&slo.latency.as_ref()?.threshold)?;
    Some(ms as f64 / 1000.0)
}

/// The fraction of good events over `window` (a PromQL duration), not yet confined:
/// `(good) / (total)` with `{{window}}` replaced, or for a latency SLO the share of
/// requests at or below the threshold. `None` when the SLO has neither form (validation
/// reports it).
pub fn good_ratio(slo: &Slo, window: &str) -> Option<String> {
    if let (Some(good), Some(total)) = (&slo.good, &slo.total) {
        let good = good.replace(WINDOW_PLACEHOLDER, window);
        let total = total.replace(WINDOW_PLACEHOLDER, window);
        return Some(format!("({good}) / ({total})"));
    }
    let latency = slo.latency.as_ref()?;
    let le = le_matcher(threshold_seconds(slo)?);
    Some(format!(
        "sum(rate({m}_bucket{{{le}}}[{window}])) / sum(rate({m}_count[{window}]))",
        m = latency.metric
    ))
}

/// The fraction of bad events over `window`: `1 - good ratio`.
pub fn error_ratio(slo: &Slo, window: &str) -> Option<String> {
    good_ratio(slo, window).map(|g| format!("1 - ({g})"))
}

/// The burn-rate alert expression of `burn`: for each condition, the recorded error ratio
/// over its long and its short window above `factor * budget`. `and` binds tighter than
/// `or` in PromQL, so this reads `(long and short) or (long and short)`.
pub fn burn_expr(burn: Burn, name: &str, budget: f64) -> String {
    let matcher = slo_matcher(name);
    let over =
        |window: &str, factor: f64| format!("({}{{{matcher}}} > ({factor} * {budget}))", error_ratio_record(window));
    burn.conditions()
        .iter()
        .map(|c| format!("{} and {}", over(c.long, c.factor), over(c.short, c.factor)))
        .collect::<Vec<_>>()
        .join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LatencySli, Percent};

    fn slo(objective: f64) -> Slo {
        Slo {
            objective: Percent(objective),
            window: None,
            good: Some("sum(rate(ok[{{window}}]))".into()),
            total: Some("sum(rate(all[{{window}}]))".into()),
            latency: None,
            alerting: None,
        }
    }

    #[test]
    fn budgets_are_exact_decimals() {
        assert_eq!(budget(&slo(99.9)), 0.001);
        assert_eq!(budget(&slo(99.95)), 0.0005);
        assert_eq!(budget(&slo(99.0)), 0.01);
        assert_eq!(format!("{}", budget(&slo(99.99))), "0.0001");
    }

    #[test]
    fn ratio_and_latency_error_ratios() {
        assert_eq!(
            error_ratio(&slo(99.0), "1h").as_deref(),
            Some("1 - ((sum(rate(ok[1h]))) / (sum(rate(all[1h]))))")
        );
        let mut latency = slo(99.0);
        latency.good = None;
        latency.total = None;
        latency.latency = Some(LatencySli {
            metric: "http_seconds".into(),
            threshold: "300ms".into(),
            buckets: Vec::new(),
        });
        assert_eq!(
            error_ratio(&latency, "5m").as_deref(),
            Some("1 - (sum(rate(http_seconds_bucket{le=\"0.3\"}[5m])) / sum(rate(http_seconds_count[5m])))")
        );
        if let Some(l) = latency.latency.as_mut() {
            l.threshold = "1s".into();
        }
        let whole = error_ratio(&latency, "5m").unwrap_or_default();
        assert!(whole.contains(r#"le=~"1|1\\.0""#), "{whole}");
        assert!(promql_parser::parser::parse(&whole).is_ok(), "{whole}");
    }

    #[test]
    fn default_severities() {
        assert_eq!(Burn::Page.severity(&slo(99.0)), Severity::Critical);
        assert_eq!(Burn::Ticket.severity(&slo(99.0)), Severity::Warning);
    }
}
