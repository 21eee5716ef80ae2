//! Replays every file of `tests/fuzz_cases/<target>/` through the harness of that fuzz
//! target (`tests/fuzz_harness/`, the same code `fuzz/fuzz_targets/` runs): crashes found
//! by `scripts/fuzz.sh` stay fixed. Each target also runs on a few built-in inputs, so a
//! harness that stops reaching the code it is meant to test fails here first.

mod fuzz_harness;

use fuzz_harness::TARGETS;
use std::path::Path;

fn cases(target: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_cases")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn every_saved_crash_replays_clean() {
    for (target, run) in TARGETS {
        for case in cases(target) {
            let data = std::fs::read(&case).unwrap_or_else(|e| panic!("{}: {e}", case.display()));
            eprintln!("replaying {}", case.display());
            run(&data);
        }
    }
}

#[test]
fn every_case_folder_is_a_target() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_cases");
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            TARGETS.iter().any(|(t, _)| *t == name),
            "tests/fuzz_cases/{name} is not a fuzz target"
        );
    }
}

/// `examples/platform` in the `#> path` input format of the `compile` target.
fn example_input() -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/platform");
    let mut paths: Vec<_> = walkdir::WalkDir::new(&root)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.path().strip_prefix(&root).ok().map(Path::to_path_buf))
        .filter(|p| !p.starts_with("out"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for rel in paths {
        out.extend_from_slice(format!("#> {}\n", rel.display()).as_bytes());
        out.extend(std::fs::read(root.join(&rel)).unwrap_or_else(|e| panic!("{e}")));
        out.push(b'\n');
    }
    out
}

#[test]
fn the_compile_harness_builds_the_example_and_checks_its_artifacts() {
    let files = fuzz_harness::repo::files(&example_input());
    assert!(
        files.iter().any(|(p, _)| p == "tenants/acme-corp/production.yaml"),
        "{files:?}"
    );
    let dir = fuzz_harness::repo::write(&files);
    let (_, artifacts) = fuzz_harness::repo::build(dir.path()).unwrap_or_else(|| panic!("the example must build"));
    assert!(
        artifacts
            .iter()
            .any(|a| a.path.ends_with(".json") && a.path.contains("/slack/"))
    );
}

#[test]
fn the_compile_harness_flags_an_artifact_the_tools_would_reject() {
    let mut bad = strata::write::Artifact {
        path: "production/slack/x/critical.en.json".into(),
        bytes: br#"{"*": {"blocks": [{"type": "header", "text": {"type": "plain_text", "text": ""}}]}}"#.to_vec(),
    };
    let broken = std::panic::catch_unwind(|| fuzz_harness::repo::check_artifacts(std::slice::from_ref(&bad)));
    assert!(broken.is_err(), "an empty header text must break the Slack limits");
    bad.path = "production/prometheus/rules/x.yml".into();
    bad.bytes = b"groups: [\n".to_vec();
    let broken = std::panic::catch_unwind(|| fuzz_harness::repo::check_artifacts(std::slice::from_ref(&bad)));
    assert!(broken.is_err(), "unclosed YAML must be refused");
}

#[test]
fn the_templates_harness_reaches_a_clean_build() {
    assert!(fuzz_harness::templates::built(&[0; 64]), "an empty tenant must build");
}

#[test]
fn the_yaml_merge_harness_accepts_layers_and_the_promql_harness_a_confined_rule() {
    fuzz_harness::yaml_merge::run(b"#> defaults.yaml\na: {b: 1, c: [1]}\n#> environments/p.yaml\na: {b: null, d: x}\n");
    fuzz_harness::promql::run(b"asum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) or vector(1)");
}
