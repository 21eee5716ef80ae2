# Helpers shared by the built-in packs (and usable by project policies as data.strata.lib).
# Only functions: a reference to a rule of this package would make the interpreter
# evaluate the package's rules for every tenant.
package strata.lib

import rego.v1

# Seconds in a Prometheus duration such as "30s", "1h30m" or "90d"; undefined when it
# does not parse. strata_duration_seconds is a function strata provides (parsed in Rust).
duration_seconds(d) := strata_duration_seconds(d) if is_string(d)

duration_days(d) := duration_seconds(d) / 86400

# A secret field given as a literal. The input never holds secret values: a secret given as
# `${VAR}` appears as that reference, a literal one as "<redacted>".
literal_secret(v) if {
	is_string(v)
	not startswith(v, "${")
}

# Channels of `kind` (slack, email, webhook, pagerduty), as [name, channel] pairs.
channels_of(kind) := {[name, ch] |
	some name, ch in object.get(input.tenant, ["alerting", "channels"], {})
	ch.type == kind
}

# Names of the channels notified for alerts of `severity` (routing and escalation).
routed(severity) := {c | some c in object.get(input.tenant, ["alerting", "routing", "severities", severity], [])} | {c |
	some step in object.get(input.tenant, ["alerting", "escalation"], [])
	step.severity == severity
	some c in step.notify
}
