//! The rules and promtool tests of a tenant's SLOs (SPEC section 1, `slos`); naming and
//! formulas in `docs/slo.md`. Per SLO one rule group `<tenant>.slo.<name>` holds:
//!
//! - `tenant:slo_errors:ratio_rate<w>` for w in 5m, 30m, 1h, 2h, 6h, 1d, 3d: the error
//!   ratio from the SLO's indicator; over the SLO window, the average of the 5m ratio
//!   (as Sloth does: no query over 30 days of raw samples);
//! - `tenant:slo_error_budget:remaining_ratio`: `1 - error ratio over the window / budget`;
//! - the alerts `SloErrorBudgetBurnPage` and `SloErrorBudgetBurnTicket` (the SRE
//!   workbook's multi-window multi-burn-rate alerts) and their escalation copies.
//!
//! Every series carries the labels `slo` and the tenant label; every expression is confined.
//! The promtool tests prove per SLO that the page alert fires at a sustained burn of 20x
//! and stays silent (as does the ticket alert) at 0.5x.

use super::prometheus_rules::escalation_copies;
use crate::model::{AlertRule, Slo};
use crate::render::{EnvContext, TenantModel};
use crate::slo::{self, BUDGET_REMAINING, Burn, RATE_WINDOWS, SLO_LABEL, error_ratio_record, round12};
use crate::validate::promql::confine_cached;
use serde_json::{Value, json};

/// The rules of one SLO.
pub struct SloRules {
    /// Rule group name: `<tenant>.slo.<name>`.
    pub group: String,
    /// Recording rules (JSON, as in the rule file).
    pub recordings: Vec<Value>,
    /// Alerting rules by alert name, escalation copies included.
    pub alerts: Vec<(String, AlertRule)>,
}

fn confined(ctx: &EnvContext<'_>, id: &str, expr: &str) -> Option<String> {
    confine_cached(expr, &ctx.project.project.tenant_label, id).ok()
}

/// The rules of every SLO of the tenant that has an indicator.
pub fn slo_rules(ctx: &EnvContext<'_>, t: &TenantModel) -> Vec<SloRules> {
    let label = ctx.project.project.tenant_label.as_str();
    let mut out = Vec::new();
    for (name, s) in &t.tenant.slos {
        let labels = json!({SLO_LABEL: name, label: t.id});
        let record = |record: String, expr: String| json!({"record": record, "expr": expr, "labels": labels});
        let mut recordings = Vec::with_capacity(RATE_WINDOWS.len() + 2);
        for w in RATE_WINDOWS {
            let Some(expr) = slo::error_ratio(s, w).and_then(|e| confined(ctx, &t.id, &e)) else {
                break;
            };
            recordings.push(record(error_ratio_record(w), expr));
        }
        if recordings.len() < RATE_WINDOWS.len() {
            continue;
        }
        let window = slo::window(s);
        let matcher = slo::slo_matcher(name);
        let five = error_ratio_record("5m");
        let over_window = format!("avg_over_time({five}{{{matcher}}}[{window}])");
        let budget = slo::budget(s);
        let remaining = format!("1 - {}{{{matcher}}} / {budget}", error_ratio_record(window));
        for (rec, expr) in [
            (error_ratio_record(window), over_window),
            (BUDGET_REMAINING.into(), remaining),
        ] {
            if let Some(expr) = confined(ctx, &t.id, &expr) {
                recordings.push(record(rec, expr));
            }
        }
        let mut alerts: Vec<(String, AlertRule)> = Burn::ALL
            .iter()
            .filter_map(|&burn| {
                let expr = confined(ctx, &t.id, &slo::burn_expr(burn, name, budget))?;
                Some((burn.alert().to_string(), alert(burn, name, s, expr)))
            })
            .collect();
        let copies = escalation_copies(&t.tenant, &alerts);
        alerts.extend(copies);
        out.push(SloRules {
            group: format!("{}.slo.{name}", t.id),
            recordings,
            alerts,
        });
    }
    out
}

/// The summary annotation: the SLO name comes from the `slo` label, so a name is never
/// read as a template.
fn summary(burn: Burn) -> &'static str {
    match burn {
        Burn::Page => "SLO {{ $labels.slo }}: the error budget burns fast",
        Burn::Ticket => "SLO {{ $labels.slo }}: the error budget burns slowly",
    }
}

fn description(burn: Burn, s: &Slo) -> String {
    let [a, b] = burn.conditions();
    format!(
        "Error ratio above {}x the error budget over {} and {}, or above {}x over {} and {} \
         (objective {}% over {}, error budget {}%).",
        a.factor,
        a.long,
        a.short,
        b.factor,
        b.long,
        b.short,
        s.objective.0,
        slo::window(s),
        round12(100.0 - s.objective.0),
    )
}

fn alert(burn: Burn, name: &str, s: &Slo, expr: String) -> AlertRule {
    AlertRule {
        alert: None,
        expr,
        for_: None,
        keep_firing_for: None,
        severity: burn.severity(s),
        summary: Some(summary(burn).into()),
        description: Some(description(burn, s)),
        runbook_url: s.alerting.as_ref().and_then(|a| a.runbook_url.clone()),
        labels: [
            (SLO_LABEL.to_string(), name.to_string()),
            ("source".to_string(), "strata-slo".to_string()),
        ]
        .into_iter()
        .collect(),
        annotations: Default::default(),
    }
}

/// When the tests evaluate the alerts.
const EVAL_AT_MIN: u64 = 10;

/// A burn-rate scenario: the burn factor, and which alerts fire under it.
const SCENARIOS: [(f64, &[Burn]); 2] = [(20.0, &[Burn::Page, Burn::Ticket]), (0.5, &[])];

/// The promtool tests of the tenant's SLOs, from the tenant's rule groups as written
/// (so the expected labels and annotations are those of the rule file).
pub fn slo_tests(ctx: &EnvContext<'_>, t: &TenantModel, groups: &[Value]) -> Vec<Value> {
    let mut tests = Vec::new();
    for (name, s) in &t.tenant.slos {
        let group = format!("{}.slo.{name}", t.id);
        let Some(rules) = groups
            .iter()
            .find(|g| g["name"] == group.as_str())
            .and_then(|g| g["rules"].as_array())
        else {
            continue;
        };
        let budget = slo::budget(s);
        for (factor, firing) in SCENARIOS {
            let ratio = round12(factor * budget);
            if ratio > 1.0 {
                // The error ratio cannot exceed 100 %: this burn cannot happen.
                continue;
            }
            let Some((series, active_from)) = input_series(ctx, t, name, s, ratio) else {
                continue;
            };
            let checks: Vec<Value> = Burn::ALL
                .iter()
                .map(|burn| {
                    let exp: Vec<Value> = rules
                        .iter()
                        .filter(|rule| {
                            rule["alert"] == burn.alert() && firing.contains(burn) && fires_by_eval(rule, active_from)
                        })
                        .map(|rule| expected(rule, name))
                        .collect();
                    json!({"eval_time": format!("{EVAL_AT_MIN}m"), "alertname": burn.alert(), "exp_alerts": exp})
                })
                .collect();
            tests.push(json!({
                "name": format!("slo {name}: sustained {factor}x burn of the {}% error budget", round12(budget * 100.0)),
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": checks,
            }));
        }
    }
    tests
}

/// Whether an alerting rule (JSON) whose condition holds from minute `from` fires at the
/// evaluation: it must have held for its `for`.
fn fires_by_eval(rule: &Value, from: u64) -> bool {
    let hold = rule["for"]
        .as_str()
        .and_then(crate::duration::parse_duration)
        .unwrap_or(0);
    hold <= EVAL_AT_MIN.saturating_sub(from) * 60_000
}

/// promtool's expectation of an alert: its labels, and its annotations with the one
/// template strata writes into them (`{{ $labels.slo }}`) expanded.
fn expected(alert: &Value, name: &str) -> Value {
    let mut annotations = alert.get("annotations").cloned().unwrap_or_else(|| json!({}));
    if let Some(map) = annotations.as_object_mut() {
        for v in map.values_mut() {
            if let Some(text) = v.as_str() {
                *v = json!(text.replace("{{ $labels.slo }}", name));
            }
        }
    }
    json!({"exp_labels": alert.get("labels").cloned().unwrap_or_else(|| json!({})), "exp_annotations": annotations})
}

/// Input series giving the SLO an error ratio of `ratio`, with the minute from which the
/// alert conditions hold. A latency SLO gets its histogram's counters (so the test covers
/// the indicator too); a ratio SLO, whose `good` and `total` can be any PromQL, gets the
/// recorded error ratios themselves (its raw series are absent, so its recording rules
/// record nothing that could clash).
fn input_series(ctx: &EnvContext<'_>, t: &TenantModel, name: &str, s: &Slo, ratio: f64) -> Option<(Vec<Value>, u64)> {
    let steps = EVAL_AT_MIN + 5;
    if let Some(latency) = s.latency.as_ref().filter(|_| s.good.is_none()) {
        let seconds = slo::threshold_seconds(s)?;
        let total: u64 = 100_000;
        let good = (total as f64 * (1.0 - ratio)).round() as u64;
        let m = &latency.metric;
        let series = [
            (format!("{m}_bucket{{le=\"{seconds}\"}}"), good),
            (format!("{m}_count"), total),
        ];
        let out = series
            .iter()
            .map(|(sel, per_min)| {
                let sel = confined(ctx, &t.id, sel)?;
                Some(json!({"series": sel, "values": format!("0+{per_min}x{steps}")}))
            })
            .collect::<Option<Vec<_>>>()?;
        // rate() needs two samples: the conditions hold from the second minute.
        return Some((out, 1));
    }
    let matcher = slo::slo_matcher(name);
    let out = RATE_WINDOWS
        .iter()
        .map(|w| {
            let sel = confined(ctx, &t.id, &format!("{}{{{matcher}}}", error_ratio_record(w)))?;
            Some(json!({"series": sel, "values": format!("{ratio}+0x{steps}")}))
        })
        .collect::<Option<Vec<_>>>()?;
    Some((out, 0))
}

#[cfg(test)]
mod tests;
