# HIPAA: applies to tenants listing `hipaa` in `compliance`.
package strata.hipaa

import rego.v1

import data.strata.lib

# METADATA
# title: PHI is not encrypted at rest
# description: The HIPAA Security Rule (164.312(a)(2)(iv)) expects encryption of electronic PHI at rest.
# custom:
#   id: HIPAA-001
#   severity: error
#   frameworks: [hipaa]
#   remediation: Set `security.encryption` to AES-256-GCM (or ChaCha20-Poly1305).
violation contains v if {
	enc := object.get(input.tenant, ["security", "encryption"], "none")
	not enc in {"AES-256-GCM", "ChaCha20-Poly1305"}
	v := {"id": "HIPAA-001", "msg": sprintf("encryption at rest is `%s`", [enc]), "path": "security.encryption"}
}

# METADATA
# title: Audit logging is off
# description: The HIPAA Security Rule (164.312(b)) requires audit controls recording access to PHI.
# custom:
#   id: HIPAA-002
#   severity: error
#   frameworks: [hipaa]
#   remediation: Set `security.audit_logging` to true.
violation contains v if {
	object.get(input.tenant, ["security", "audit_logging"], false) != true
	v := {"id": "HIPAA-002", "msg": "audit logging is off", "path": "security.audit_logging"}
}

# METADATA
# title: Webhook without HTTPS
# description: The HIPAA Security Rule (164.312(e)(1)) requires transmission security; alert payloads may carry PHI.
# custom:
#   id: HIPAA-003
#   severity: error
#   frameworks: [hipaa]
#   remediation: Use an `https://` URL for the webhook.
violation contains v if {
	some [name, ch] in lib.channels_of("webhook")
	not startswith(ch.url, "https://")
	v := {"id": "HIPAA-003", "msg": sprintf("webhook channel `%s` does not use https", [name]), "path": sprintf("alerting.channels.%s.url", [name])}
}

# METADATA
# title: E-mail receiver without TLS
# description: E-mail notifications may carry PHI; the SMTP relay must require TLS (164.312(e)(1)).
# custom:
#   id: HIPAA-004
#   severity: error
#   frameworks: [hipaa]
#   remediation: Set `platform.alertmanager.smtp.require_tls` to true in the environment, or use another channel type.
violation contains v if {
	some [name, _] in lib.channels_of("email")
	object.get(input.platform, ["alertmanager", "smtp", "require_tls"], false) != true
	v := {
		"id": "HIPAA-004",
		"msg": sprintf("e-mail channel `%s` is sent through an SMTP relay that does not require TLS", [name]),
		"path": sprintf("alerting.channels.%s", [name]),
	}
}

# METADATA
# title: PHI tenant shares resources
# description: PHI workloads must not share namespaces with other tenants in any environment (164.308(a)(4)).
# custom:
#   id: HIPAA-005
#   severity: error
#   frameworks: [hipaa]
#   remediation: Set `security.isolation` to `strict`.
violation contains v if {
	object.get(input.tenant, ["security", "isolation"], "unset") != "strict"
	v := {"id": "HIPAA-005", "msg": "isolation is not strict", "path": "security.isolation"}
}
