//! The `slo` dashboard: per SLO of the tenant, the SLI over its window, the error budget
//! left and the SLI over five minutes against the objective; the burn rate over each
//! window of the burn-rate alerts (the recorded `tenant:slo_errors:ratio_rate<w>` divided
//! by the budget) with the page and ticket factors as thresholds; and the state of the
//! SLO's page and ticket alerts. Every query is confined like any other.

use super::model::{Builder, Field, Query, round};
use super::panels::Kind::{Stat, Timeseries};
use super::text::short_title;
use crate::model::Tenant;
use crate::slo::{self, Burn, RATE_WINDOWS, error_ratio_record, slo_matcher};

/// Error budgets, burn rates and burn-rate alerts of the tenant's SLOs.
pub fn slo(b: &mut Builder<'_>, t: &Tenant) {
    for (name, s) in &t.slos {
        let window = slo::window(s);
        let sli = |w: &str| slo::good_ratio(s, w).map(|g| format!("100 * {g}"));
        let (Some(over_window), Some(recent)) = (sli(window), sli("5m")) else {
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
        burn_rates(b, name, &title, slo::budget(s));
        alert_state(b, name, &title);
    }
}

/// The burn rate over each window, with the ticket (1x, 3x) and page (6x, 14.4x) factors.
fn burn_rates(b: &mut Builder<'_>, name: &str, title: &str, budget: f64) {
    let matcher = slo_matcher(name);
    let from = ["slos", name, "objective"];
    let queries = RATE_WINDOWS
        .iter()
        .map(|w| Query::range(format!("{}{{{matcher}}} / {budget}", error_ratio_record(w)), w).from(&from))
        .collect();
    let mut field = Field::unit("none").range(Some(0.0), None).lines();
    for (color, burn) in [("orange", Burn::Ticket), ("red", Burn::Page)] {
        for c in burn.conditions() {
            field = field.step(color, Some(c.factor));
        }
    }
    b.panel(
        Timeseries,
        &format!("{title}: burn rate (x error budget)"),
        (18, 8),
        field,
        queries,
    );
}

/// How many of the SLO's page and ticket alerts fire (0 when none).
fn alert_state(b: &mut Builder<'_>, name: &str, title: &str) {
    let matcher = slo_matcher(name);
    let from = ["slos", name, "objective"];
    let queries = Burn::ALL
        .iter()
        .map(|burn| {
            let expr = format!(
                "count(ALERTS{{alertname=\"{}\", alertstate=\"firing\", {matcher}}}) or vector(0)",
                burn.alert()
            );
            Query::instant(expr, burn.word()).from(&from)
        })
        .collect();
    b.panel(
        Stat,
        &format!("{title}: burn-rate alerts firing"),
        (6, 8),
        Field::unit("none").step("red", Some(1.0)),
        queries,
    );
}
