//! Unit tests of the SLO rules and their promtool tests.

use super::*;
use crate::model::Platform;
use crate::render::targets::prometheus::rule_groups;
use crate::render::test_support::{project, tenant};

fn acme(extra: Value) -> TenantModel {
    let mut doc = json!({
        "alerting": {"escalation": [
            {"after": "5m", "severity": "critical", "notify": ["x"]},
            {"after": "30m", "severity": "critical", "notify": ["x"]}
        ]},
        "slos": {
            "availability": {"objective": 99.9, "window": "30d",
                "good": "sum(rate(http_requests_total{status!~\"5..\"}[{{window}}]))",
                "total": "sum(rate(http_requests_total[{{window}}]))"},
            "latency": {"objective": 99, "window": "28d", "alerting": {"page": "warning", "ticket": "info"},
                "latency": {"metric": "http_request_duration_seconds", "threshold": "250ms"}}
        }
    });
    if let (Some(d), Some(e)) = (doc.as_object_mut(), extra.as_object()) {
        d.extend(e.clone());
    }
    tenant("acme", doc)
}

fn with_groups<T>(t: &TenantModel, f: impl FnOnce(&EnvContext<'_>, Vec<Value>) -> T) -> T {
    let (project, platform) = (project("tenant", "en"), Platform::default());
    let ctx = EnvContext {
        env: "production",
        project: &project,
        platform: &platform,
    };
    let groups = rule_groups(&ctx, t);
    f(&ctx, groups)
}

fn group<'a>(groups: &'a [Value], name: &str) -> &'a [Value] {
    groups
        .iter()
        .find(|g| g["name"] == name)
        .and_then(|g| g["rules"].as_array())
        .map_or(&[], Vec::as_slice)
}

/// Whitespace removed, the tenant matcher and the SLO's own matcher dropped, and the
/// recorded series named as Sloth names them.
fn normalise(expr: &str) -> String {
    expr.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .replace("{slo=\"availability\",tenant=\"acme\"}", "")
        .replace("tenant:slo_errors:", "slo:sli_error:")
}

#[test]
fn burn_rate_alerts_match_sloths_formula() {
    // Sloth's multi-window multi-burn-rate alerts for objective 99.9 (budget 0.001):
    // page = 14.4x over 1h and 5m or 6x over 6h and 30m; ticket = 3x over 1d and 2h
    // or 1x over 3d and 6h.
    let page = "(slo:sli_error:ratio_rate1h > (14.4 * 0.001)) and (slo:sli_error:ratio_rate5m > (14.4 * 0.001)) \
                or (slo:sli_error:ratio_rate6h > (6 * 0.001)) and (slo:sli_error:ratio_rate30m > (6 * 0.001))";
    let ticket = "(slo:sli_error:ratio_rate1d > (3 * 0.001)) and (slo:sli_error:ratio_rate2h > (3 * 0.001)) \
                  or (slo:sli_error:ratio_rate3d > (1 * 0.001)) and (slo:sli_error:ratio_rate6h > (1 * 0.001))";
    with_groups(&acme(json!({})), |_, groups| {
        let rules = group(&groups, "acme.slo.availability");
        let expr = |alert: &str| {
            let rule = rules
                .iter()
                .find(|r| r["alert"] == alert && r.get("for").is_none())
                .unwrap_or_else(|| panic!("no {alert}"));
            normalise(rule["expr"].as_str().unwrap_or_default())
        };
        assert_eq!(expr("SloErrorBudgetBurnPage"), normalise(page));
        assert_eq!(expr("SloErrorBudgetBurnTicket"), normalise(ticket));
    });
}

#[test]
fn one_group_per_slo_with_every_window_and_the_budget() {
    with_groups(&acme(json!({})), |_, groups| {
        let rules = group(&groups, "acme.slo.latency");
        let records: Vec<&str> = rules.iter().filter_map(|r| r["record"].as_str()).collect();
        assert_eq!(
            records,
            [
                "tenant:slo_errors:ratio_rate5m",
                "tenant:slo_errors:ratio_rate30m",
                "tenant:slo_errors:ratio_rate1h",
                "tenant:slo_errors:ratio_rate2h",
                "tenant:slo_errors:ratio_rate6h",
                "tenant:slo_errors:ratio_rate1d",
                "tenant:slo_errors:ratio_rate3d",
                "tenant:slo_errors:ratio_rate28d",
                "tenant:slo_error_budget:remaining_ratio",
            ]
        );
        for r in rules {
            assert_eq!(r["labels"]["slo"], "latency", "{r}");
            assert_eq!(r["labels"]["tenant"], "acme", "{r}");
            let expr = r["expr"].as_str().unwrap_or_default();
            assert!(promql_parser::parser::parse(expr).is_ok(), "{expr}");
            assert!(!expr.contains("{{window}}"), "{expr}");
        }
        assert!(
            rules[2]["expr"]
                .as_str()
                .unwrap_or_default()
                .contains("http_request_duration_seconds_bucket{le=\"0.25\",tenant=\"acme\"}[1h]")
        );
        assert_eq!(
            rules[8]["expr"],
            "1 - tenant:slo_errors:ratio_rate28d{slo=\"latency\",tenant=\"acme\"} / 0.01"
        );
        // Severities from `alerting`; no escalation copies, as no step is `warning`.
        let severities: Vec<(&str, &str)> = rules
            .iter()
            .filter_map(|r| Some((r["alert"].as_str()?, r["labels"]["severity"].as_str()?)))
            .collect();
        assert_eq!(
            severities,
            [
                ("SloErrorBudgetBurnPage", "warning"),
                ("SloErrorBudgetBurnTicket", "info")
            ]
        );
    });
}

#[test]
fn page_alerts_get_escalation_copies() {
    with_groups(&acme(json!({})), |_, groups| {
        let fors: Vec<Option<&str>> = group(&groups, "acme.slo.availability")
            .iter()
            .filter(|r| r["alert"] == "SloErrorBudgetBurnPage")
            .map(|r| r["for"].as_str())
            .collect();
        assert_eq!(fors, [None, Some("5m"), Some("30m")]);
    });
}

fn test_named<'a>(tests: &'a [Value], fragment: &str) -> &'a Value {
    tests
        .iter()
        .find(|t| t["name"].as_str().is_some_and(|n| n.contains(fragment)))
        .unwrap_or_else(|| panic!("no test {fragment}"))
}

fn expected<'a>(test: &'a Value, alert: &str) -> &'a [Value] {
    test["alert_rule_test"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["alertname"] == alert))
        .and_then(|c| c["exp_alerts"].as_array())
        .map_or(&[], Vec::as_slice)
}

#[test]
fn tests_expect_pages_at_20x_and_silence_at_half() {
    let t = acme(json!({}));
    with_groups(&t, |ctx, groups| {
        let tests = slo_tests(ctx, &t, &groups);
        assert_eq!(tests.len(), 4, "two scenarios per SLO");
        let fast = test_named(&tests, "availability: sustained 20x");
        // The page alert and its 5m escalation copy fire by 10m; the 30m copy does not.
        let pages = expected(fast, "SloErrorBudgetBurnPage");
        let escalations: Vec<&Value> = pages.iter().map(|p| &p["exp_labels"]["escalation"]).collect();
        assert_eq!(escalations, [&Value::Null, &json!("5m")]);
        assert_eq!(
            pages[0]["exp_annotations"]["summary"],
            "SLO availability: the error budget burns fast"
        );
        let series = fast["input_series"][0]["series"].as_str().unwrap_or_default();
        assert_eq!(
            series,
            "tenant:slo_errors:ratio_rate5m{slo=\"availability\",tenant=\"acme\"}"
        );
        assert_eq!(fast["input_series"][0]["values"], "0.02+0x15");
        let calm = test_named(&tests, "availability: sustained 0.5x");
        assert!(expected(calm, "SloErrorBudgetBurnPage").is_empty());
        assert!(expected(calm, "SloErrorBudgetBurnTicket").is_empty());
        // A latency SLO is tested from its histogram: 20% of requests above 250ms.
        let latency = test_named(&tests, "latency: sustained 20x");
        let inputs: Vec<(&str, &str)> = latency["input_series"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| Some((s["series"].as_str()?, s["values"].as_str()?)))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            inputs,
            [
                (
                    "http_request_duration_seconds_bucket{le=\"0.25\",tenant=\"acme\"}",
                    "0+80000x15"
                ),
                ("http_request_duration_seconds_count{tenant=\"acme\"}", "0+100000x15"),
            ]
        );
    });
}

#[test]
fn impossible_burns_are_not_tested() {
    // Objective 90: a 20x burn of the 10 % budget would need 200 % of events to fail.
    let t = acme(json!({"slos": {"loose": {"objective": 90,
        "good": "sum(rate(ok[{{window}}]))", "total": "sum(rate(all[{{window}}]))"}}}));
    with_groups(&t, |ctx, groups| {
        let tests = slo_tests(ctx, &t, &groups);
        let names: Vec<&str> = tests.iter().filter_map(|t| t["name"].as_str()).collect();
        assert_eq!(names, ["slo loose: sustained 0.5x burn of the 10% error budget"]);
    });
}

#[test]
fn hostile_slo_names_stay_label_values() {
    let name = "a\"} or up{x=\"$y {{ .z }}";
    let t = tenant(
        "acme",
        json!({"slos": {name: {"objective": 99.5,
            "good": "sum(rate(ok[{{window}}]))", "total": "sum(rate(all[{{window}}]))"}}}),
    );
    with_groups(&t, |ctx, groups| {
        let rules = group(&groups, &format!("acme.slo.{name}"));
        assert_eq!(rules.len(), 11);
        for r in rules {
            assert_eq!(r["labels"]["slo"], name, "{r}");
            let expr = r["expr"].as_str().unwrap_or_default();
            assert!(promql_parser::parser::parse(expr).is_ok(), "{expr}");
            // The name only ever appears as one quoted label value.
            let outside = expr.replace(&format!("{name:?}"), "NAME");
            assert!(!outside.contains(" or up") && !outside.contains('$'), "{expr}");
        }
        let tests = slo_tests(ctx, &t, &groups);
        let page = expected(test_named(&tests, "20x"), "SloErrorBudgetBurnPage");
        assert_eq!(
            page[0]["exp_annotations"]["summary"],
            format!("SLO {name}: the error budget burns fast")
        );
    });
}
