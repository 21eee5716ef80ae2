//! Paths that try to leave the repository: tenant ids and file names that are path
//! traversals, symbolic links to files and folders outside the root, and template
//! overrides linked to outside files.

use super::{build_refused, platform, run, write};
use std::os::unix::fs::symlink;
use std::path::Path;

const CANARY: &str = "hostile-canary-7f3a";

/// A folder outside the repository holding a tenant-shaped file with the canary.
fn outside() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let body = format!("id: evil\nname: {CANARY}\ncontact_email: a@b.io\n");
    write(dir.path(), "evil.yaml", &body);
    write(dir.path(), "dev.yaml", format!("name: {CANARY}\n"));
    dir
}

fn no_canary(root: &Path, err: &str) {
    assert!(!err.contains(CANARY), "outside content reached a diagnostic:\n{err}");
    for entry in walkdir::WalkDir::new(root.join("out"))
        .into_iter()
        .filter_map(Result::ok)
    {
        let text = std::fs::read(entry.path()).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&text).contains(CANARY),
            "outside content reached {}",
            entry.path().display()
        );
    }
}

#[test]
fn a_tenant_id_that_is_a_path_traversal_is_refused() {
    let repo = platform();
    let text = std::fs::read_to_string(repo.path().join("tenants/beatforge.yaml")).unwrap_or_default();
    write(
        repo.path(),
        "tenants/beatforge.yaml",
        text.replace("id: beatforge", "id: ../x"),
    );
    build_refused(repo.path(), "STRATA-E02", "tenants/beatforge.yaml:2:");
    assert!(!repo.path().join("x").exists() && !repo.path().join("../x").exists());
}

#[test]
fn a_tenant_file_name_with_dots_is_refused() {
    let repo = platform();
    write(
        repo.path(),
        "tenants/..x.yaml",
        "id: ..x\nname: X\ncontact_email: a@b.io\n",
    );
    build_refused(repo.path(), "STRATA-E021", "tenants/..x.yaml");
}

#[test]
fn a_tenant_file_linked_to_etc_passwd_is_refused_unread() {
    let repo = platform();
    symlink("/etc/passwd", repo.path().join("tenants/passwd.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let out = build_refused(repo.path(), "STRATA-E041", "tenants/passwd.yaml");
    let err = super::text(&out);
    assert!(!err.contains("root:"), "the linked file was quoted:\n{err}");
}

#[test]
fn a_tenant_file_linked_outside_is_refused() {
    let repo = platform();
    let away = outside();
    symlink(away.path().join("evil.yaml"), repo.path().join("tenants/evil.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let out = build_refused(repo.path(), "STRATA-E041", "tenants/evil.yaml");
    no_canary(repo.path(), &super::text(&out));
}

#[test]
fn an_overlay_folder_linked_outside_is_refused() {
    let repo = platform();
    let away = outside();
    std::fs::remove_dir_all(repo.path().join("tenants/acme-corp")).unwrap_or_else(|e| panic!("{e}"));
    symlink(away.path(), repo.path().join("tenants/acme-corp")).unwrap_or_else(|e| panic!("{e}"));
    let out = build_refused(repo.path(), "STRATA-E041", "tenants/acme-corp/dev.yaml");
    no_canary(repo.path(), &super::text(&out));
}

#[test]
fn a_policy_linked_outside_is_refused() {
    let repo = platform();
    let away = outside();
    let rego = write(away.path(), "x.rego", format!("package {CANARY}\n"));
    std::fs::create_dir_all(repo.path().join("policies")).unwrap_or_else(|e| panic!("{e}"));
    symlink(rego, repo.path().join("policies/x.rego")).unwrap_or_else(|e| panic!("{e}"));
    let out = build_refused(repo.path(), "STRATA-E041", "policies/x.rego");
    no_canary(repo.path(), &super::text(&out));
}

#[test]
fn a_template_override_linked_outside_never_reaches_the_output() {
    let repo = platform();
    let away = outside();
    let tmpl = write(
        away.path(),
        "notifications.tmpl",
        format!("{{{{ define \"x\" }}}}{CANARY}{{{{ end }}}}\n"),
    );
    std::fs::create_dir_all(repo.path().join("templates/alertmanager")).unwrap_or_else(|e| panic!("{e}"));
    symlink(&tmpl, repo.path().join("templates/alertmanager/notifications.tmpl")).unwrap_or_else(|e| panic!("{e}"));
    let out = build_refused(repo.path(), "STRATA-E041", "templates/alertmanager/notifications.tmpl");
    no_canary(repo.path(), &super::text(&out));
}

#[test]
fn a_template_folder_linked_to_etc_is_refused_unread() {
    let repo = platform();
    std::fs::create_dir_all(repo.path().join("templates")).unwrap_or_else(|e| panic!("{e}"));
    symlink("/etc", repo.path().join("templates/alertmanager")).unwrap_or_else(|e| panic!("{e}"));
    let out = build_refused(repo.path(), "STRATA-E041", "templates/alertmanager");
    let err = super::text(&out);
    assert!(!err.contains("root:"), "an outside file was quoted:\n{err}");
}

#[test]
fn a_catalog_linked_to_etc_passwd_is_refused_unread() {
    let repo = platform();
    std::fs::create_dir_all(repo.path().join("locales")).unwrap_or_else(|e| panic!("{e}"));
    symlink("/etc/passwd", repo.path().join("locales/de.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let out = build_refused(repo.path(), "STRATA-E041", "locales/de.yaml");
    let err = super::text(&out);
    assert!(!err.contains("root:"), "the linked file was quoted:\n{err}");
}

#[test]
fn a_link_that_stays_inside_the_repository_is_followed() {
    let repo = platform();
    let root = repo.path();
    std::fs::create_dir_all(root.join("shared")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::rename(root.join("tenants/beatforge.yaml"), root.join("shared/beatforge.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    symlink("../shared/beatforge.yaml", root.join("tenants/beatforge.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let (out, _) = run(root, &["build", "--out", "out"]);
    assert_eq!(out.status.code(), Some(0), "{}", super::text(&out));
    assert!(root.join("out/dev/prometheus/rules/beatforge.yml").is_file());
}
