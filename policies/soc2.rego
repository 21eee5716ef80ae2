# SOC 2: applies to tenants listing `soc2` in `compliance`.
package strata.soc2

import rego.v1

import data.strata.lib

# METADATA
# title: Audit logging is off
# description: SOC 2 CC7.2 asks for a record of who did what; without audit logs there is no evidence.
# custom:
#   id: SOC2-001
#   severity: error
#   frameworks: [soc2]
#   remediation: Set `security.audit_logging` to true.
violation contains v if {
	object.get(input.tenant, ["security", "audit_logging"], false) != true
	v := {"id": "SOC2-001", "msg": "audit logging is off", "path": "security.audit_logging"}
}

# METADATA
# title: Encryption at rest is not AES-256-GCM
# description: SOC 2 CC6.1 (logical access) is met on this platform with AES-256-GCM encryption at rest.
# custom:
#   id: SOC2-002
#   severity: error
#   frameworks: [soc2]
#   remediation: Set `security.encryption` to `AES-256-GCM`.
violation contains v if {
	enc := object.get(input.tenant, ["security", "encryption"], "unset")
	enc != "AES-256-GCM"
	v := {"id": "SOC2-002", "msg": sprintf("encryption at rest is `%v`, not AES-256-GCM", [enc]), "path": "security.encryption"}
}

# METADATA
# title: Keys are rotated less often than every 90 days
# description: SOC 2 key management expects encryption keys to be rotated at least every 90 days.
# custom:
#   id: SOC2-003
#   severity: error
#   frameworks: [soc2]
#   remediation: Set `security.key_rotation_days` to 90 or less.
violation contains v if {
	days := object.get(input.tenant, ["security", "key_rotation_days"], 0)
	not key_rotation_ok(days)
	v := {
		"id": "SOC2-003",
		"msg": sprintf("key rotation every %v days (at most 90 required)", [days]),
		"path": "security.key_rotation_days",
	}
}

key_rotation_ok(days) if {
	days > 0
	days <= 90
}

# METADATA
# title: Metrics retention shorter than 90 days
# description: SOC 2 audits look back over the audit period; 90 days of monitoring evidence is the minimum kept.
# custom:
#   id: SOC2-004
#   severity: error
#   frameworks: [soc2]
#   remediation: Set `monitoring.retention` to 90d or more.
violation contains v if {
	retention := object.get(input.tenant, ["monitoring", "retention"], "0s")
	lib.duration_days(retention) < 90
	v := {"id": "SOC2-004", "msg": sprintf("metrics retention is %s, shorter than 90d", [retention]), "path": "monitoring.retention"}
}

# METADATA
# title: Backups are disabled
# description: SOC 2 availability criteria (A1.2) require backups of tenant data.
# custom:
#   id: SOC2-005
#   severity: error
#   frameworks: [soc2]
#   remediation: Set `backup.enabled` to true with a schedule.
violation contains v if {
	object.get(input.tenant, ["backup", "enabled"], false) != true
	v := {"id": "SOC2-005", "msg": "backups are disabled", "path": "backup.enabled"}
}

# METADATA
# title: Backups kept less than 30 days
# description: SOC 2 availability criteria expect backups that cover at least a month of recovery points.
# custom:
#   id: SOC2-006
#   severity: error
#   frameworks: [soc2]
#   remediation: Set `backup.retention_days` to 30 or more.
violation contains v if {
	object.get(input.tenant, ["backup", "enabled"], false) == true
	days := object.get(input.tenant, ["backup", "retention_days"], 0)
	days < 30
	v := {"id": "SOC2-006", "msg": sprintf("backups are kept %v days (at least 30 required)", [days]), "path": "backup.retention_days"}
}
