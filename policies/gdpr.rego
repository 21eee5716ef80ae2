# GDPR: applies to tenants listing `gdpr` in `compliance`.
package strata.gdpr

import rego.v1

import data.strata.lib

# Label names that carry personal data (GDPR art. 4(1)): addresses, user ids, IP addresses.
personal_label(name) if regex.match(`(^|_)(e?mail|email_address|user|user_id|username|ip|ip_address|client_ip|remote_addr)($|_)`, lower(name))

chat_channels := {name | some [name, _] in lib.channels_of("slack")}

# METADATA
# title: Data retention is not declared
# description: GDPR art. 5(1)(e) (storage limitation) requires a declared retention period for personal data.
# custom:
#   id: GDPR-001
#   severity: error
#   frameworks: [gdpr]
#   remediation: Declare `data_retention` (such as 90d) in the tenant file.
violation contains v if {
	not input.tenant.data_retention
	v := {"id": "GDPR-001", "msg": "the tenant declares no data_retention", "path": "data_retention"}
}

# METADATA
# title: Region outside the EU
# description: GDPR chapter V restricts transfers of personal data out of the EU; GDPR tenants run in EU regions.
# custom:
#   id: GDPR-002
#   severity: error
#   frameworks: [gdpr]
#   remediation: Move the tenant to an EU region (eu-*), or waive the rule until the migration with a dated waiver.
violation contains v if {
	region := object.get(input.tenant, "region", "unset")
	not startswith(region, "eu-")
	v := {"id": "GDPR-002", "msg": sprintf("region `%s` is outside the EU", [region]), "path": "region"}
}

# METADATA
# title: Metrics kept longer than the declared data retention
# description: Metrics carry tenant data; keeping them longer than the tenant's declared retention breaks storage limitation (art. 5(1)(e)).
# custom:
#   id: GDPR-003
#   severity: error
#   frameworks: [gdpr]
#   remediation: Lower `monitoring.retention` to at most `data_retention`, or raise the declared retention.
violation contains v if {
	declared := lib.duration_seconds(input.tenant.data_retention)
	retention := input.tenant.monitoring.retention
	lib.duration_seconds(retention) > declared
	v := {
		"id": "GDPR-003",
		"msg": sprintf("metrics retention %s exceeds the declared data_retention %s", [retention, input.tenant.data_retention]),
		"path": "monitoring.retention",
	}
}

# METADATA
# title: Personal data in alert labels sent to chat
# description: >-
#   Labels are printed in chat notifications; a label named email, user or ip puts personal
#   data into a third-party chat tool (art. 28, art. 32).
# custom:
#   id: GDPR-004
#   severity: error
#   frameworks: [gdpr]
#   remediation: Remove or rename the label, or route the alert's severity to non-chat channels only.
violation contains v if {
	some key, rule in object.get(input.tenant, ["alerting", "rules"], {})
	some label, _ in object.get(rule, "labels", {})
	personal_label(label)
	count(lib.routed(rule.severity) & chat_channels) > 0
	v := {
		"id": "GDPR-004",
		"msg": sprintf("alert `%s` has label `%s` (personal data) and is sent to chat", [key, label]),
		"path": sprintf("alerting.rules.%s.labels.%s", [key, label]),
	}
}

# METADATA
# title: Chat notifications grouped by a personal-data label
# description: Labels in `group_by` appear in every notification title; with chat channels routed that leaks personal data to chat.
# custom:
#   id: GDPR-005
#   severity: error
#   frameworks: [gdpr]
#   remediation: Remove the label from `alerting.routing.group_by`.
violation contains v if {
	count(chat_channels) > 0
	some label in object.get(input.tenant, ["alerting", "routing", "group_by"], [])
	personal_label(label)
	v := {
		"id": "GDPR-005",
		"msg": sprintf("notifications are grouped by `%s` (personal data) and chat channels are routed", [label]),
		"path": "alerting.routing.group_by",
	}
}
