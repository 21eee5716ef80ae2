//! Determinism: the same inputs, written to disk in a different order (so directories list
//! them in a different order), built under other locales and time zones, give the same
//! bytes and modes in every output file, `manifest.json` included, and the same
//! diagnostics.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

/// The example repository plus 20 tenants made from its tenants, as (path, content).
fn inputs() -> Vec<(String, Vec<u8>)> {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/platform");
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&example).sort_by_file_name() {
        let entry = entry.unwrap_or_else(|e| panic!("{e}"));
        let rel = entry.path().strip_prefix(&example).unwrap_or_else(|e| panic!("{e}"));
        if entry.file_type().is_file() && !rel.starts_with("out") {
            let bytes = std::fs::read(entry.path()).unwrap_or_else(|e| panic!("{e}"));
            files.push((rel.display().to_string(), bytes));
        }
    }
    let templates: Vec<(String, String, String)> = files
        .iter()
        .filter_map(|(path, bytes)| {
            let rest = path.strip_prefix("tenants/")?;
            let id = rest.split(['/', '.']).next().unwrap_or_default().to_string();
            Some((id, path.clone(), String::from_utf8_lossy(bytes).into_owned()))
        })
        .collect();
    for copy in 1..=2 {
        for (id, path, text) in &templates {
            let new = format!("{id}-{copy}");
            files.push((
                path.replacen(id.as_str(), &new, 1),
                text.replace(id.as_str(), &new).into_bytes(),
            ));
        }
    }
    files
}

/// Writes `files` under `root` in the given order.
fn write(root: &Path, files: &[&(String, Vec<u8>)]) {
    for (path, bytes) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap_or(root)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
    }
}

fn run(root: &Path, args: &[&str], locale: &str, tz: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(root)
        .env_remove("STRATA_TODAY")
        .env_remove("SOURCE_DATE_EPOCH")
        .env("NO_COLOR", "1")
        .env("LANG", locale)
        .env("LC_ALL", locale)
        .env("TZ", tz)
        .output()
        .unwrap_or_else(|e| panic!("running strata: {e}"))
}

#[test]
fn order_locale_and_time_zone_change_no_output_byte() {
    let files = inputs();
    assert!(files.iter().filter(|(p, _)| p.starts_with("tenants/")).count() >= 30);
    // tmpfs lists a folder in the reverse order of creation (ext4 in hash order, the same
    // for the same names), so the copies there are listed in different orders.
    let shm = Path::new("/dev/shm");
    let tmpfs = tempfile::tempdir_in(shm).ok();
    let tmp = match tmpfs {
        Some(t) => t,
        None => tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
    };
    let on_tmpfs = tmp.path().starts_with(shm);
    let mut forward: Vec<&(String, Vec<u8>)> = files.iter().collect();
    forward.sort_by(|a, b| a.0.cmp(&b.0));
    let mut backward = forward.clone();
    backward.reverse();
    // An interleaving: every third file first, then the rest.
    let mut shuffled: Vec<_> = forward.iter().step_by(3).copied().collect();
    shuffled.extend(forward.iter().enumerate().filter(|(i, _)| i % 3 != 0).map(|(_, f)| *f));
    let runs = [
        ("forward", &forward, "C", "UTC"),
        ("backward", &backward, "de_DE.UTF-8", "Pacific/Kiritimati"),
        ("shuffled", &shuffled, "fr_FR.UTF-8", "America/St_Johns"),
    ];
    let mut outputs = Vec::new();
    for (name, order, locale, tz) in runs {
        let root = tmp.path().join(name);
        write(&root, order);
        let out = tmp.path().join(format!("{name}-out"));
        let out_arg = out.display().to_string();
        let built = run(&root, &["build", ".", "--out", &out_arg], locale, tz);
        let said = || common::stdout(&built) + &common::stderr(&built);
        assert_eq!(built.status.code(), Some(0), "{name}: {}", said());
        let check = run(&root, &["check", ".", "--format", "json"], locale, tz);
        assert_eq!(check.status.code(), Some(0), "{name}: {}", common::stderr(&check));
        outputs.push((name, common::tree_files(&out), check.stdout, built.stdout));
    }
    let listing = |name: &str| -> Vec<std::ffi::OsString> {
        let dir = std::fs::read_dir(tmp.path().join(name).join("tenants")).unwrap_or_else(|e| panic!("{e}"));
        dir.filter_map(Result::ok).map(|e| e.file_name()).collect()
    };
    if on_tmpfs {
        assert_ne!(
            listing("forward"),
            listing("backward"),
            "the copies list in the same order"
        );
    }
    let (first, files_a, check_a, stdout_a) = &outputs[0];
    assert!(
        files_a.contains_key("manifest.json") && files_a.len() > 500,
        "{}",
        files_a.len()
    );
    for (name, files_b, check_b, stdout_b) in &outputs[1..] {
        let paths = |f: &BTreeMap<String, (u32, Vec<u8>)>| f.keys().cloned().collect::<Vec<_>>();
        assert_eq!(paths(files_a), paths(files_b), "{first} vs {name}: file lists");
        for (path, a) in files_a {
            assert!(Some(a) == files_b.get(path), "{first} vs {name}: {path} differs");
        }
        assert_eq!(check_a, check_b, "{first} vs {name}: check --format json");
        assert_eq!(stdout_a, stdout_b, "{first} vs {name}: build output");
    }
}
