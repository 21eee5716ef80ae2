//! A tiny config repository from fuzz bytes, and an in-memory build of it with every
//! artifact checked the way the real tools would read it.
//!
//! Input format: sections, each opened by a header line `#> <path>`; the text before the
//! first header, unless blank, is `tenants/fuzz.yaml`. Only the paths strata reads are taken
//! (`strata.toml`, `defaults.yaml`, `environments/<e>.yaml`, `tenants/<t>.yaml`,
//! `tenants/<t>/<e>.yaml`, names of `[a-z0-9_.-]`), at most [`MAX_FILES`]; a repository
//! without `strata.toml` gets [`DEFAULT_TOML`]. `scripts/fuzz.sh` writes the repositories
//! of `examples/` and `tests/fixtures/` in this format as the seed corpus.

use super::diags::assert_well_formed;
use std::path::Path;
use strata::compile::{Compiled, EffectiveTenant, Keep, Options, compile};
use strata::diag::{Diagnostic, Severity};
use strata::interpolate::Mode;
use strata::load::{Selection, parse_yaml};
use strata::render::targets::alertmanager::gocheck;
use strata::render::targets::slack::limits;
use strata::render::{EnvContext, render_tenant, verify_build};
use strata::write::Artifact;

/// Most files taken from one input.
pub const MAX_FILES: usize = 24;
/// `strata.toml` of an input without one.
pub const DEFAULT_TOML: &str = "[project]\nname = \"fuzz\"\n";
/// What `${HOSTILE...}` resolves to in a build: quotes, newlines, template and mrkdwn
/// syntax, a NUL and a right-to-left override.
pub const HOSTILE: &str = "x\"'\n}}{{ .Labels }}<!channel>&amp;\\`*_~ \u{0}\u{202e}${NOPE}";

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b))
}

fn readable_path(path: &str) -> bool {
    let yaml = |n: &str| n.strip_suffix(".yaml").is_some_and(valid_name);
    match path.split('/').collect::<Vec<_>>().as_slice() {
        ["strata.toml"] | ["defaults.yaml"] => true,
        ["environments", n] | ["tenants", n] => yaml(n),
        ["tenants", t, n] => valid_name(t) && yaml(n),
        _ => false,
    }
}

/// The files of the repository `data` describes, by path relative to the root.
pub fn files(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut path = String::from("tenants/fuzz.yaml");
    let mut body: Vec<u8> = Vec::new();
    let push = |path: &str, body: &mut Vec<u8>, out: &mut Vec<(String, Vec<u8>)>| {
        let text = std::mem::take(body);
        let preamble_only_space = out.is_empty() && path == "tenants/fuzz.yaml" && text.trim_ascii().is_empty();
        if !preamble_only_space && out.len() < MAX_FILES && readable_path(path) && !out.iter().any(|(p, _)| p == path) {
            out.push((path.to_string(), text));
        }
    };
    for line in data.split_inclusive(|&b| b == b'\n') {
        if let Some(header) = line.strip_prefix(b"#> ") {
            push(&path, &mut body, &mut out);
            path = String::from_utf8_lossy(header).trim().to_string();
        } else {
            body.extend_from_slice(line);
        }
    }
    push(&path, &mut body, &mut out);
    if !out.iter().any(|(p, _)| p == "strata.toml") {
        out.push(("strata.toml".into(), DEFAULT_TOML.as_bytes().to_vec()));
    }
    out
}

/// A temporary repository holding `files`.
pub fn write(files: &[(String, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary folder: {e}"));
    for (path, bytes) in files {
        let p = dir.path().join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

/// Looks up an environment variable in a fuzz build: `HOSTILE*` is [`HOSTILE`], `UNSET*`
/// is unset, a name with `URL` or `WEBHOOK` a URL, anything else a DNS label.
pub fn lookup(name: &str) -> Option<String> {
    if name.starts_with("HOSTILE") {
        Some(HOSTILE.into())
    } else if name.starts_with("UNSET") {
        None
    } else if name.contains("URL") || name.contains("WEBHOOK") {
        Some("https://hooks.example.com/fuzz".into())
    } else {
        Some("fuzz-value".into())
    }
}

/// `strata check` of the repository at `root`, in memory; its diagnostics checked.
pub fn check(root: &Path) -> Compiled {
    let none = |_: &str| None;
    let compiled = compile(
        root,
        &Options {
            mode: Mode::Check,
            selection: Selection::default(),
            lookup: &none,
            keep: Keep::Nothing,
        },
    )
    .unwrap_or_else(|e| panic!("check of a repository with strata.toml failed outside a diagnostic: {e}"));
    assert_well_formed(&compiled.diags, compiled.sources());
    compiled
}

/// `strata build` of the repository at `root`, in memory: its diagnostics checked, and
/// when it has no error, the run and every file it would write (checked by
/// [`check_artifacts`]).
pub fn build(root: &Path) -> Option<(Compiled, Vec<Artifact>)> {
    let render = |ctx: &EnvContext<'_>, t: &EffectiveTenant, diags: &mut Vec<Diagnostic>| render_tenant(ctx, t, diags);
    let mut compiled = compile(
        root,
        &Options {
            mode: Mode::Build,
            selection: Selection::default(),
            lookup: &lookup,
            keep: Keep::Artifacts(&render),
        },
    )
    .unwrap_or_else(|e| panic!("build of a repository with strata.toml failed outside a diagnostic: {e}"));
    assert_well_formed(&compiled.diags, compiled.sources());
    if compiled.diags.iter().any(|d| d.severity == Severity::Error) {
        if std::env::var_os("STRATA_FUZZ_DEBUG").is_some() {
            eprintln!(
                "{}",
                strata::diag::render_human(&compiled.diags, compiled.sources(), false)
            );
        }
        return None;
    }
    let files = compiled.take_all_files();
    check_artifacts(&files);
    Some((compiled, files))
}

/// Panics unless every file parses as what its name says and stays inside the output
/// folder: JSON and YAML parse, Slack messages are within Block Kit limits, Alertmanager
/// templates are well-formed Go templates, dashboard uids are unique.
pub fn check_artifacts(files: &[Artifact]) {
    let mut paths = std::collections::BTreeSet::new();
    for file in files {
        let path = file.path.as_str();
        assert!(
            !path.starts_with('/') && path.split('/').all(|c| !c.is_empty() && c != "." && c != ".."),
            "artifact path leaves the output folder: {path:?}"
        );
        assert!(paths.insert(path), "two artifacts at {path}");
        let text = std::str::from_utf8(&file.bytes).unwrap_or_else(|e| panic!("{path} is not UTF-8: {e}"));
        if path.ends_with(".json") {
            let value: serde_json::Value =
                serde_json::from_str(text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}\n{text}"));
            if path.contains("/slack/") {
                let messages = value.as_object().unwrap_or_else(|| panic!("{path}: not an object"));
                for (key, message) in messages {
                    let problems = limits::violations(message);
                    assert!(
                        problems.is_empty(),
                        "{path} `{key}` breaks Block Kit limits: {problems:?}"
                    );
                }
            }
        } else if path.ends_with(".yml") || path.ends_with(".yaml") {
            // Kubernetes files hold several documents; strata's own parser takes one.
            for document in text.split("\n---\n") {
                let (node, diags) = parse_yaml(document, strata::diag::FileId(0));
                assert!(
                    node.is_some() && diags.is_empty(),
                    "{path} is not valid YAML: {diags:?}\n{document}"
                );
            }
        } else if path.ends_with(".tmpl") {
            gocheck::check(text).unwrap_or_else(|e| panic!("{path} is not a valid Go template: {e}\n{text}"));
        }
    }
    let problems = verify_build(files);
    assert!(problems.is_empty(), "build checks: {problems:?}");
}
