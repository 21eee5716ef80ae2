//! Core objects of a tenant: `Namespace`, `ResourceQuota`, `LimitRange` and the
//! `NetworkPolicy`s of strict isolation.
//!
//! Quotas: `cpu_cores` and `memory_gb` bound both requests and limits of the namespace,
//! `storage_gb` bounds `requests.storage`. The `LimitRange` gives every container that
//! sets nothing a default of the quota divided by the highest replica count (so the
//! workload fits the quota at `max_replicas`), and caps a container at the whole quota.

use super::quantity::{self, Quantity};
use super::{E070, Tenant};
use crate::model::{Framework, Isolation, Tier};
use crate::render::verify::{ArtifactChecks, is_dns_label, is_label_value};
use serde_json::{Map, Value, json};

/// The core objects, in the order they are applied.
pub(crate) fn objects(k: &Tenant<'_>, checks: &mut ArtifactChecks<'_>) -> Vec<Value> {
    let mut docs = vec![namespace(k, checks)];
    docs.extend(quota_objects(k, checks));
    docs.extend(network_policies(k, checks));
    docs
}

fn tier_name(t: Tier) -> &'static str {
    match t {
        Tier::Free => "free",
        Tier::Premium => "premium",
        Tier::Enterprise => "enterprise",
    }
}

fn framework_name(f: Framework) -> &'static str {
    match f {
        Framework::Soc2 => "soc2",
        Framework::Gdpr => "gdpr",
        Framework::Hipaa => "hipaa",
    }
}

/// The namespace, labelled with tenant, tier, compliance (frameworks joined by `-`, or
/// `none`) and environment.
fn namespace(k: &Tenant<'_>, checks: &mut ArtifactChecks<'_>) -> Value {
    let tenant = &k.t.tenant;
    let mut labels = k.labels.clone();
    labels.insert("tenant".into(), json!(k.t.id));
    if let Some(tier) = tenant.tier {
        labels.insert("tier".into(), json!(tier_name(tier)));
    }
    let mut frameworks: Vec<&str> = Vec::new();
    for f in &tenant.compliance {
        if !frameworks.contains(&framework_name(*f)) {
            frameworks.push(framework_name(*f));
        }
    }
    let compliance = if frameworks.is_empty() {
        "none".to_string()
    } else {
        frameworks.join("-")
    };
    labels.insert("compliance".into(), json!(compliance));
    if is_label_value(k.ctx.env) {
        labels.insert("environment".into(), json!(k.ctx.env));
    } else {
        checks.error(
            E070,
            &[],
            format!("environment name `{}` is not a valid Kubernetes label value", k.ctx.env),
            "name environment files with at most 63 letters, digits, `-`, `_` or `.`",
        );
    }
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": k.ns, "labels": labels},
    })
}

/// The highest replica count the tenant's workload may reach.
fn max_replicas(k: &Tenant<'_>) -> u32 {
    k.t.tenant
        .autoscaling
        .as_ref()
        .filter(|a| a.enabled != Some(false))
        .and_then(|a| a.max_replicas)
        .unwrap_or(1)
        .max(1)
}

/// One resource of the quota: its name, whole amount, per-container default and the path
/// of the config value.
struct Resource {
    name: &'static str,
    total: String,
    default: String,
    path: [&'static str; 2],
}

/// `ResourceQuota` and `LimitRange`, when the tenant has quotas.
fn quota_objects(k: &Tenant<'_>, checks: &mut ArtifactChecks<'_>) -> Vec<Value> {
    let Some(q) = k.t.tenant.quotas.as_ref() else {
        return Vec::new();
    };
    let replicas = i64::from(max_replicas(k));
    let mut resources = Vec::new();
    if let Some(cores) = q.cpu_cores {
        let millis = (cores * 1000.0).round() as i64;
        resources.push(Resource {
            name: "cpu",
            total: quantity::cpu_millis(millis),
            default: quantity::cpu_millis(millis / replicas),
            path: ["quotas", "cpu_cores"],
        });
    }
    if let Some(gib) = q.memory_gb {
        let mib = (gib * 1024.0).round() as i64;
        resources.push(Resource {
            name: "memory",
            total: quantity::memory_mib(mib),
            default: quantity::memory_mib(mib / replicas),
            path: ["quotas", "memory_gb"],
        });
    }
    let mut hard = Map::new();
    for r in &resources {
        hard.insert(format!("requests.{}", r.name), json!(r.total));
        hard.insert(format!("limits.{}", r.name), json!(r.total));
    }
    if let Some(gb) = q.storage_gb {
        hard.insert("requests.storage".into(), json!(format!("{gb}Gi")));
    }
    if hard.is_empty() {
        return Vec::new();
    }
    for (key, value) in &hard {
        let text = value.as_str().unwrap_or_default();
        if let Err(e) = quantity::parse(text) {
            checks.error(
                E070,
                &["quotas"],
                format!("ResourceQuota {key}: {e}"),
                "give quotas as plain numbers",
            );
        }
    }
    let mut docs = vec![json!({
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": k.meta("strata-quota"),
        "spec": {"hard": hard},
    })];
    let mut max = Map::new();
    let mut default = Map::new();
    for r in &resources {
        if !default_fits(r, checks, replicas) {
            continue;
        }
        max.insert(r.name.into(), json!(r.total));
        default.insert(r.name.into(), json!(r.default));
    }
    if !default.is_empty() {
        docs.push(json!({
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": k.meta("strata-limits"),
            "spec": {"limits": [{
                "type": "Container",
                "max": max,
                "default": default,
                "defaultRequest": default,
            }]},
        }));
    }
    docs
}

/// Whether the per-container default of `r` is a positive quantity within the quota;
/// reports when it is not.
fn default_fits(r: &Resource, checks: &mut ArtifactChecks<'_>, replicas: i64) -> bool {
    let parsed = (quantity::parse(&r.default), quantity::parse(&r.total));
    let (Ok(default), Ok(total)) = parsed else {
        checks.error(
            E070,
            &r.path,
            format!("the {} quota does not give a valid quantity", r.name),
            "give quotas as plain numbers",
        );
        return false;
    };
    if default.is_zero() || default > total || default < Quantity::default_min(r.name) {
        checks.error(
            E070,
            &r.path,
            format!(
                "the {} quota ({}) leaves less than {} per container for {replicas} replicas: \
                 Kubernetes would admit no pod under the LimitRange default",
                r.name,
                r.total,
                if r.name == "cpu" { "1m" } else { "1Mi" }
            ),
            "raise the quota or lower autoscaling.max_replicas",
        );
        return false;
    }
    true
}

impl Quantity {
    /// The smallest useful per-container default of a resource.
    fn default_min(resource: &str) -> Quantity {
        let text = if resource == "cpu" { "1m" } else { "1Mi" };
        quantity::parse(text).unwrap_or(Quantity::ZERO)
    }
}

/// Strict isolation: deny all ingress by default, then allow the namespace itself and the
/// `allowed_ingress_namespaces` (matched on `kubernetes.io/metadata.name`). Shared: none.
fn network_policies(k: &Tenant<'_>, checks: &mut ArtifactChecks<'_>) -> Vec<Value> {
    let security = k.t.tenant.security.as_ref();
    if security.and_then(|s| s.isolation) != Some(Isolation::Strict) {
        return Vec::new();
    }
    let mut from = vec![json!({"podSelector": {}})];
    let allowed = security.map(|s| s.allowed_ingress_namespaces.as_slice()).unwrap_or(&[]);
    for (i, ns) in allowed.iter().enumerate() {
        if !is_dns_label(ns) {
            let index = i.to_string();
            checks.error(
                E070,
                &["security", "allowed_ingress_namespaces", &index],
                format!(
                    "allowed ingress namespace `{}` is not a DNS label",
                    super::truncated(ns)
                ),
                "namespace names are at most 63 characters of a-z, 0-9 and `-`",
            );
            continue;
        }
        let peer = json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}}});
        if !from.contains(&peer) {
            from.push(peer);
        }
    }
    vec![
        json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": k.meta("default-deny-ingress"),
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
        }),
        json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": k.meta("allow-tenant-ingress"),
            "spec": {
                "podSelector": {},
                "policyTypes": ["Ingress"],
                "ingress": [{"from": from}],
            },
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::tests::render;
    use serde_json::json;

    #[test]
    fn namespace_labels_without_compliance_or_tier() {
        let (objects, diags) = render("plain", json!({}));
        assert!(diags.is_empty(), "{diags:?}");
        let labels = &objects[0]["metadata"]["labels"];
        assert_eq!(labels["compliance"], "none");
        assert!(labels["tier"].is_null());
        assert_eq!(labels["tenant"], "plain");
        assert!(
            objects[0]["metadata"]["namespace"].is_null(),
            "a Namespace is not namespaced"
        );
    }

    #[test]
    fn limit_range_default_fits_the_quota_at_max_replicas() {
        let doc = json!({
            "quotas": {"cpu_cores": 1.5, "memory_gb": 0.5},
            "autoscaling": {"enabled": true, "min_replicas": 1, "max_replicas": 4},
        });
        let (objects, diags) = render("q", doc);
        assert!(diags.is_empty(), "{diags:?}");
        let quota = &objects[1]["spec"]["hard"];
        assert_eq!(quota["requests.cpu"], "1500m");
        assert_eq!(quota["limits.memory"], "512Mi");
        let limits = &objects[2]["spec"]["limits"][0];
        assert_eq!(limits["default"], json!({"cpu": "375m", "memory": "128Mi"}));
        assert_eq!(limits["defaultRequest"], limits["default"]);
        assert_eq!(limits["max"], json!({"cpu": "1500m", "memory": "512Mi"}));
    }

    #[test]
    fn no_quotas_no_quota_objects_and_disabled_autoscaling_counts_one_replica() {
        let (objects, _) = render("n", json!({}));
        assert!(
            objects
                .iter()
                .all(|o| o["kind"] != "ResourceQuota" && o["kind"] != "LimitRange")
        );
        let doc = json!({"quotas": {"cpu_cores": 2}, "autoscaling": {"enabled": false, "max_replicas": 50}});
        let (objects, _) = render("d", doc);
        let limits = &objects[2]["spec"]["limits"][0];
        assert_eq!(limits["default"]["cpu"], "2");
    }

    #[test]
    fn duplicate_ingress_namespaces_are_listed_once() {
        let doc = json!({"security": {"isolation": "strict", "allowed_ingress_namespaces": ["a", "a", "b"]}});
        let (objects, diags) = render("s", doc);
        assert!(diags.is_empty(), "{diags:?}");
        let allow = objects.iter().find(|o| o["metadata"]["name"] == "allow-tenant-ingress");
        let from = allow
            .map(|o| o["spec"]["ingress"][0]["from"].clone())
            .unwrap_or_default();
        assert_eq!(from.as_array().map(Vec::len), Some(3));
    }
}
