//! Very many tenants in one directory: the listing, loading and the report of the one
//! broken tenant stay bounded in time and memory.

use super::{assert_refused, run, write};
use std::path::Path;

fn fleet(n: usize) -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = repo.path();
    write(root, "strata.toml", "[project]\nname = \"fleet\"\n");
    write(root, "environments/dev.yaml", "platform: {}\ntenant_defaults: {}\n");
    std::fs::create_dir_all(root.join("tenants")).unwrap_or_else(|e| panic!("{e}"));
    for i in 0..n {
        tenant(root, i, "");
    }
    tenant(root, n - 1, "bogus: 1\n");
    repo
}

fn tenant(root: &Path, i: usize, extra: &str) {
    let text = format!("id: t{i}\nname: T{i}\ncontact_email: a@b.io\nregion: eu-west-1\n{extra}");
    std::fs::write(root.join(format!("tenants/t{i}.yaml")), text).unwrap_or_else(|e| panic!("{e}"));
}

/// 100,000 tenant files in one folder: selecting one of them lists the folder and reports
/// that tenant's error without loading the others.
#[test]
fn one_hundred_thousand_tenants_are_listed_in_bounded_time() {
    let repo = fleet(100_000);
    let (out, _) = run(repo.path(), &["check", "--tenant", "t99999"]);
    assert_refused(&out, "STRATA-E011", "tenants/t99999.yaml:5:");
}

/// A full check of 5,000 tenants (100,000 take about 80 s in a debug build, beyond the
/// suite's budget) finds the broken one.
#[test]
fn five_thousand_tenants_are_checked_in_bounded_time() {
    let repo = fleet(5_000);
    let (out, _) = run(repo.path(), &["check"]);
    assert_refused(&out, "STRATA-E011", "tenants/t4999.yaml:5:");
}
