//! Conftest-style policies over generated Kubernetes objects (`[policies] manifests`).
//!
//! Every `.rego` file under the configured folders (recursively, `*_test.rego` aside) is
//! loaded; every package is evaluated (like `conftest --all-namespaces`) with one object as
//! `input`, so existing conftest policies apply unchanged. Rules whose names start with
//! `deny` or `violation` report errors, `warn` warnings; items are strings or objects with
//! `msg` (and optionally `id`). Entry point: [`check`], called by the build once the
//! Kubernetes target has rendered its objects ([`objects_of`] reads them back from the
//! rendered files).

use super::engine::{self, Module};
use super::meta;
use crate::diag::{Diagnostic, Loc, Severity, SourceMap};
use crate::load::Node;
use rayon::prelude::*;
use std::path::Path;
use std::sync::Arc;

/// One generated object to check.
#[derive(Debug, Clone)]
pub struct Object {
    /// Where the object is (its file in the output, or the config value it came from).
    pub loc: Loc,
    /// The environment it was generated for (empty when unknown).
    pub env: String,
    /// The object, as parsed from its YAML document.
    pub value: serde_json::Value,
}

/// The tenant config section a generated object of `kind` comes from.
fn section_of(kind: &str) -> &'static [&'static str] {
    match kind {
        "ResourceQuota" | "LimitRange" => &["quotas"],
        "NetworkPolicy" => &["security", "isolation"],
        "HorizontalPodAutoscaler" | "ScaledObject" => &["autoscaling"],
        "Schedule" => &["backup"],
        "PrometheusRule" => &["alerting", "rules"],
        "AlertmanagerConfig" => &["alerting", "routing"],
        _ => &["id"],
    }
}

/// The Kubernetes objects of a rendered file (`<env>/kubernetes/*.yaml`; none for other
/// files). Each is located at the key of the effective tenant `doc` it comes from (in the
/// layer that set it), else at `fallback`.
pub fn objects_of(file: &crate::write::Artifact, env: &str, doc: &Node, fallback: Loc) -> Vec<Object> {
    let in_kubernetes = file
        .path
        .strip_prefix(env)
        .and_then(|p| p.strip_prefix("/kubernetes/"))
        .is_some_and(|name| name.ends_with(".yaml") && !name.contains('/'));
    let Some(text) = in_kubernetes.then(|| std::str::from_utf8(&file.bytes).ok()).flatten() else {
        return Vec::new();
    };
    let locate = |kind: &str| {
        let path = section_of(kind);
        let (last, parents) = path.split_last().unwrap_or((&"id", &[]));
        doc.at(parents)
            .and_then(|n| n.entry(last))
            .map_or(fallback, |e| e.key_loc)
    };
    // strata's YAML writer indents every line of a block scalar, so a `---` line at the
    // start of a line always separates documents.
    text.split("\n---\n")
        .skip(1)
        .filter_map(|doc| crate::load::parse_yaml(doc, crate::diag::FileId(0)).0)
        .map(|node| {
            let value = node.to_json(None);
            Object {
                loc: locate(value["kind"].as_str().unwrap_or_default()),
                env: env.to_string(),
                value,
            }
        })
        .collect()
}

/// Loads the policies under `dirs` (relative to `root`), adding them to `sources`.
fn load(root: &Path, dirs: &[String], sources: &mut SourceMap, diags: &mut Vec<Diagnostic>) -> Vec<Module> {
    let mut modules = Vec::new();
    for dir in dirs {
        let base = root.join(dir);
        if !base.is_dir() {
            let at = sources
                .files()
                .iter()
                .position(|f| f.display == "strata.toml")
                .map_or(Loc::default(), |i| {
                    Loc::file_start(crate::diag::FileId(u32::try_from(i).unwrap_or(0)))
                });
            diags.push(
                Diagnostic::error(
                    "STRATA-E084",
                    at,
                    format!("manifest policy folder `{dir}` does not exist"),
                )
                .with_help("`[policies] manifests` lists folders of .rego files, relative to the repository root"),
            );
            continue;
        }
        let mut paths: Vec<std::path::PathBuf> = walkdir::WalkDir::new(&base)
            .into_iter()
            .filter_map(Result::ok)
            .map(|e| e.into_path())
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                p.is_file() && name.ends_with(".rego") && !name.ends_with("_test.rego")
            })
            .collect();
        paths.sort();
        for p in paths {
            let display = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().replace('\\', "/");
            let text = match crate::load::read_file(&p) {
                Ok(raw) => Arc::new(raw.text),
                Err(e) => {
                    let id = sources.add(display, p, Arc::default());
                    diags.push(Diagnostic::error(
                        "STRATA-E040",
                        Loc::file_start(id),
                        format!("cannot read file: {e}"),
                    ));
                    continue;
                }
            };
            let file = sources.add(display.clone(), p, Arc::clone(&text));
            let info = meta::scan(&text, file, diags);
            modules.push(Module {
                display,
                text,
                file,
                info,
                pack: None,
            });
        }
    }
    modules
}

fn reporting(name: &str) -> Option<Severity> {
    if name.starts_with("deny") || name.starts_with("violation") {
        Some(Severity::Error)
    } else if name.starts_with("warn") {
        Some(Severity::Warning)
    } else {
        None
    }
}

/// The Kubernetes objects among one rendered tenant's `files`, for the `[policies]
/// manifests` (none when the project has no such policies): what `build` and `watch`
/// collect while they render, for [`check_compiled`].
pub fn tenant_objects(
    ctx: &crate::render::EnvContext<'_>,
    tenant: &crate::compile::EffectiveTenant,
    files: &[crate::write::Artifact],
) -> Vec<Object> {
    if ctx.project.policies.manifests.is_empty() {
        return Vec::new();
    }
    let at = Loc::file_start(tenant.file);
    files
        .iter()
        .flat_map(|f| objects_of(f, ctx.env, &tenant.doc, at))
        .collect()
}

/// Runs the policies of `[policies] manifests` over `objects` (generated by `compiled`'s
/// run), adding their findings to its diagnostics. A folder that does not exist is already
/// an error of the compile.
pub fn check_compiled(compiled: &mut crate::compile::Compiled, objects: &[Object]) {
    let root = compiled.repo.root.clone();
    let dirs: Vec<String> = (compiled.repo.project.policies.manifests.iter())
        .filter(|d| root.join(d).is_dir())
        .cloned()
        .collect();
    if dirs.is_empty() {
        return;
    }
    let found = check(&root, &dirs, objects, &mut compiled.repo.sources);
    if !found.is_empty() {
        let mut all = std::mem::take(&mut compiled.diags);
        all.extend(found);
        compiled.diags = crate::diag::normalize(all, &compiled.repo.sources);
    }
}

/// Runs the conftest-style policies under `dirs` over `objects`. Policy files are added to
/// `sources`; a finding is reported at its object's location with the rule id (from the
/// item's `id`, else the rule's METADATA `custom.id`, else the package) as code.
pub fn check(root: &Path, dirs: &[String], objects: &[Object], sources: &mut SourceMap) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    if dirs.is_empty() {
        return diags;
    }
    let modules = load(root, dirs, sources, &mut diags);
    let (compiled, kept) = engine::build(&modules, &mut diags);
    // (package, rule, severity, documented id, location of the rule)
    let mut rules: Vec<(String, String, Severity, Option<String>, Loc)> = Vec::new();
    for &i in &kept {
        let m = &modules[i];
        for h in &m.info.heads {
            let Some(sev) = reporting(&h.name) else { continue };
            if rules.iter().any(|r| r.0 == m.info.package && r.1 == h.name) {
                continue;
            }
            let id = m.info.rules.iter().find(|r| r.rule == h.name).map(|r| r.id.clone());
            rules.push((m.info.package.clone(), h.name.clone(), sev, id, h.loc));
        }
    }
    let found: Vec<Vec<Diagnostic>> = objects
        .par_iter()
        .map_init(
            || compiled.clone(),
            |engine, object| {
                engine.set_input(regorus::Value::from(object.value.clone()));
                let what = describe(&object.value);
                let envs: Vec<String> = (!object.env.is_empty()).then(|| object.env.clone()).into_iter().collect();
                let mut out = Vec::new();
                for (package, rule, severity, id, rule_loc) in &rules {
                    match engine::eval_items(engine, package, rule) {
                        Ok(items) => {
                            for item in items {
                                let f = super::report::message(&item, id.as_deref().unwrap_or(package), *severity);
                                let help = f.remediation.clone().unwrap_or_else(|| {
                                    format!("strata generates {what} from this tenant's config; change the config, or the policy {package}.{rule}")
                                });
                                let mut d = Diagnostic::error(f.id, object.loc, format!("{what}: {}", f.msg))
                                    .with_severity(*severity)
                                    .with_label(format!("checked by {package}.{rule}"))
                                    .with_help(help);
                                d.envs.clone_from(&envs);
                                out.push(d);
                            }
                        }
                        Err(text) => out.push(engine::rego_error(&text, &modules, *rule_loc)),
                    }
                }
                out
            },
        )
        .collect();
    diags.extend(found.into_iter().flatten());
    diags
}

/// `Kind/namespace/name` of a Kubernetes object.
fn describe(v: &serde_json::Value) -> String {
    let s = |p: &str| v.pointer(p).and_then(serde_json::Value::as_str).unwrap_or("?");
    match v.pointer("/metadata/namespace").and_then(serde_json::Value::as_str) {
        Some(ns) => format!("{}/{ns}/{}", s("/kind"), s("/metadata/name")),
        None => format!("{}/{}", s("/kind"), s("/metadata/name")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const POLICY: &str = r#"package main

import rego.v1

# METADATA
# title: Namespaces carry a tenant label
# custom:
#   id: K8S-001
deny contains msg if {
	input.kind == "Namespace"
	not input.metadata.labels.tenant
	msg := "namespace has no tenant label"
}

warn contains msg if {
	input.kind == "HorizontalPodAutoscaler"
	input.spec.maxReplicas > 50
	msg := sprintf("maxReplicas %d is above 50", [input.spec.maxReplicas])
}
"#;

    #[test]
    fn conftest_policies_run_over_objects() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let k8s = dir.path().join("policies/k8s");
        std::fs::create_dir_all(&k8s).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(k8s.join("main.rego"), POLICY).unwrap_or_else(|e| panic!("{e}"));
        let objects = vec![
            Object {
                loc: Loc::default(),
                env: String::new(),
                value: json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "tenant-a"}}),
            },
            Object {
                loc: Loc::default(),
                env: String::new(),
                value: json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "tenant-b", "labels": {"tenant": "b"}}}),
            },
            Object {
                loc: Loc::default(),
                env: String::new(),
                value: json!({"kind": "HorizontalPodAutoscaler", "metadata": {"name": "api", "namespace": "tenant-a"}, "spec": {"maxReplicas": 80}}),
            },
        ];
        let mut sources = SourceMap::default();
        let diags = check(dir.path(), &["policies/k8s".to_string()], &objects, &mut sources);
        let got: Vec<(String, Severity, String)> = diags
            .iter()
            .map(|d| (d.code.to_string(), d.severity, d.message.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "K8S-001".to_string(),
                    Severity::Error,
                    "Namespace/tenant-a: namespace has no tenant label".to_string()
                ),
                (
                    "main".to_string(),
                    Severity::Warning,
                    "HorizontalPodAutoscaler/tenant-a/api: maxReplicas 80 is above 50".to_string()
                ),
            ]
        );
    }

    #[test]
    fn objects_are_read_back_from_kubernetes_files_only() {
        let text =
            "# Generated\n---\nkind: Namespace\nmetadata:\n  name: a\n---\nkind: X\nspec:\n  text: |\n    ---\n    b\n";
        let file = |path: &str| crate::write::Artifact {
            path: path.into(),
            bytes: text.as_bytes().to_vec(),
        };
        let (doc, _) = crate::load::parse_yaml("id: a\nquotas: {cpu_cores: 2}\n", crate::diag::FileId(3));
        let doc = doc.unwrap_or_else(|| panic!("no doc"));
        let fallback = Loc::file_start(crate::diag::FileId(3));
        let objects = objects_of(&file("dev/kubernetes/a.yaml"), "dev", &doc, fallback);
        let kinds: Vec<&str> = objects.iter().filter_map(|o| o.value["kind"].as_str()).collect();
        assert_eq!(kinds, ["Namespace", "X"]);
        assert_eq!(objects[1].value["spec"]["text"], "---\nb\n");
        assert_eq!((objects[0].loc.line, objects[0].loc.col), (1, 1), "Namespace: at `id`");
        assert!(objects_of(&file("dev/prometheus/rules/a.yaml"), "dev", &doc, fallback).is_empty());
        assert!(objects_of(&file("dev/kubernetes/a.yaml"), "prod", &doc, fallback).is_empty());
        let quota = file("dev/kubernetes/a.yaml");
        let quota = crate::write::Artifact {
            bytes: b"# Generated\n---\nkind: ResourceQuota\n".to_vec(),
            ..quota
        };
        let objects = objects_of(&quota, "dev", &doc, fallback);
        assert_eq!(
            objects.first().map(|o| (o.loc.line, o.loc.col)),
            Some((2, 1)),
            "at `quotas`"
        );
    }

    #[test]
    fn a_missing_folder_is_reported() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut sources = SourceMap::default();
        let diags = check(dir.path(), &["nope".to_string()], &[], &mut sources);
        assert_eq!(diags[0].code, "STRATA-E084");
    }
}
