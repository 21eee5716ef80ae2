//! Hostile YAML through the binary: alias bombs, deep nesting, huge files, bytes that are
//! not UTF-8 and NUL bytes in a tenant file.

use super::{build_refused, platform, run, write};

const TENANT: &str = "tenants/beatforge.yaml";

fn billion_laughs() -> String {
    let mut bomb = String::from("id: beatforge\nlol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*l{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("lol{i}: &l{i} [{refs}]\n"));
    }
    bomb
}

#[test]
fn alias_bomb_is_refused_at_its_line() {
    let repo = platform();
    write(repo.path(), TENANT, billion_laughs());
    build_refused(repo.path(), "STRATA-E003", "tenants/beatforge.yaml:");
}

#[test]
fn ten_thousand_nested_sequences_are_refused() {
    let repo = platform();
    let deep = format!("id: beatforge\nx: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    write(repo.path(), TENANT, deep);
    build_refused(repo.path(), "STRATA-E004", "tenants/beatforge.yaml:2:");
}

#[test]
fn ten_thousand_nested_mappings_are_refused() {
    let repo = platform();
    let deep = format!("id: beatforge\nx: {}1{}\n", "{a: ".repeat(10_000), "}".repeat(10_000));
    write(repo.path(), TENANT, deep);
    build_refused(repo.path(), "STRATA-E004", "tenants/beatforge.yaml:2:");
}

#[test]
fn a_200_mb_file_is_refused_by_size_before_it_is_read() {
    let repo = platform();
    let path = write(repo.path(), "tenants/huge.yaml", "# a comment that never ends ");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{e}"));
    // Sparse: the 200 MB past the comment are a hole, read back as NUL bytes.
    file.set_len(200 * 1024 * 1024).unwrap_or_else(|e| panic!("{e}"));
    drop(file);
    let out = build_refused(repo.path(), "STRATA-E005", "tenants/huge.yaml");
    let err = super::text(&out);
    assert!(err.contains("4 MiB"), "the diagnostic names the limit:\n{err}");
    let (check, took) = run(repo.path(), &["check"]);
    super::assert_refused(&check, "STRATA-E005", "tenants/huge.yaml");
    assert!(took.as_secs() < 10, "a size check does not read 200 MB: {took:?}");
}

#[test]
fn bytes_that_are_not_utf8_are_located() {
    let repo = platform();
    write(repo.path(), TENANT, b"id: beatforge\nname: \"caf\xe9 \xff\"\n");
    build_refused(repo.path(), "STRATA-E006", "tenants/beatforge.yaml:2:");
}

#[test]
fn nul_bytes_are_refused_at_their_line() {
    let repo = platform();
    write(repo.path(), TENANT, b"id: beatforge\nname: \"a\0b\"\n");
    build_refused(repo.path(), "STRATA-E001", "tenants/beatforge.yaml:2:");
    write(repo.path(), TENANT, b"id: beatforge\0\n");
    build_refused(repo.path(), "STRATA-E0", "tenants/beatforge.yaml:1:");
}
