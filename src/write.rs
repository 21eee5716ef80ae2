//! Writing a build: every file goes to a staging folder beside the output folder, which is
//! then swapped in whole (atomically where the file system allows). A failed build never
//! touches the previous output. `manifest.json` lists every input and output with sha256.
//!
//! Modes are set explicitly, whatever the umask: folders `rwxr-xr-x`, files `rw-r--r--`,
//! and `rw-------` for a file holding a secret value ([`Artifact::holds_secrets`]), from
//! the moment it is created. A file of the previous output is hard-linked only when its
//! mode is the one wanted, so a link never carries an old mode over.

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, Write as _};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

mod spare;
mod stage;
pub use spare::spare_dir;
pub use stage::Staging;

/// One output file, by path relative to the output folder.
#[derive(Debug, Clone, Default)]
pub struct Artifact {
    /// Relative path with `/` separators.
    pub path: String,
    /// Content.
    pub bytes: Vec<u8>,
}

/// Keys under which strata writes a secret value itself in `alertmanager.yml` (a Slack
/// `api_url`, a PagerDuty `routing_key`, the SMTP `smtp_auth_password`), as the YAML
/// emitter writes them. Their `*_file` forms hold a path, not a secret. No other artifact
/// holds a secret value: `tenants/*.json` keeps the `${...}` reference, the Kubernetes
/// manifests name a Secret, and a secret variable anywhere else is STRATA-E034.
const SECRET_KEYS: [&str; 3] = [" api_url: ", " routing_key: ", " smtp_auth_password: "];

/// Mode of a file holding a secret value.
pub const SECRET_MODE: u32 = 0o600;
/// Mode of every other file.
pub const FILE_MODE: u32 = 0o644;

impl Artifact {
    /// Whether the file holds a secret value: an `alertmanager.yml` with a secret given
    /// inline rather than as a `*_file` path.
    pub fn holds_secrets(&self) -> bool {
        self.path.ends_with("alertmanager/alertmanager.yml")
            && std::str::from_utf8(&self.bytes).is_ok_and(|text| SECRET_KEYS.iter().any(|k| text.contains(k)))
    }

    /// The mode the file is written with.
    pub fn mode(&self) -> u32 {
        if self.holds_secrets() { SECRET_MODE } else { FILE_MODE }
    }
}

/// Creates (or truncates) `path` with `artifact`'s content and exactly its
/// [`Artifact::mode`]: the mode is set before any byte is written.
pub fn create_file(path: &Path, artifact: &Artifact) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mode = artifact.mode();
    let mut options = fs::OpenOptions::new();
    options.write(true).mode(mode);
    // A new file gets `mode` less the umask: no `fchmod` is needed when the umask keeps
    // every bit of it (a build creates hundreds of thousands of files).
    let (mut file, created) = match options.clone().create_new(true).open(path) {
        Ok(file) => (file, true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => (options.truncate(true).open(path)?, false),
        Err(e) => return Err(e),
    };
    if !(created && umask().is_some_and(|mask| mode & mask == 0)) {
        file.set_permissions(fs::Permissions::from_mode(mode))?;
    }
    file.write_all(&artifact.bytes)
}

/// The process's file mode creation mask, read once from `/proc/self/status` (reading it
/// with `umask(2)` would set it, racing the other threads); `None` where that is unknown.
fn umask() -> Option<u32> {
    static UMASK: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
    *UMASK.get_or_init(|| {
        let status = fs::read_to_string("/proc/self/status").ok()?;
        let mask = status.lines().find_map(|l| l.strip_prefix("Umask:"))?;
        u32::from_str_radix(mask.trim(), 8).ok()
    })
}

/// Hard-links `old` as `new` if `old` is a regular file of mode `mode`.
fn link_with_mode(old: &Path, new: &Path, mode: u32) -> bool {
    let same = fs::symlink_metadata(old).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o7777 == mode);
    same && fs::hard_link(old, new).is_ok()
}

/// Hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The manifest listing inputs (path relative to the root, bytes) and outputs.
pub fn manifest(inputs: &[(String, Vec<u8>)], outputs: &[Artifact]) -> Artifact {
    let inputs: Vec<(String, String)> = inputs.iter().map(|(p, b)| (p.clone(), sha256_hex(b))).collect();
    let outputs: Vec<(String, String)> = outputs.iter().map(|a| (a.path.clone(), sha256_hex(&a.bytes))).collect();
    manifest_of_hashes(inputs, outputs)
}

/// The manifest from the hex sha256 of each input and output, by path (what [`manifest`]
/// writes, for callers that keep the hashes of unchanged files). The JSON is written
/// directly, byte for byte as `serde_json::to_vec_pretty` would, without building a value
/// tree of every entry.
pub fn manifest_of_hashes(mut inputs: Vec<(String, String)>, mut outputs: Vec<(String, String)>) -> Artifact {
    inputs.sort_by(|a, b| a.0.cmp(&b.0));
    outputs.sort_by(|a, b| a.0.cmp(&b.0));
    let entries = |list: &[(String, String)]| list.iter().map(|(p, s)| manifest_entry(p, s)).collect::<Vec<_>>();
    let (inputs, outputs) = (entries(&inputs), entries(&outputs));
    manifest_of_entries(inputs.iter().map(String::as_str), outputs.iter().map(String::as_str))
}

/// One entry of a list of the manifest, as [`manifest_of_entries`] joins them.
pub fn manifest_entry(path: &str, sha: &str) -> String {
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""));
    format!(
        "    {{\n      \"path\": {},\n      \"sha256\": {}\n    }}",
        quote(path),
        quote(sha)
    )
}

/// The manifest from the [`manifest_entry`] of each input and output, each list sorted by
/// path (for callers that keep the entries of unchanged files).
pub fn manifest_of_entries<'a>(
    inputs: impl Iterator<Item = &'a str> + Clone,
    outputs: impl Iterator<Item = &'a str> + Clone,
) -> Artifact {
    let size: usize = inputs.clone().chain(outputs.clone()).map(|e| e.len() + 2).sum();
    let mut text = String::with_capacity(size + 128);
    text.push_str("{\n  \"generator\": ");
    text.push_str(&format!("\"strata {}\"", env!("CARGO_PKG_VERSION")));
    for (key, entries) in [("inputs", inputs.collect::<Vec<_>>()), ("outputs", outputs.collect())] {
        text.push_str(",\n  \"");
        text.push_str(key);
        text.push_str("\": [");
        for (n, entry) in entries.iter().enumerate() {
            text.push_str(if n == 0 { "\n" } else { ",\n" });
            text.push_str(entry);
        }
        text.push_str(if entries.is_empty() { "]" } else { "\n  ]" });
    }
    text.push_str("\n}\n");
    Artifact {
        path: "manifest.json".into(),
        bytes: text.into_bytes(),
    }
}

/// Whether `dir` may be replaced: it is missing, empty, or a previous strata output.
pub fn replaceable(dir: &Path) -> bool {
    match fs::read_dir(dir) {
        Err(_) => !dir.exists(),
        Ok(mut entries) => entries.next().is_none() || dir.join("manifest.json").is_file(),
    }
}

/// Writes `artifacts` into a staging folder and swaps it in as `out_dir`.
pub fn write_atomically(out_dir: &Path, artifacts: &[Artifact]) -> io::Result<()> {
    let files: Vec<&Artifact> = artifacts.iter().collect();
    write_swap(out_dir, &files, &|_| None, None)
}

/// [`write_atomically`] for callers that know more: `known(a)` is `Some(true)` when the
/// current output holds `a` unchanged (it is hard-linked without being read), `Some(false)`
/// when it changed, `None` to compare. With `keep_previous`, the replaced output is moved
/// there (for [`swap_back`]) instead of being deleted; an older folder there is deleted
/// on a background thread.
pub fn write_swap(
    out_dir: &Path,
    artifacts: &[&Artifact],
    known: &(dyn Fn(&Artifact) -> Option<bool> + Sync),
    keep_previous: Option<&Path>,
) -> io::Result<()> {
    if !replaceable(out_dir) {
        return Err(io::Error::other(format!(
            "refusing to replace {}: it is not empty and holds no manifest.json from a strata build",
            out_dir.display()
        )));
    }
    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)?;
    let staging = tempfile::Builder::new()
        .prefix(".strata-staging-")
        .tempdir_in(&parent)?;
    let mut dirs: std::collections::BTreeSet<PathBuf> = std::collections::BTreeSet::new();
    for artifact in artifacts {
        let mut dir = staging.path().join(&artifact.path);
        while dir.pop() && dir.as_path() != staging.path() && dirs.insert(dir.clone()) {}
    }
    for dir in &dirs {
        fs::create_dir_all(dir)?;
    }
    artifacts.par_iter().try_for_each(|artifact| -> io::Result<()> {
        let path = staging.path().join(&artifact.path);
        let old = out_dir.join(&artifact.path);
        let linked = match known(artifact) {
            Some(true) => link_with_mode(&old, &path, artifact.mode()),
            Some(false) => false,
            None => reuse_unchanged(&old, artifact, &path),
        };
        if linked {
            return Ok(());
        }
        create_file(&path, artifact)
    })?;
    for dir in std::iter::once(staging.path()).chain(dirs.iter().map(PathBuf::as_path)) {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755))?;
    }
    let staging = staging.keep();
    swap_in(&staging, out_dir, keep_previous).inspect_err(|_| {
        let _ = fs::remove_dir_all(&staging);
    })
}

/// Swaps `previous` (kept by [`write_swap`]) and `out_dir` back: the output becomes the
/// previous one again, and `previous` holds the output that was replaced.
pub fn swap_back(previous: &Path, out_dir: &Path) -> io::Result<()> {
    exchange(previous, out_dir)
}

fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    let exchanged = rustix::fs::renameat_with(
        rustix::fs::CWD,
        a,
        rustix::fs::CWD,
        b,
        rustix::fs::RenameFlags::EXCHANGE,
    );
    match exchanged {
        Ok(()) => Ok(()),
        Err(_) => {
            let old = a.with_extension("swap");
            fs::rename(b, &old)?;
            fs::rename(a, b)?;
            fs::rename(&old, a)
        }
    }
}

/// Hard-links the previous output's file into the staging folder when its content and
/// mode are unchanged: no new inode, no write. Files are never modified in place, so
/// sharing the inode with the previous output (the spare after the swap) is safe.
fn reuse_unchanged(old: &Path, artifact: &Artifact, new: &Path) -> bool {
    let bytes = &artifact.bytes;
    let same_size = fs::symlink_metadata(old).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64);
    same_size && fs::read(old).is_ok_and(|b| b == *bytes) && link_with_mode(old, new, artifact.mode())
}

fn swap_in(staging: &Path, out_dir: &Path, keep_previous: Option<&Path>) -> io::Result<()> {
    if !out_dir.exists() {
        return fs::rename(staging, out_dir);
    }
    exchange(staging, out_dir)?;
    let Some(keep) = keep_previous else {
        return remove_tree(staging);
    };
    if keep.exists() {
        let trash = staging.with_extension("trash");
        fs::rename(keep, &trash)?;
        std::thread::spawn(move || fs::remove_dir_all(trash));
    }
    fs::rename(staging, keep)
}

/// Removes the folder `dir` and everything in it, like [`fs::remove_dir_all`] (symbolic
/// links are removed, never followed), with its subfolders removed in parallel: a build
/// output is thousands of small folders.
pub fn remove_tree(dir: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rustix::fs::openat(CWD, dir, flags, Mode::empty())?;
    empty_tree(fd)?;
    fs::remove_dir(dir)
}

/// Removes everything in the open folder `fd`.
fn empty_tree(fd: std::os::fd::OwnedFd) -> io::Result<()> {
    use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags};
    use std::os::fd::AsFd;
    let mut dir = Dir::new(fd)?;
    let mut subdirs = Vec::new();
    while let Some(entry) = dir.read() {
        let entry = entry?;
        let name = entry.file_name();
        if name == c"." || name == c".." {
            continue;
        }
        let kind = match entry.file_type() {
            FileType::Unknown => {
                FileType::from_raw_mode(rustix::fs::statat(dir.fd()?, name, AtFlags::SYMLINK_NOFOLLOW)?.st_mode)
            }
            kind => kind,
        };
        if kind == FileType::Directory {
            subdirs.push(name.to_owned());
        } else {
            rustix::fs::unlinkat(dir.fd()?, name, AtFlags::empty())?;
        }
    }
    let parent = dir.fd()?;
    subdirs.par_iter().try_for_each(|name| -> io::Result<()> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        empty_tree(rustix::fs::openat(
            parent.as_fd(),
            name.as_c_str(),
            flags,
            Mode::empty(),
        )?)?;
        Ok(rustix::fs::unlinkat(
            parent.as_fd(),
            name.as_c_str(),
            AtFlags::REMOVEDIR,
        )?)
    })
}

#[cfg(test)]
mod manifest_tests {
    use super::*;

    /// The manifest as a `serde_json` value tree pretty-prints it.
    fn by_serde(inputs: &[(&str, &str)], outputs: &[(&str, &str)]) -> Vec<u8> {
        let entry = |(path, sha): &(&str, &str)| serde_json::json!({"path": path, "sha256": sha});
        let doc = serde_json::json!({
            "generator": format!("strata {}", env!("CARGO_PKG_VERSION")),
            "inputs": inputs.iter().map(entry).collect::<Vec<_>>(),
            "outputs": outputs.iter().map(entry).collect::<Vec<_>>(),
        });
        let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    #[test]
    fn the_direct_manifest_is_what_serde_writes() {
        let own = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        let inputs = [("a \"q\"\\ é\u{1}.yaml", "00"), ("b.yaml", "11")];
        let outputs = [("x/y.yml", "22")];
        assert_eq!(
            manifest_of_hashes(own(&inputs), own(&outputs)).bytes,
            by_serde(&inputs, &outputs)
        );
        assert_eq!(manifest_of_hashes(Vec::new(), Vec::new()).bytes, by_serde(&[], &[]));
        let unsorted = [("b", "1"), ("a", "2")];
        assert_eq!(
            manifest_of_hashes(own(&unsorted), Vec::new()).bytes,
            by_serde(&[("a", "2"), ("b", "1")], &[])
        );
    }

    #[test]
    fn secret_files_are_0600_and_a_link_never_keeps_an_old_mode() -> io::Result<()> {
        use std::os::unix::fs::MetadataExt;
        let file = |path: &str, text: &str| Artifact {
            path: path.into(),
            bytes: text.as_bytes().to_vec(),
        };
        let secret = file(
            "prod/alertmanager/alertmanager.yml",
            "global:\n  smtp_auth_password: pw\n",
        );
        let by_file = file(
            "dev/alertmanager/alertmanager.yml",
            "receivers:\n  - api_url_file: /f\n",
        );
        let elsewhere = file("prod/tenants/a.json", "{\"x\": \" api_url: \"}\n");
        assert!(secret.holds_secrets() && !by_file.holds_secrets() && !elsewhere.holds_secrets());
        let tmp = tempfile::tempdir()?;
        let out = tmp.path().join("out");
        let all = [secret.clone(), by_file, elsewhere, file("manifest.json", "{}")];
        write_atomically(&out, &all)?;
        let meta = |a: &Artifact| fs::metadata(out.join(&a.path));
        for a in &all {
            assert_eq!(meta(a)?.mode() & 0o777, a.mode(), "{}", a.path);
        }
        assert_eq!(meta(&secret)?.mode() & 0o777, 0o600);
        // As an older strata left it: same content, readable by all. Not linked: rewritten.
        fs::set_permissions(out.join(&secret.path), fs::Permissions::from_mode(0o644))?;
        let inode = meta(&secret)?.ino();
        write_atomically(&out, &all)?;
        assert_eq!(meta(&secret)?.mode() & 0o777, 0o600);
        assert_ne!(meta(&secret)?.ino(), inode);
        let inode = meta(&secret)?.ino();
        write_atomically(&out, &all)?;
        assert_eq!(meta(&secret)?.ino(), inode, "an unchanged 0600 file is linked");
        Ok(())
    }

    #[test]
    fn remove_tree_removes_everything_and_follows_no_link() -> io::Result<()> {
        let tmp = tempfile::tempdir()?;
        let outside = tmp.path().join("outside");
        fs::create_dir(&outside)?;
        fs::write(outside.join("keep.txt"), "keep")?;
        let tree = tmp.path().join("tree");
        for n in 0..20 {
            fs::create_dir_all(tree.join(format!("d{n}/e")))?;
            fs::write(tree.join(format!("d{n}/e/f.txt")), "x")?;
            fs::write(tree.join(format!("f{n}.txt")), "y")?;
        }
        std::os::unix::fs::symlink(&outside, tree.join("d0/link"))?;
        remove_tree(&tree)?;
        assert!(!tree.exists());
        assert_eq!(fs::read(outside.join("keep.txt"))?, b"keep");
        assert!(remove_tree(&tmp.path().join("missing")).is_err());
        Ok(())
    }
}
