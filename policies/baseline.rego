# Baseline: applies to every tenant in every environment.
package strata.baseline

import rego.v1

import data.strata.lib

# Looked up once per evaluation; the rules below iterate these directly (function calls
# per item cost more in the interpreter).
channels := object.get(input.tenant, ["alerting", "channels"], {})

rules := object.get(input.tenant, ["alerting", "rules"], {})

critical_rules contains key if {
	some key, rule in rules
	rule.severity == "critical"
}

# METADATA
# title: Secret given as a literal
# description: >-
#   Slack webhook URLs, PagerDuty routing keys and SMTP passwords are secrets. Written as
#   literals they end up in git history, in build output and in every clone of the repo.
# custom:
#   id: BASE-001
#   severity: error
#   frameworks: []
#   remediation: Give the secret as a `${VAR}` reference or use the `*_file` variant of the field.
violation contains v if {
	some name, ch in channels
	some field in ["webhook_url", "routing_key"]
	value := ch[field]
	is_string(value)
	not startswith(value, "${")
	v := {
		"id": "BASE-001",
		"msg": sprintf("channel `%s` gives its `%s` as a literal", [name, field]),
		"path": sprintf("alerting.channels.%s.%s", [name, field]),
	}
}

violation contains v if {
	lib.literal_secret(input.platform.alertmanager.smtp.auth_password)
	v := {
		"id": "BASE-001",
		"msg": "the SMTP relay password is given as a literal",
		"path": "platform.alertmanager.smtp.auth_password",
	}
}

# METADATA
# title: Tenant isolation is not strict in production
# description: >-
#   In production every tenant gets its own namespace and network policy; a shared tenant
#   can reach, and be reached by, its neighbours.
# custom:
#   id: BASE-002
#   severity: error
#   remediation: Set `security.isolation` to `strict` for production (tenants/<id>/production.yaml or the environment file).
violation contains v if {
	input.env == "production"
	object.get(input.tenant, ["security", "isolation"], "unset") != "strict"
	v := {
		"id": "BASE-002",
		"msg": sprintf("isolation is `%v` in production", [object.get(input.tenant, ["security", "isolation"], "unset")]),
		"path": "security.isolation",
	}
}

# METADATA
# title: Critical alert without a runbook
# description: >-
#   A critical alert pages someone, usually at night; without a runbook link the on-call
#   engineer starts from nothing.
# custom:
#   id: BASE-003
#   severity: error
#   remediation: Add `runbook_url` to the rule, pointing at the runbook of this alert.
violation contains v if {
	some key in critical_rules
	object.get(rules[key], "runbook_url", "") == ""
	v := {
		"id": "BASE-003",
		"msg": sprintf("critical alert `%s` has no runbook_url", [key]),
		"path": sprintf("alerting.rules.%s", [key]),
	}
}

# METADATA
# title: Critical alerts are not routed
# description: >-
#   The tenant defines critical alerts but no channel receives critical notifications, so
#   they fire into the void.
# custom:
#   id: BASE-004
#   severity: error
#   remediation: List at least one channel under `alerting.routing.severities.critical`.
violation contains v if {
	count(critical_rules) > 0
	count(lib.routed("critical")) == 0
	v := {
		"id": "BASE-004",
		"msg": "critical alerts are defined but no channel receives them",
		"path": "alerting.routing.severities.critical",
	}
}

# METADATA
# title: Webhook URL is not HTTPS
# description: >-
#   Alert payloads carry tenant names, hosts and error details; over plain HTTP anyone on
#   the path can read or alter them.
# custom:
#   id: BASE-005
#   severity: warning
#   remediation: Use an `https://` URL for the webhook.
violation contains v if {
	some name, ch in channels
	ch.type == "webhook"
	not startswith(ch.url, "https://")
	v := {
		"id": "BASE-005",
		"msg": sprintf("webhook channel `%s` does not use https", [name]),
		"path": sprintf("alerting.channels.%s.url", [name]),
	}
}

# METADATA
# title: Autoscaling disabled for an enterprise tenant in production
# description: >-
#   Enterprise contracts promise capacity under load; a fixed replica count in production
#   breaks that promise at the first traffic spike.
# custom:
#   id: BASE-006
#   severity: error
#   remediation: Set `autoscaling.enabled` to true for production.
violation contains v if {
	input.env == "production"
	input.tenant.tier == "enterprise"
	object.get(input.tenant, ["autoscaling", "enabled"], false) != true
	v := {
		"id": "BASE-006",
		"msg": "autoscaling is disabled for an enterprise tenant in production",
		"path": "autoscaling.enabled",
	}
}

# METADATA
# title: Metrics retention shorter than 7 days
# description: >-
#   With less than a week of metrics an incident that started on a Friday cannot be
#   investigated on Monday, and weekly patterns are invisible.
# custom:
#   id: BASE-007
#   severity: warning
#   remediation: Set `monitoring.retention` to at least 7d.
violation contains v if {
	retention := object.get(input.tenant, ["monitoring", "retention"], "0s")
	lib.duration_days(retention) < 7
	v := {
		"id": "BASE-007",
		"msg": sprintf("metrics retention is %s, shorter than 7d", [retention]),
		"path": "monitoring.retention",
	}
}
