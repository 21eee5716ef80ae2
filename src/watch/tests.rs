//! A rebuild after tenant edits (spliced per-environment files, recycled spare folder)
//! writes exactly what a build from scratch of the same files writes.

use super::build::Builder;
use super::cache::Scope;
use crate::diag::{Diagnostic, SourceMap};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

fn write(root: &Path, path: &str, text: &str) {
    let file = root.join(path);
    if let Some(parent) = file.parent() {
        fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    fs::write(file, text).unwrap_or_else(|e| panic!("{path}: {e}"));
}

/// Every file below `dir`, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap_or(&path).display().to_string();
                files.insert(rel, fs::read(&path).unwrap_or_default());
            }
        }
    }
    files
}

#[test]
fn tenant_rebuilds_write_what_a_fresh_build_writes() -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = tmp.path().join("repo");
    for (path, text) in crate::cli::commands::init::STARTER {
        write(&root, path, text);
    }
    let example = crate::cli::commands::init::STARTER
        .iter()
        .find(|(p, _)| *p == "tenants/example.yaml")
        .map_or("", |(_, t)| *t);
    let other = example.replace("id: example", "id: other");
    write(&root, "tenants/other.yaml", &other);
    let print = |_: &[Diagnostic], _: &SourceMap| {};
    let out = tmp.path().join("out");
    let mut watch = Builder::new(&root, "production", &out);
    assert!(watch.build(&Scope::All, &print)?.ok);
    watch.prestage();
    let no_dashboards = |text: &str| text.replace("  dashboards: [overview]\n", "");
    let edits: [(&str, &str, Option<String>); 7] = [
        // Only the tenant's own files change.
        (
            "other",
            "tenants/other.yaml",
            Some(other.replace("Example Tenant", "Other")),
        ),
        // Its scrape job, route and receivers change too.
        (
            "other",
            "tenants/other.yaml",
            Some(
                other
                    .replace("api.example.svc", "api.other.svc")
                    .replace("oncall@", "team@"),
            ),
        ),
        // A new tenant, then its dashboards go away, then the tenant itself.
        (
            "third",
            "tenants/third.yaml",
            Some(example.replace("id: example", "id: third")),
        ),
        (
            "third",
            "tenants/third.yaml",
            Some(no_dashboards(&example.replace("id: example", "id: third"))),
        ),
        ("third", "tenants/third.yaml", None),
        // No tenant with dashboards: the Grafana provisioning file goes away.
        ("other", "tenants/other.yaml", Some(no_dashboards(&other))),
        ("example", "tenants/example.yaml", Some(no_dashboards(example))),
    ];
    for (k, (tenant, path, text)) in edits.into_iter().enumerate() {
        match text {
            Some(text) => write(&root, path, &text),
            None => fs::remove_file(root.join(path)).map_err(|e| e.to_string())?,
        }
        let outcome = watch.build(&Scope::Tenants([tenant.to_string()].into()), &print)?;
        assert!(outcome.ok && outcome.swapped && !outcome.full, "edit {k}: {outcome:?}");
        watch.prestage();
        let fresh_out = tmp.path().join(format!("fresh-{k}"));
        assert!(
            Builder::new(&root, "production", &fresh_out)
                .build(&Scope::All, &print)?
                .ok
        );
        let (got, want) = (tree(&out), tree(&fresh_out));
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "edit {k}"
        );
        for (file, bytes) in &want {
            assert!(got.get(file) == Some(bytes), "edit {k}: {file} differs");
        }
    }
    Ok(())
}

/// Watch runs the `[policies] manifests` over the Kubernetes objects it renders, as
/// `build` does: an edit they deny is not swapped in, and fixing it is.
#[test]
fn manifest_policies_stop_a_tenant_edit_they_deny() -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = tmp.path().join("repo");
    for (path, text) in crate::cli::commands::init::STARTER {
        let text = match *path {
            "strata.toml" => text.replacen("[policies]", "[policies]\nmanifests = [\"policies/k8s\"]", 1),
            _ => text.to_string(),
        };
        write(&root, path, &text);
    }
    let toml = fs::read_to_string(root.join("strata.toml")).map_err(|e| e.to_string())?;
    assert!(toml.contains("manifests = [\"policies/k8s\"]"), "{toml}");
    write(
        &root,
        "policies/k8s/tiers.rego",
        "package tiers\n\nimport rego.v1\n\ndeny contains \"free tenants get no namespace\" if {\n\
         \tinput.kind == \"Namespace\"\n\tinput.metadata.labels.tier == \"free\"\n}\n",
    );
    let example = fs::read_to_string(root.join("tenants/example.yaml")).map_err(|e| e.to_string())?;
    assert!(example.contains("tier: premium"), "{example}");
    let seen: std::sync::Mutex<Vec<String>> = std::sync::Mutex::default();
    let print = |diags: &[Diagnostic], _: &SourceMap| {
        if let Ok(mut seen) = seen.lock() {
            seen.extend(diags.iter().map(|d| format!("{}: {}", d.code, d.message)));
        }
    };
    let out = tmp.path().join("out");
    let mut watch = Builder::new(&root, "production", &out);
    assert!(watch.build(&Scope::All, &print)?.ok);
    let manifest = || fs::read(out.join("manifest.json")).unwrap_or_default();
    let good = manifest();
    let scope = Scope::Tenants(["example".to_string()].into());

    write(
        &root,
        "tenants/example.yaml",
        &example.replace("tier: premium", "tier: free"),
    );
    let denied = watch.build(&scope, &print)?;
    assert!(!denied.ok && !denied.swapped && denied.errors >= 1, "{denied:?}");
    let said = seen.lock().map(|s| s.join("\n")).unwrap_or_default();
    assert!(
        said.contains("tiers: Namespace/") && said.contains("free tenants get no namespace"),
        "{said}"
    );
    assert_eq!(manifest(), good, "a denied edit changed the output");

    write(&root, "tenants/example.yaml", &example);
    let fixed = watch.build(&scope, &print)?;
    assert!(fixed.ok && fixed.errors == 0, "{fixed:?}");
    Ok(())
}
