# Helpers shared by the built-in packs (and usable by project policies as data.strata.lib).
package strata.lib

import rego.v1

# Seconds in a Prometheus duration such as "30s", "1h30m" or "90d"; undefined when it
# does not parse.
duration_seconds(d) := total if {
	is_string(d)
	parts := regex.find_all_string_submatch_n(`([0-9]+)(ms|s|m|h|d|w|y)`, d, -1)
	count(parts) > 0
	total := sum([n | some p in parts; n := to_number(p[1]) * unit_seconds[p[2]]])
}

unit_seconds := {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}

duration_days(d) := duration_seconds(d) / 86400

# A secret field given as a literal. The input never holds secret values: a secret given as
# `${VAR}` appears as that reference, a literal one as "<redacted>".
literal_secret(v) if {
	is_string(v)
	not startswith(v, "${")
}

channels contains [name, ch] if some name, ch in object.get(input.tenant, ["alerting", "channels"], {})

# Channels of `kind` (slack, email, webhook, pagerduty), as [name, channel] pairs.
channels_of(kind) := {[name, ch] | some [name, ch] in channels; ch.type == kind}

production if input.env == "production"

# Names of the channels notified for alerts of `severity` (routing and escalation).
routed(severity) := {c | some c in object.get(input.tenant, ["alerting", "routing", "severities", severity], [])} | {c |
	some step in object.get(input.tenant, ["alerting", "escalation"], [])
	step.severity == severity
	some c in step.notify
}

# The alert rules of the tenant as [key, rule] pairs.
alert_rules contains [key, rule] if some key, rule in object.get(input.tenant, ["alerting", "rules"], {})
