package strata.soc2_test

import rego.v1

import data.strata.soc2

good := {
	"id": "good",
	"compliance": ["soc2"],
	"monitoring": {"retention": "90d"},
	"security": {"audit_logging": true, "encryption": "AES-256-GCM", "key_rotation_days": 90},
	"backup": {"enabled": true, "retention_days": 30},
}

ids(tenant) := {v.id | some v in soc2.violation with input as {"tenant": tenant, "env": "production", "platform": {}}}

patched(op, path, value) := json.patch(good, [{"op": op, "path": path, "value": value}])

test_good_tenant_passes if {
	count(ids(good)) == 0
}

test_soc2_001_audit_logging_off if {
	"SOC2-001" in ids(patched("replace", "/security/audit_logging", false))
}

test_soc2_002_weak_encryption if {
	"SOC2-002" in ids(patched("replace", "/security/encryption", "AES-256-CBC"))
}

test_soc2_003_slow_key_rotation if {
	"SOC2-003" in ids(patched("replace", "/security/key_rotation_days", 180))
	"SOC2-003" in ids(json.patch(good, [{"op": "remove", "path": "/security/key_rotation_days"}]))
}

test_soc2_004_short_retention if {
	"SOC2-004" in ids(patched("replace", "/monitoring/retention", "30d"))
	not "SOC2-004" in ids(patched("replace", "/monitoring/retention", "2160h"))
}

test_soc2_005_backups_disabled if {
	"SOC2-005" in ids(patched("replace", "/backup/enabled", false))
}

test_soc2_006_short_backup_retention if {
	"SOC2-006" in ids(patched("replace", "/backup/retention_days", 7))
}
