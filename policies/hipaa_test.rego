package strata.hipaa_test

import rego.v1

import data.strata.hipaa

good := {
	"id": "good",
	"compliance": ["hipaa"],
	"security": {"encryption": "AES-256-GCM", "audit_logging": true, "isolation": "strict"},
	"alerting": {"channels": {
		"mail": {"type": "email", "to": "sec@example.com"},
		"siem": {"type": "webhook", "url": "https://siem.example/ingest"},
	}},
}

tls := {"alertmanager": {"smtp": {"smarthost": "smtp:587", "from": "a@b.c", "require_tls": true}}}

ids_on(tenant, platform) := {v.id | some v in hipaa.violation with input as {"tenant": tenant, "env": "production", "platform": platform}}

ids(tenant) := ids_on(tenant, tls)

patched(op, path, value) := json.patch(good, [{"op": op, "path": path, "value": value}])

test_good_tenant_passes if {
	count(ids(good)) == 0
}

test_hipaa_001_not_encrypted if {
	"HIPAA-001" in ids(patched("replace", "/security/encryption", "none"))
	"HIPAA-001" in ids(json.patch(good, [{"op": "remove", "path": "/security/encryption"}]))
}

test_hipaa_002_audit_logging_off if {
	"HIPAA-002" in ids(patched("replace", "/security/audit_logging", false))
}

test_hipaa_003_plain_http_webhook if {
	"HIPAA-003" in ids(patched("replace", "/alerting/channels/siem/url", "http://siem.example/ingest"))
}

test_hipaa_004_email_without_tls if {
	"HIPAA-004" in ids_on(good, {"alertmanager": {"smtp": {"smarthost": "smtp:25", "from": "a@b.c"}}})
}

test_hipaa_005_shared_isolation if {
	"HIPAA-005" in ids(patched("replace", "/security/isolation", "shared"))
}
