package strata.gdpr_test

import rego.v1

import data.strata.gdpr

good := {
	"id": "good",
	"compliance": ["gdpr"],
	"region": "eu-west-1",
	"data_retention": "30d",
	"monitoring": {"retention": "30d"},
	"alerting": {
		"channels": {
			"chat": {"type": "slack", "webhook_url": "${HOOK}"},
			"mail": {"type": "email", "to": "ops@example.com"},
		},
		"routing": {"group_by": ["alertname"], "severities": {"warning": ["chat"], "critical": ["mail"]}},
		"rules": {
			"Slow": {"expr": "x > 1", "severity": "warning", "labels": {"team": "api"}},
			"Down": {"expr": "up == 0", "severity": "critical", "labels": {"user_id": "x"}},
		},
	},
}

ids(tenant) := {v.id | some v in gdpr.violation with input as {"tenant": tenant, "env": "production", "platform": {}}}

patched(op, path, value) := json.patch(good, [{"op": op, "path": path, "value": value}])

test_good_tenant_passes if {
	count(ids(good)) == 0
}

test_gdpr_001_no_declared_retention if {
	"GDPR-001" in ids(json.patch(good, [{"op": "remove", "path": "/data_retention"}]))
}

test_gdpr_002_region_outside_eu if {
	"GDPR-002" in ids(patched("replace", "/region", "us-east-1"))
}

test_gdpr_003_retention_beyond_declared if {
	"GDPR-003" in ids(patched("replace", "/monitoring/retention", "90d"))
	not "GDPR-003" in ids(patched("replace", "/monitoring/retention", "720h"))
}

test_gdpr_004_personal_label_sent_to_chat if {
	"GDPR-004" in ids(patched("add", "/alerting/rules/Slow/labels/client_ip", "x"))
	"GDPR-004" in ids(patched("add", "/alerting/rules/Slow/labels/email", "x"))
}

test_gdpr_004_personal_label_not_sent_to_chat_is_fine if {
	# `Down` carries user_id but critical alerts go to e-mail only.
	not "GDPR-004" in ids(good)
}

test_gdpr_005_group_by_personal_label if {
	"GDPR-005" in ids(patched("replace", "/alerting/routing/group_by", ["alertname", "user"]))
}
