//! Kubernetes: `<env>/kubernetes/<tenant>.yaml` (core objects, KEDA, Velero) and
//! `<env>/kubernetes/<tenant>.operator.yaml` (prometheus-operator resources).
//!
//! Conventions (see `docs/kubernetes.md`):
//! - The tenant's namespace is `<platform.kubernetes.namespace_prefix><tenant id>`.
//! - The workload that scales is the `apps/v1` `Deployment` named after the tenant id in
//!   that namespace; the HPA or KEDA `ScaledObject` that scales it has the same name.
//! - Every object carries `app.kubernetes.io/managed-by: strata` and the tenant label.
//!
//! Every manifest is checked before it is written: a value Kubernetes would refuse is
//! `STRATA-E070` at the config value that caused it; a custom resource that does not match
//! its bundled schema (`schemas/k8s/`) is `STRATA-E071`, a bug in strata.

mod autoscaling;
mod backup;
mod core;
mod crd_check;
mod operator;
pub mod quantity;

pub use crd_check::{CUSTOM_RESOURCES, bundled_schema};

use crate::render::verify::{ArtifactChecks, is_label_value};
use crate::render::{EnvContext, TenantModel, text_artifact, yaml};
use crate::write::Artifact;
use serde_json::{Map, Value, json};

/// A manifest Kubernetes would refuse, reported at the config value that caused it.
pub const E070: &str = "STRATA-E070";
/// A generated custom resource that does not match its bundled schema (a bug in strata).
pub const E071: &str = "STRATA-E071";

/// Name of the Secret the `AlertmanagerConfig` takes channel secrets from.
pub const ALERTING_SECRET: &str = "strata-alerting";

const DEFAULT_VELERO_NAMESPACE: &str = "velero";
const DEFAULT_MONITORING_NAMESPACE: &str = "monitoring";

/// What the object builders of one tenant share.
pub(crate) struct Tenant<'a> {
    pub ctx: &'a EnvContext<'a>,
    pub t: &'a TenantModel,
    /// The tenant's rule groups, as in its Prometheus rules file.
    pub rule_groups: &'a [Value],
    /// The tenant's namespace.
    pub ns: String,
    /// Labels of every object: managed-by and the tenant.
    pub labels: Map<String, Value>,
}

impl Tenant<'_> {
    /// `metadata` with `name`, the tenant namespace and the common labels.
    pub fn meta(&self, name: &str) -> Value {
        json!({"name": name, "namespace": self.ns, "labels": self.labels})
    }

    /// The tenant label of the project (`tenant` by default).
    pub fn tenant_label(&self) -> &str {
        &self.ctx.project.project.tenant_label
    }
}

/// The namespace of tenant `id` in the environment.
pub fn namespace_name(ctx: &EnvContext<'_>, id: &str) -> String {
    let prefix = ctx
        .platform
        .kubernetes
        .as_ref()
        .and_then(|k| k.namespace_prefix.as_deref())
        .unwrap_or("");
    format!("{prefix}{id}")
}

/// The Prometheus URL KEDA queries.
pub fn prometheus_url(ctx: &EnvContext<'_>) -> String {
    let k = ctx.platform.kubernetes.as_ref();
    if let Some(url) = k.and_then(|k| k.prometheus_url.as_deref()) {
        return url.to_string();
    }
    let ns = k
        .and_then(|k| k.monitoring_namespace.as_deref())
        .unwrap_or(DEFAULT_MONITORING_NAMESPACE);
    format!("http://prometheus-operated.{ns}.svc:9090")
}

/// The namespace Velero runs in.
pub fn velero_namespace<'a>(ctx: &'a EnvContext<'_>) -> &'a str {
    ctx.platform
        .kubernetes
        .as_ref()
        .and_then(|k| k.velero_namespace.as_deref())
        .unwrap_or(DEFAULT_VELERO_NAMESPACE)
}

/// The manifests of one tenant; `rule_groups` are its Prometheus rule groups
/// (`prometheus::rule_groups`).
pub fn render_tenant(
    ctx: &EnvContext<'_>,
    t: &TenantModel,
    rule_groups: &[Value],
    checks: &mut ArtifactChecks<'_>,
) -> Vec<Artifact> {
    let ns = namespace_name(ctx, &t.id);
    if !crate::render::verify::is_dns_label(&ns) {
        checks.error(
            E070,
            &["id"],
            format!(
                "namespace `{}` is not a DNS label (at most 63 characters of a-z, 0-9 and `-`)",
                truncated(&ns)
            ),
            "shorten the tenant id or the platform's kubernetes.namespace_prefix",
        );
        return Vec::new();
    }
    let label = ctx.project.project.tenant_label.clone();
    let mut labels = Map::new();
    labels.insert("app.kubernetes.io/managed-by".into(), json!("strata"));
    if label != "app.kubernetes.io/managed-by" && is_label_key(&label) {
        labels.insert(label, json!(t.id));
    }
    let tenant = Tenant {
        ctx,
        t,
        rule_groups,
        ns,
        labels,
    };
    let mut docs = core::objects(&tenant, checks);
    docs.extend(autoscaling::objects(&tenant, checks));
    docs.extend(backup::objects(&tenant, checks));
    let operator_docs = operator::objects(&tenant, checks);
    for doc in docs.iter().chain(&operator_docs) {
        crd_check::check(doc, checks);
    }
    let dir = format!("{}/kubernetes", ctx.env);
    let mut files = vec![text_artifact(format!("{dir}/{}.yaml", t.id), documents(&docs))];
    if !operator_docs.is_empty() {
        files.push(text_artifact(
            format!("{dir}/{}.operator.yaml", t.id),
            documents(&operator_docs),
        ));
    }
    files
}

/// Several objects as one multi-document YAML text.
pub fn documents(docs: &[Value]) -> String {
    let mut text = String::with_capacity(docs.len() * 512);
    text.push_str("# Generated by strata; do not edit. Change the config repository and rebuild.\n");
    for doc in docs {
        text.push_str("---\n");
        yaml::write_yaml(&mut text, doc);
    }
    text
}

/// Whether `key` is a valid label key: an optional DNS-subdomain prefix and `/`, then a
/// name of at most 63 alphanumerics, `-`, `_`, `.`, starting and ending alphanumeric.
pub fn is_label_key(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    prefix.is_none_or(crate::render::verify::is_dns_subdomain) && !name.is_empty() && is_label_value(name)
}

/// At most 80 characters of `s`, for messages.
fn truncated(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(80).collect::<String>())
    }
}

#[cfg(test)]
mod tests;
