//! The `slo` dashboard: per SLO of the tenant, the SLI over its window, the error budget
//! left, and the SLI over five minutes, against the objective. `{{window}}` in `good` and
//! `total` is replaced by the window; the expressions are confined like every query.

use super::model::{Builder, Field, Query, round};
use super::panels::Kind::{Stat, Timeseries};
use super::text::short_title;
use crate::duration::parse_duration;
use crate::model::Tenant;

/// Error budgets of the tenant's SLOs.
pub fn slo(b: &mut Builder<'_>, t: &Tenant) {
    for (name, s) in &t.slos {
        let window = s.window.as_deref().unwrap_or("30d");
        let ratio = |w: &str| -> Option<String> {
            if let (Some(good), Some(total)) = (&s.good, &s.total) {
                let (g, t) = (good.replace("{{window}}", w), total.replace("{{window}}", w));
                return Some(format!("100 * ({g}) / ({t})"));
            }
            let lat = s.latency.as_ref()?;
            let le = parse_duration(&lat.threshold)? as f64 / 1000.0;
            Some(format!(
                "100 * sum(rate({m}_bucket{{le=\"{le}\"}}[{w}])) / sum(rate({m}_count[{w}]))",
                m = lat.metric
            ))
        };
        let (Some(over_window), Some(recent)) = (ratio(window), ratio("5m")) else {
            continue;
        };
        let objective = s.objective.0;
        let title = short_title(name, 60);
        let from: &[&str] = if s.good.is_some() && s.total.is_some() {
            &["slos", name.as_str(), "good"]
        } else {
            &["slos", name.as_str(), "latency", "metric"]
        };
        let field = || Field::unit("percent").base("red").step("green", Some(objective));
        b.panel(
            Stat,
            &format!("{title}: SLI over {window}"),
            (6, 6),
            field(),
            vec![Query::instant(over_window.clone(), "").from(from)],
        );
        let budget = round(100.0 - objective);
        let remaining = format!("100 * (1 - (100 - ({over_window})) / {budget})");
        b.panel(
            Stat,
            &format!("{title}: error budget left"),
            (6, 6),
            Field::unit("percent")
                .base("red")
                .step("orange", Some(0.0))
                .step("green", Some(25.0)),
            vec![Query::instant(remaining, "").from(from)],
        );
        b.panel(
            Timeseries,
            &format!("{title}: SLI (5m)"),
            (12, 6),
            field().lines(),
            vec![Query::range(recent, "sli").from(from)],
        );
    }
}
