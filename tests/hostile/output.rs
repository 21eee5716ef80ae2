//! A hostile change after a good build: the refused build leaves the previous output as it
//! was, byte for byte, with no staging folder beside it.

use super::{assert_refused, platform, run, write};
use std::path::Path;

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_refused_build_keeps_the_previous_output_intact() {
    let repo = platform();
    let (good, _) = run(repo.path(), &["build", "--out", "out"]);
    assert_eq!(good.status.code(), Some(0), "{}", super::text(&good));
    let before = super::common::tree_files(&repo.path().join("out"));
    assert!(
        before.contains_key("manifest.json"),
        "{:?}",
        before.keys().take(5).collect::<Vec<_>>()
    );
    let listing = entries(repo.path());

    let deep = format!("id: beatforge\nx: {}\n", "[".repeat(10_000));
    write(repo.path(), "tenants/beatforge.yaml", deep);
    let (bad, _) = run(repo.path(), &["build", "--out", "out"]);
    assert_refused(&bad, "STRATA-E004", "tenants/beatforge.yaml:2:");

    assert_eq!(
        entries(repo.path()),
        listing,
        "a refused build left a folder beside the output"
    );
    let after = super::common::tree_files(&repo.path().join("out"));
    assert_eq!(before.len(), after.len());
    assert!(before == after, "a refused build changed the previous output");
}
