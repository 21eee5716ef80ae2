//! Unit tests of the routing tree and the emitted YAML.

use super::*;
use crate::model::Platform;
use crate::render::test_support::{project, tenant};

fn acme() -> TenantModel {
    tenant(
        "acme",
        json!({"locale": "de", "alerting": {
            "channels": {
                "slack": {"type": "slack", "webhook_url_file": "/s", "channel": "#a"},
                "mail": {"type": "email", "to": "a@b.c"},
                "pager": {"type": "pagerduty", "routing_key_file": "/p"},
                "unused": {"type": "webhook", "url": "https://u"},
            },
            "routing": {"group_by": ["alertname"], "repeat_interval": "2h",
                        "severities": {"warning": ["slack"], "critical": ["slack", "mail", "slack"]}},
            "escalation": [
                {"after": "30m", "severity": "critical", "notify": ["pager"]},
                {"after": "30m", "severity": "critical", "notify": ["mail", "pager"]},
            ],
        }}),
    )
}

fn render(label: &str, tenants: &[TenantModel]) -> Value {
    let project = project(label, "fr");
    let platform = Platform::default();
    let ctx = EnvContext {
        env: "dev",
        project: &project,
        platform: &platform,
    };
    config(&ctx, tenants)
}

/// Every receiver reachable below `route`.
fn reachable(route: &Value, out: &mut Vec<String>) {
    if let Some(r) = route["receiver"].as_str() {
        out.push(r.to_string());
    }
    for child in route["routes"].as_array().into_iter().flatten() {
        reachable(child, out);
    }
}

#[test]
fn tenant_route_fans_out_escalation_first_then_severities() {
    let config = render("tenant", &[acme()]);
    let route = &config["route"]["routes"][0];
    assert_eq!(route["matchers"], json!(["tenant=\"acme\""]));
    assert_eq!(route["receiver"], NULL_RECEIVER);
    assert_eq!(route["group_by"], json!(["alertname"]));
    assert_eq!(route["repeat_interval"], "2h");
    let children = route["routes"].as_array().cloned().unwrap_or_default();
    let matchers: Vec<&Value> = children.iter().map(|c| &c["matchers"]).collect();
    assert_eq!(
        matchers,
        [
            &json!(["severity=\"critical\"", "escalation=\"30m\""]),
            &json!(["severity=\"warning\""]),
            &json!(["severity=\"critical\""]),
        ]
    );
    let leaves = |i: usize| -> Vec<Value> {
        children[i]["routes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| {
                assert_eq!(l["continue"], true);
                l["receiver"].clone()
            })
            .collect()
    };
    assert_eq!(leaves(0), [json!("acme/pager"), json!("acme/mail")], "steps merged");
    assert_eq!(leaves(1), [json!("acme/slack")]);
    assert_eq!(leaves(2), [json!("acme/slack"), json!("acme/mail")], "deduplicated");
    assert!(children.iter().all(|c| c.get("continue").is_none()));
    let names: Vec<&str> = config["receivers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["strata-null", "acme/slack", "acme/mail", "acme/pager"],
        "unused channels get no receiver"
    );
    assert_eq!(
        config["receivers"][1]["slack_configs"][0]["text"],
        "{{ template \"strata.slack.text.de\" . }}"
    );
}

#[test]
fn tenants_reach_only_their_own_receivers() {
    let other = tenant(
        "other",
        json!({"alerting": {"channels": {"slack": {"type": "slack", "webhook_url": "https://x", "channel": "#o"}},
                            "routing": {"severities": {"critical": ["slack"]}}}}),
    );
    let bare = tenant("bare", json!({}));
    let config = render("team", &[acme(), other, bare]);
    let routes = config["route"]["routes"].as_array().cloned().unwrap_or_default();
    assert_eq!(routes.len(), 3);
    for route in &routes {
        let id = route["matchers"][0]
            .as_str()
            .and_then(|m| m.strip_prefix("team=\""))
            .and_then(|m| m.strip_suffix('"'))
            .unwrap_or_else(|| panic!("{route}"));
        let mut names = Vec::new();
        reachable(route, &mut names);
        for name in names {
            assert!(
                name == NULL_RECEIVER || name.starts_with(&format!("{id}/")),
                "{id} reaches {name}"
            );
        }
    }
    assert_eq!(
        routes[2],
        json!({"matchers": ["team=\"bare\""], "receiver": NULL_RECEIVER})
    );
    assert_eq!(
        config["receivers"][4]["slack_configs"][0]["title"], "{{ template \"strata.slack.title.fr\" . }}",
        "project default locale"
    );
    assert_eq!(config["inhibit_rules"][0]["equal"], json!(["alertname", "team"]));
}

#[test]
fn hostile_names_stay_strings_and_add_no_routes() {
    let hostile = "x\"\n- receiver: evil\n{{ template \"x\" }}\\";
    let t = tenant(
        "acme",
        json!({"alerting": {
            "channels": {hostile: {"type": "slack", "webhook_url_file": "/s", "channel": "#a{{ .Receiver }}"}},
            "routing": {"severities": {"critical": [hostile]}},
        }}),
    );
    let config = render("tenant", &[t]);
    let text = crate::render::yaml::to_yaml(&config);
    let (node, diags) = crate::load::parse_yaml(&text, crate::diag::FileId(0));
    assert!(diags.is_empty(), "{diags:?}\n{text}");
    assert_eq!(node.map(|n| n.to_json(None)), Some(config.clone()), "{text}");
    let leaf = &config["route"]["routes"][0]["routes"][0]["routes"];
    assert_eq!(leaf.as_array().map(Vec::len), Some(1));
    assert_eq!(leaf[0]["receiver"], format!("acme/{hostile}"));
    assert_eq!(
        config["receivers"][1]["slack_configs"][0]["channel"],
        "#a{{ \"{{\" }} .Receiver }}"
    );
}

#[test]
fn matchers_escape_their_values() {
    assert_eq!(matcher("tenant", "a\"b\\c\nd"), "tenant=\"a\\\"b\\\\c\\nd\"");
}

#[test]
fn render_env_writes_config_and_one_template_per_locale() {
    let project = project("tenant", "fr");
    let platform = Platform::default();
    let ctx = EnvContext {
        env: "dev",
        project: &project,
        platform: &platform,
    };
    let paths: Vec<String> = render_env(&ctx, &[acme()]).into_iter().map(|a| a.path).collect();
    assert_eq!(
        paths,
        [
            "dev/alertmanager/alertmanager.yml",
            "dev/alertmanager/templates/strata.de.tmpl",
            "dev/alertmanager/templates/strata.en.tmpl",
            "dev/alertmanager/templates/strata.fr.tmpl",
        ]
    );
}
