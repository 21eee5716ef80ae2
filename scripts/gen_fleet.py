#!/usr/bin/env python3
"""Generate a synthetic but realistic strata config repository (a "fleet").

    python3 scripts/gen_fleet.py OUT_DIR --tenants N [--seed S] [--force]

Writes strata.toml, defaults.yaml, environments/{dev,staging,production}.yaml,
tenants/t0000.yaml ... and, for a tenth of the tenants, a layer-4 overlay
tenants/<id>/production.yaml. The repository is meant to check clean: every secret is given
as a *_file path, every duration uses Prometheus syntax, every PromQL expression parses and
names no other tenant, every routed channel exists, and compliance frameworks are only
claimed by tenants that satisfy them (EU regions and a declared data_retention for GDPR,
retention >= 90d for SOC 2, HTTPS-only webhooks everywhere), so the built-in policy packs
pass.

Output is a pure function of (N, seed): the same arguments give byte-identical files.
Standard library only; writes 1000 tenants in well under a second.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys

ENVIRONMENTS = ("dev", "staging", "production")

# (region, is_eu). Real AWS region names.
REGIONS = (
    ("eu-west-1", True),
    ("eu-central-1", True),
    ("eu-west-3", True),
    ("eu-north-1", True),
    ("us-east-1", False),
    ("us-east-2", False),
    ("us-west-2", False),
    ("ap-southeast-1", False),
    ("ap-northeast-1", False),
    ("ca-central-1", False),
)
EU_REGIONS = tuple(r for r, eu in REGIONS if eu)
US_REGIONS = ("us-east-1", "us-east-2", "us-west-2")

LOCALES = ("en", "de", "fr")
FEATURES = (
    "audio_processing",
    "analytics",
    "transcription",
    "recommendations",
    "batch_export",
    "realtime_streaming",
    "model_training",
    "search",
)
TEAMS = ("api", "platform", "data", "ml", "payments", "media")
COMPANY_WORDS = (
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne",
    "Soylent", "Hooli", "Vandelay", "Massive", "Aperture", "Black Mesa", "Wonka", "Oceanic",
    "Gringotts", "Monarch", "Nakatomi", "Dunder",
)
COMPANY_SUFFIXES = ("Corp", "Labs", "Music", "Media", "Studios", "GmbH", "SAS", "Inc", "AG", "Ltd")

# Quotas and scaling by tier: (api/h choices, storage choices, cpu choices, mem choices,
# min replica range, max replica range).
TIER_SHAPE = {
    "free": ((1000, 2000), (10, 20), (1, 2), (2, 4), (1, 1), (2, 3)),
    "premium": ((5000, 10000, 20000), (50, 100, 200), (4, 8), (16, 32), (2, 3), (10, 20)),
    "enterprise": ((50000, 100000, 250000), (500, 1000, 2000), (16, 32, 64), (64, 128, 256), (3, 5), (30, 100)),
}

# Alert rule pool: key -> (expr, for, severity, summary, description, runbook slug).
# Expressions are plain PromQL; strata confines every selector to the tenant.
ALERT_POOL = (
    (
        "HighErrorRate",
        'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.05',
        "10m",
        "critical",
        "Error rate above 5%",
        "{{ $value | humanizePercentage }} of requests fail",
        "high-error-rate",
    ),
    (
        "HighLatencyP99",
        "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.5",
        "15m",
        "warning",
        "p99 latency above 500ms",
        "p99 latency is {{ $value | humanizeDuration }}",
        "high-latency",
    ),
    (
        "PodCrashLooping",
        "increase(kube_pod_container_status_restarts_total[1h]) > 3",
        "5m",
        "warning",
        "Pod restarts repeatedly",
        "{{ $labels.pod }} restarted {{ $value }} times in the last hour",
        "pod-crash-looping",
    ),
    (
        "HighCpuUsage",
        "avg by (instance) (system_cpu_usage_percent) > 85",
        "15m",
        "warning",
        "CPU usage above 85%",
        "{{ $labels.instance }} uses {{ $value }}% CPU",
        "high-cpu",
    ),
    (
        "ApiQuotaNearlyExhausted",
        "max(tenant_api_quota_usage) > 0.9",
        "5m",
        "critical",
        "API quota above 90%",
        "{{ $value | humanizePercentage }} of the hourly API quota is used",
        "api-quota",
    ),
    (
        "TargetDown",
        'up{job=~".+"} == 0',
        "5m",
        "critical",
        "Scrape target down",
        "{{ $labels.instance }} of job {{ $labels.job }} has been down for 5 minutes",
        "target-down",
    ),
    (
        "SlowResponses",
        "avg(rate(tenant_response_time_seconds_sum[10m]) / rate(tenant_response_time_seconds_count[10m])) > 1",
        "20m",
        "info",
        "Average response time above 1s",
        "average response time is {{ $value }}s",
        "slow-responses",
    ),
)


def q(s: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(s, ensure_ascii=False)


def flow_list(items) -> str:
    return "[" + ", ".join(items) + "]"


STRATA_TOML = """\
[project]
name = "synthetic-fleet"
tenant_label = "tenant"
default_locale = "en"

[build]
out_dir = "out"
targets = ["prometheus", "alertmanager", "grafana", "slack", "kubernetes"]

[policies]
packs = ["baseline", "soc2", "gdpr", "hipaa"]
fail_on = "error"
"""

DEFAULTS_YAML = """\
# Layer 1: settings for every environment and tenant.
platform:
  prometheus:
    scrape_interval: 30s
    evaluation_interval: 30s
    alertmanagers: ["alertmanager.monitoring.svc:9093"]
    blackbox_exporter: "blackbox-exporter.monitoring.svc:9115"
  alertmanager:
    resolve_timeout: 5m
    smtp:
      smarthost: "smtp.example.com:587"
      from: "alerts@example.com"
      auth_username: "alerts@example.com"
      auth_password_file: /etc/alertmanager/secrets/smtp-password
      require_tls: true
  grafana:
    datasource_uid: prometheus
    folder_per_tenant: true
  kubernetes:
    namespace_prefix: tenant-
    monitoring_namespace: monitoring
tenant_defaults:
  locale: en
  monitoring:
    scrape_interval: 30s
    retention: 15d
    dashboards: [overview, performance, alerts]
  alerting:
    routing:
      group_by: [alertname, severity]
      group_wait: 30s
      group_interval: 5m
      repeat_interval: 4h
    builtin_rules:
      api_quota: {warning_percent: 80, critical_percent: 95}
      latency: {enabled: true}
      storage: {warning_percent: 85, critical_percent: 95}
  security:
    encryption: AES-256-GCM
    audit_logging: true
    key_rotation_days: 90
    allowed_ingress_namespaces: [monitoring]
  performance:
    cache_ttl: 1h
    circuit_breaker: true
  backup:
    enabled: true
    schedule: "0 2 * * *"
    retention_days: 30
"""

ENV_YAML = {
    "dev": """\
# Layer 2: the dev environment.
platform:
  cluster: dev-eu-1
  prometheus:
    scrape_interval: 1m
    evaluation_interval: 1m
    external_labels: {environment: dev, cluster: dev-eu-1}
tenant_defaults:
  autoscaling:
    enabled: false
    min_replicas: 1
    max_replicas: 2
  security:
    isolation: shared
  alerting:
    routing:
      repeat_interval: 12h
  backup:
    enabled: false
""",
    "staging": """\
# Layer 2: the staging environment.
platform:
  cluster: staging-eu-1
  prometheus:
    external_labels: {environment: staging, cluster: staging-eu-1}
tenant_defaults:
  autoscaling:
    enabled: true
    strategy: reactive
  security:
    isolation: strict
  alerting:
    routing:
      repeat_interval: 8h
""",
    "production": """\
# Layer 2: the production environment.
platform:
  cluster: prod-eu-1
  prometheus:
    scrape_interval: 15s
    evaluation_interval: 15s
    external_labels: {environment: production, cluster: prod-eu-1}
  alertmanager:
    resolve_timeout: 10m
tenant_defaults:
  autoscaling:
    enabled: true
    cpu_target_percent: 65
  security:
    isolation: strict
  backup:
    enabled: true
    retention_days: 35
""",
}


def company_name(rng: random.Random) -> str:
    return f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)}"


def tenant_doc(tid: str, rng: random.Random) -> tuple[str, dict]:
    """Return the YAML of tenants/<tid>.yaml and facts needed for its overlay."""
    tier = rng.choices(("free", "premium", "enterprise"), weights=(4, 4, 2))[0]
    # Region first; compliance follows from it so every claim is one the tenant meets.
    region = rng.choice(REGIONS)[0]
    eu = region in EU_REGIONS
    compliance: list[str] = []
    if tier != "free" and rng.random() < 0.7:
        compliance.append("soc2")
    if eu and rng.random() < 0.8:
        compliance.append("gdpr")
    if tier == "enterprise" and region in US_REGIONS and rng.random() < 0.5:
        compliance.append("hipaa")
    locale = {"eu-central-1": "de", "eu-west-3": "fr"}.get(region, None)
    if locale is None or rng.random() < 0.3:
        locale = rng.choice(LOCALES)

    api_c, sto_c, cpu_c, mem_c, min_r, max_r = TIER_SHAPE[tier]
    cpu = rng.choice(cpu_c)
    mem = rng.choice(mem_c)
    min_replicas = rng.randint(*min_r)
    max_replicas = rng.randint(*max_r)
    if max_replicas < min_replicas:
        max_replicas = min_replicas
    strategy = rng.choice(("reactive", "predictive", "scheduled")) if tier != "free" else "reactive"
    latency_ms = rng.choice((200, 300, 500, 800))
    # SOC 2 wants >= 90d of metrics and backups; GDPR wants bounded retention.
    retention_days = rng.choice((90, 180, 365)) if (compliance or tier != "free") else rng.choice((15, 30))
    backup_days = rng.choice((90, 180, 365)) if compliance else rng.choice((14, 30, 60))
    team = rng.choice(TEAMS)
    features = sorted(rng.sample(FEATURES, rng.randint(1, 4)))
    dashboards = ["overview", "performance", "business", "alerts"]
    if tier == "enterprise":
        dashboards.append("slo")

    rules = sorted(rng.sample(range(len(ALERT_POOL)), rng.randint(3, 4)))
    # Every tenant gets one critical rule at least, so the critical route and escalation matter.
    if not any(ALERT_POOL[i][3] == "critical" for i in rules):
        rules[0] = 0
        rules = sorted(set(rules))

    lines = [
        f"id: {tid}",
        f"name: {q(company_name(rng) + ' ' + tid[1:])}",
        f"contact_email: admin@{tid}.example.com",
        f"tier: {tier}",
        f"region: {region}",
        f"locale: {locale}",
    ]
    if compliance:
        lines.append(f"compliance: {flow_list(compliance)}")
    if "gdpr" in compliance:
        # GDPR storage limitation: the declared retention bounds the metrics retention
        # (policies GDPR-001, GDPR-003).
        lines.append(f"data_retention: {retention_days}d")
    lines += [
        f"features: {flow_list(features)}",
        f"quotas: {{api_requests_per_hour: {rng.choice(api_c)}, storage_gb: {rng.choice(sto_c)}, "
        f"cpu_cores: {cpu}, memory_gb: {mem}}}",
        "autoscaling:",
        f"  enabled: {'true' if tier != 'free' else 'false'}",
        f"  strategy: {strategy}",
        f"  min_replicas: {min_replicas}",
        f"  max_replicas: {max_replicas}",
        f"  cpu_target_percent: {rng.choice((60, 70, 75, 80))}",
        f"  memory_target_percent: {rng.choice((70, 80, 85))}",
        f"  latency_target: {latency_ms}ms",
    ]
    if strategy == "scheduled":
        peak = max(min_replicas, (min_replicas + max_replicas) // 2)
        lines += [
            "  schedules:",
            f'    business-hours: {{start: "0 8 * * 1-5", end: "0 19 * * 1-5", replicas: {peak}, timezone: Europe/Berlin}}',
        ]
    lines += [
        "monitoring:",
        f"  scrape_interval: {rng.choice(('15s', '30s', '1m'))}",
        f"  retention: {retention_days}d",
        "  targets:",
        f'    api: {{address: "api.tenant-{tid}.svc:9090", path: /metrics}}',
        f'    worker: {{address: "worker.tenant-{tid}.svc:9100", path: /metrics, scheme: http, labels: {{component: worker}}}}',
        "  health_checks:",
        f'    api-http: {{protocol: http, target: "https://api.{tid}.example.com/health", interval: 30s}}',
        f'    db-tcp: {{protocol: tcp, target: "db.tenant-{tid}.svc:5432", interval: 1m}}',
        f"  dashboards: {flow_list(dashboards)}",
        "  recording_rules:",
        "    request_rate:",
        '      record: "tenant:http_requests:rate5m"',
        '      expr: "sum by (service) (rate(http_requests_total[5m]))"',
        "    error_ratio:",
        '      record: "tenant:http_errors:ratio_rate5m"',
        '      expr: sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))',
        f"      labels: {{team: {team}}}",
        "alerting:",
        "  channels:",
        f"    team-slack: {{type: slack, webhook_url_file: /etc/alertmanager/secrets/{tid}/slack-webhook, "
        f'channel: "#{tid}-alerts", send_resolved: true}}',
        f"    oncall-email: {{type: email, to: oncall@{tid}.example.com}}",
        f'    pager: {{type: webhook, url: "https://hooks.{tid}.example.com/alertmanager"}}',
    ]
    has_pd = tier == "enterprise"
    if has_pd:
        lines.append(
            f"    pagerduty: {{type: pagerduty, routing_key_file: /etc/alertmanager/secrets/{tid}/pagerduty-key}}"
        )
    critical = ["team-slack", "oncall-email"] + (["pagerduty"] if has_pd else [])
    lines += [
        "  routing:",
        "    group_by: [alertname, severity]",
        f"    group_wait: {rng.choice(('10s', '30s'))}",
        "    group_interval: 5m",
        f"    repeat_interval: {rng.choice(('1h', '4h', '12h'))}",
        "    severities:",
        "      info: [team-slack]",
        "      warning: [team-slack]",
        f"      critical: {flow_list(critical)}",
        "  escalation:",
        f"    - {{after: {rng.choice(('15m', '30m', '1h'))}, severity: critical, notify: [pager]}}",
        "  rules:",
    ]
    for i in rules:
        key, expr, for_, sev, summary, desc, slug = ALERT_POOL[i]
        lines += [
            f"    {key}:",
            f"      expr: {q(expr)}",
            f"      for: {for_}",
            f"      severity: {sev}",
            f"      summary: {q(summary)}",
            f"      description: {q(desc)}",
            f"      runbook_url: https://runbooks.example.com/{slug}",
            f"      labels: {{team: {team}}}",
        ]
    quota_warn = rng.choice((70, 80))
    lines += [
        "  builtin_rules:",
        f"    api_quota: {{warning_percent: {quota_warn}, critical_percent: {rng.choice((90, 95))}}}",
        "    latency: {enabled: true}",
        f"    storage: {{warning_percent: {rng.choice((80, 85))}}}",
        "slos:",
        "  availability:",
        f"    objective: {rng.choice((99, 99.5, 99.9, 99.95))}",
        "    window: 30d",
        '    good: sum(rate(http_requests_total{status!~"5.."}[{{window}}]))',
        "    total: sum(rate(http_requests_total[{{window}}]))",
        "    alerting: {page: critical, ticket: warning}",
        "  latency:",
        f"    objective: {rng.choice((95, 99))}",
        "    window: 30d",
        f"    latency: {{metric: http_request_duration_seconds, threshold: {latency_ms}ms}}",
        "security:",
        # Tenants under a compliance framework stay on AES-256-GCM, the common auditors' choice.
        f"  encryption: {'AES-256-GCM' if compliance else rng.choice(('AES-256-GCM', 'ChaCha20-Poly1305'))}",
    ]
    if tier != "free":
        # Free tenants take isolation from the environment (shared in dev, strict elsewhere).
        lines.append("  isolation: strict")
    lines += [
        "  audit_logging: true",
        f"  key_rotation_days: {rng.choice((30, 60, 90))}",
        "  allowed_ingress_namespaces: [monitoring, ingress-nginx]",
        "performance:",
        f"  cache_ttl: {rng.choice(('5m', '15m', '1h'))}",
        f"  connection_pool: {rng.choice((20, 50, 100, 200))}",
        "  circuit_breaker: true",
        f"  rate_limit_per_second: {rng.choice((50, 100, 500, 1000))}",
        "backup:",
        "  enabled: true",
        '  schedule: "0 2 * * *"',
        f"  retention_days: {backup_days}",
    ]
    facts = {"min": min_replicas, "max": max_replicas, "cpu": cpu, "mem": mem}
    return "\n".join(lines) + "\n", facts


def overlay_doc(tid: str, facts: dict, rng: random.Random) -> str:
    """Layer 4: tenants/<tid>/production.yaml, bigger in production than elsewhere."""
    new_min = facts["min"] + rng.randint(1, 3)
    new_max = max(facts["max"] * 2, new_min)
    return (
        f"# Production overrides for {tid}.\n"
        "autoscaling:\n"
        "  enabled: true\n"
        f"  min_replicas: {new_min}\n"
        f"  max_replicas: {new_max}\n"
        "quotas:\n"
        f"  cpu_cores: {facts['cpu'] * 2}\n"
        f"  memory_gb: {facts['mem'] * 2}\n"
        "alerting:\n"
        "  routing:\n"
        "    repeat_interval: 1h\n"
        "monitoring:\n"
        "  scrape_interval: 15s\n"
    )


def write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", metavar="OUT_DIR")
    ap.add_argument("--tenants", type=int, required=True, metavar="N")
    ap.add_argument("--seed", type=int, default=42, metavar="S")
    ap.add_argument("--force", action="store_true", help="replace an existing fleet in OUT_DIR")
    args = ap.parse_args(argv)
    if args.tenants < 0 or args.tenants > 100000:
        ap.error("--tenants must be between 0 and 100000")

    out = args.out_dir
    if os.path.exists(out) and os.listdir(out):
        if not args.force:
            ap.error(f"{out} is not empty (pass --force to replace a generated fleet)")
        if not os.path.isfile(os.path.join(out, "strata.toml")):
            ap.error(f"{out} does not look like a generated fleet (no strata.toml); refusing to delete it")
        shutil.rmtree(out)

    os.makedirs(os.path.join(out, "environments"), exist_ok=True)
    os.makedirs(os.path.join(out, "tenants"), exist_ok=True)
    write(os.path.join(out, "strata.toml"), STRATA_TOML)
    write(os.path.join(out, "defaults.yaml"), DEFAULTS_YAML)
    for env in ENVIRONMENTS:
        write(os.path.join(out, "environments", f"{env}.yaml"), ENV_YAML[env])

    width = max(4, len(str(max(args.tenants - 1, 0))))
    # Exactly a tenth of the tenants get a production overlay (layer 4).
    with_overlay = set(random.Random(f"{args.seed}:overlays").sample(range(args.tenants), args.tenants // 10))
    overlays = 0
    for n in range(args.tenants):
        tid = f"t{n:0{width}d}"
        # One generator per tenant: tenant n is the same whatever N is.
        rng = random.Random(f"{args.seed}:{tid}")
        text, facts = tenant_doc(tid, rng)
        write(os.path.join(out, "tenants", f"{tid}.yaml"), text)
        if n in with_overlay:
            d = os.path.join(out, "tenants", tid)
            os.makedirs(d, exist_ok=True)
            write(os.path.join(d, "production.yaml"), overlay_doc(tid, facts, rng))
            overlays += 1
    print(f"wrote {args.tenants} tenants ({overlays} production overlays) x {len(ENVIRONMENTS)} environments to {out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
