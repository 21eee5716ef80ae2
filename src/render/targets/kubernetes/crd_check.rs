//! Custom resources (KEDA `ScaledObject`, Velero `Schedule`, `PrometheusRule`,
//! `AlertmanagerConfig`) are checked against JSON Schemas bundled in `schemas/k8s/`:
//! hand-written subsets of the upstream CRDs' `openAPIV3Schema` covering the fields strata
//! writes, and stricter where strata knows more (names are DNS labels, `additionalProperties`
//! false so a misspelt field is caught). Each is compiled once per run. A mismatch is a bug
//! in strata: `STRATA-E071`. A test validates the same objects against the upstream CRDs,
//! so the subsets cannot drift from them unnoticed.

use super::E071;
use crate::render::verify::ArtifactChecks;
use jsonschema::Validator;
use serde_json::Value;
use std::sync::OnceLock;

/// The custom resources strata writes: (apiVersion, kind, bundled schema text).
pub const CUSTOM_RESOURCES: &[(&str, &str, &str)] = &[
    (
        "keda.sh/v1alpha1",
        "ScaledObject",
        include_str!("../../../../schemas/k8s/scaledobject.schema.json"),
    ),
    (
        "velero.io/v1",
        "Schedule",
        include_str!("../../../../schemas/k8s/velero-schedule.schema.json"),
    ),
    (
        "monitoring.coreos.com/v1",
        "PrometheusRule",
        include_str!("../../../../schemas/k8s/prometheusrule.schema.json"),
    ),
    (
        "monitoring.coreos.com/v1alpha1",
        "AlertmanagerConfig",
        include_str!("../../../../schemas/k8s/alertmanagerconfig.schema.json"),
    ),
];

/// The bundled schema of `kind`, parsed.
pub fn bundled_schema(kind: &str) -> Option<Value> {
    let (_, _, text) = CUSTOM_RESOURCES.iter().find(|(_, k, _)| *k == kind)?;
    serde_json::from_str(text).ok()
}

type Compiled = Vec<(&'static str, &'static str, Result<Validator, String>)>;

fn validators() -> &'static Compiled {
    static V: OnceLock<Compiled> = OnceLock::new();
    V.get_or_init(|| {
        CUSTOM_RESOURCES
            .iter()
            .map(|(api, kind, text)| {
                let compiled = serde_json::from_str::<Value>(text)
                    .map_err(|e| e.to_string())
                    .and_then(|schema| {
                        // The patterns are plain (no look-around): the linear-time engine.
                        jsonschema::options()
                            .with_pattern_options(jsonschema::PatternOptions::regex())
                            .build(&schema)
                            .map_err(|e| e.to_string())
                    });
                (*api, *kind, compiled)
            })
            .collect()
    })
}

/// Problems of `doc` against its bundled schema (none for core objects).
pub fn problems(doc: &Value) -> Vec<String> {
    let (api, kind) = (doc["apiVersion"].as_str(), doc["kind"].as_str());
    let Some((_, _, validator)) = validators()
        .iter()
        .find(|(a, k, _)| Some(*a) == api && Some(*k) == kind)
    else {
        return Vec::new();
    };
    match validator {
        Ok(v) if v.is_valid(doc) => Vec::new(),
        Ok(v) => v
            .iter_errors(doc)
            .take(5)
            .map(|e| format!("at `{}`: {e}", e.instance_path()))
            .collect(),
        Err(e) => vec![format!("the bundled schema does not compile: {e}")],
    }
}

/// Reports `STRATA-E071` for each problem of `doc`.
pub fn check(doc: &Value, checks: &mut ArtifactChecks<'_>) {
    for problem in problems(doc) {
        let kind = doc["kind"].as_str().unwrap_or("object");
        let name = doc["metadata"]["name"].as_str().unwrap_or("?");
        checks.error(
            E071,
            &[],
            format!("generated {kind} `{name}` does not match its CRD schema {problem}"),
            "this is a bug in strata; please report it with the tenant file",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_bundled_schema_compiles() {
        for (api, kind, compiled) in validators() {
            assert!(compiled.is_ok(), "{api} {kind}: {:?}", compiled.as_ref().err());
        }
    }

    #[test]
    fn a_bad_resource_is_reported() {
        let bad = json!({
            "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
            "metadata": {"name": "a", "namespace": "b"},
            "spec": {"scaleTargetRef": {"name": "a"}, "triggers": [{"type": "prometheus", "metadata": {"query": "up"}}]},
        });
        let p = problems(&bad);
        assert!(!p.is_empty());
        let bad_velero = json!({
            "apiVersion": "velero.io/v1", "kind": "Schedule",
            "metadata": {"name": "a", "namespace": "velero"},
            "spec": {"schedule": "0 2 * * *", "template": {"ttl": "30d"}},
        });
        assert!(!problems(&bad_velero).is_empty());
        assert!(problems(&json!({"apiVersion": "v1", "kind": "Namespace"})).is_empty());
    }
}
