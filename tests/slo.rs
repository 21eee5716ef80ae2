//! SLOs end to end: `strata build` of examples/platform writes a promtool test file per
//! tenant with SLOs, both kinds of SLO are declared, and the real promtool accepts the
//! rules and passes the generated tests; the same tests fail against rules whose page
//! alert is broken, so they prove something.

mod common;

use common::strata;
use std::path::{Path, PathBuf};
use std::process::Command;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/platform")
}

fn promtool(args: &[&str], files: &[PathBuf]) -> Option<(bool, String)> {
    if !Path::new("/usr/bin/promtool").exists() {
        println!("note: /usr/bin/promtool is absent; promtool runs skipped");
        return None;
    }
    let out = Command::new("/usr/bin/promtool")
        .args(args)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("running promtool: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.success(), text))
}

#[test]
fn the_example_slos_build_into_rules_and_tests_promtool_passes() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = example();
    let outdir = out.path().to_string_lossy().into_owned();
    let root_arg = root.to_string_lossy().into_owned();
    let build = strata(
        out.path(),
        &["build", &root_arg, "--env", "production", "--out", &outdir],
    );
    assert_eq!(build.status.code(), Some(0), "{}", common::stderr(&build));
    let prom = out.path().join("production/prometheus");

    let mut kinds = (0, 0);
    let mut tests = Vec::new();
    for entry in std::fs::read_dir(root.join("tenants")).unwrap_or_else(|e| panic!("{e}")) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let Some(id) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".yaml"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if !text.contains("\nslos:") {
            continue;
        }
        kinds.0 += usize::from(text.contains("{{window}}"));
        kinds.1 += usize::from(text.contains("    latency:"));
        let test = prom.join(format!("tests/{id}.slo.test.yml"));
        assert!(test.exists(), "{} missing", test.display());
        let rules = std::fs::read_to_string(prom.join(format!("rules/{id}.yml"))).unwrap_or_default();
        assert!(rules.contains(&format!("name: {id}.slo.")), "{id}: no SLO group");
        tests.push(test);
    }
    assert!(
        kinds.0 >= 3 && kinds.1 >= 2,
        "ratio and latency SLOs in several tenants: {kinds:?}"
    );

    let rules: Vec<PathBuf> = tests
        .iter()
        .map(|t| {
            let id = t.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            prom.join("rules").join(id.replace(".slo.test.yml", ".yml"))
        })
        .collect();
    let Some((ok, text)) = promtool(&["check", "rules"], &rules) else {
        return;
    };
    assert!(ok, "{text}");
    let Some((ok, text)) = promtool(&["test", "rules"], &tests) else {
        return;
    };
    assert!(ok, "{text}");

    // Page alerts that need a 1000x burn: the 20x tests must now fail.
    for file in &rules {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let broken = text.replace("(14.4 * ", "(1000 * ").replace("(6 * ", "(1000 * ");
        std::fs::write(file, broken).unwrap_or_else(|e| panic!("{e}"));
    }
    let Some((ok, text)) = promtool(&["test", "rules"], &tests) else {
        return;
    };
    assert!(!ok, "the SLO tests pass against broken page alerts:\n{text}");
    assert!(text.contains("sustained 20x burn"), "{text}");
}
