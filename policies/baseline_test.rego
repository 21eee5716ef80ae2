package strata.baseline_test

import rego.v1

import data.strata.baseline

# A tenant that satisfies every baseline rule in production.
good := {
	"id": "good",
	"tier": "enterprise",
	"autoscaling": {"enabled": true},
	"monitoring": {"retention": "30d"},
	"security": {"isolation": "strict"},
	"alerting": {
		"channels": {
			"slack": {"type": "slack", "webhook_url": "${SLACK_HOOK}"},
			"pager": {"type": "pagerduty", "routing_key_file": "/secrets/pd"},
			"hook": {"type": "webhook", "url": "https://hooks.example/alert"},
		},
		"routing": {"severities": {"critical": ["pager"]}},
		"rules": {"Down": {"expr": "up == 0", "severity": "critical", "runbook_url": "https://runbooks/down"}},
	},
}

platform := {"alertmanager": {"smtp": {"smarthost": "smtp:587", "from": "a@b.c", "auth_password": "${SMTP_PASSWORD}"}}}

ids(tenant, env) := {v.id | some v in baseline.violation with input as {"tenant": tenant, "env": env, "platform": platform}}

test_good_tenant_passes if {
	count(ids(good, "production")) == 0
}

test_base_001_literal_webhook if {
	"BASE-001" in ids(json.patch(good, [{"op": "replace", "path": "/alerting/channels/slack/webhook_url", "value": "<redacted>"}]), "dev")
}

test_base_001_literal_smtp_password if {
	"BASE-001" in {v.id | some v in baseline.violation with input as {"tenant": good, "env": "dev", "platform": {"alertmanager": {"smtp": {"auth_password": "<redacted>"}}}}}
}

test_base_002_shared_in_production if {
	t := json.patch(good, [{"op": "replace", "path": "/security/isolation", "value": "shared"}])
	"BASE-002" in ids(t, "production")
	not "BASE-002" in ids(t, "dev")
}

test_base_003_critical_without_runbook if {
	"BASE-003" in ids(json.patch(good, [{"op": "remove", "path": "/alerting/rules/Down/runbook_url"}]), "dev")
}

test_base_004_critical_not_routed if {
	"BASE-004" in ids(json.patch(good, [{"op": "remove", "path": "/alerting/routing"}]), "dev")
}

test_base_004_escalation_counts_as_route if {
	t := json.patch(good, [
		{"op": "remove", "path": "/alerting/routing"},
		{"op": "add", "path": "/alerting/escalation", "value": [{"after": "5m", "severity": "critical", "notify": ["pager"]}]},
	])
	not "BASE-004" in ids(t, "dev")
}

test_base_005_plain_http_webhook if {
	"BASE-005" in ids(json.patch(good, [{"op": "replace", "path": "/alerting/channels/hook/url", "value": "http://hooks.example/alert"}]), "dev")
}

test_base_006_enterprise_without_autoscaling if {
	t := json.patch(good, [{"op": "replace", "path": "/autoscaling/enabled", "value": false}])
	"BASE-006" in ids(t, "production")
	not "BASE-006" in ids(t, "staging")
}

test_base_007_short_retention if {
	"BASE-007" in ids(json.patch(good, [{"op": "replace", "path": "/monitoring/retention", "value": "3d"}]), "dev")
	not "BASE-007" in ids(json.patch(good, [{"op": "replace", "path": "/monitoring/retention", "value": "1w"}]), "dev")
}
