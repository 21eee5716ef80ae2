//! Writing a build: every file goes to a staging folder beside the output folder, which is
//! then swapped in whole (atomically where the file system allows). A failed build never
//! touches the previous output. `manifest.json` lists every input and output with sha256.

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// One output file, by path relative to the output folder.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Relative path with `/` separators.
    pub path: String,
    /// Content.
    pub bytes: Vec<u8>,
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
/// writes, for callers that keep the hashes of unchanged files).
pub fn manifest_of_hashes(inputs: Vec<(String, String)>, outputs: Vec<(String, String)>) -> Artifact {
    let entry = |(path, sha): (String, String)| serde_json::json!({"path": path, "sha256": sha});
    let mut inputs: Vec<_> = inputs.into_iter().map(entry).collect();
    inputs.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    let mut outputs: Vec<_> = outputs.into_iter().map(entry).collect();
    outputs.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    let doc = serde_json::json!({
        "generator": format!("strata {}", env!("CARGO_PKG_VERSION")),
        "inputs": inputs,
        "outputs": outputs,
    });
    let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    bytes.push(b'\n');
    Artifact {
        path: "manifest.json".into(),
        bytes,
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
            Some(true) => fs::hard_link(&old, &path).is_ok(),
            Some(false) => false,
            None => reuse_unchanged(&old, &artifact.bytes, &path),
        };
        if linked {
            return Ok(());
        }
        let mut file = fs::File::create(&path)?;
        file.write_all(&artifact.bytes)?;
        file.set_permissions(fs::Permissions::from_mode(0o644))
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

/// Hard-links the previous output's file into the staging folder when its content is
/// unchanged: no new inode, no write. Files are never modified in place, so sharing the
/// inode with the previous output (removed after the swap) is safe.
fn reuse_unchanged(old: &Path, bytes: &[u8], new: &Path) -> bool {
    let same_size = fs::symlink_metadata(old).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64);
    same_size && fs::read(old).is_ok_and(|b| b == bytes) && fs::hard_link(old, new).is_ok()
}

fn swap_in(staging: &Path, out_dir: &Path, keep_previous: Option<&Path>) -> io::Result<()> {
    if !out_dir.exists() {
        return fs::rename(staging, out_dir);
    }
    exchange(staging, out_dir)?;
    let Some(keep) = keep_previous else {
        return fs::remove_dir_all(staging);
    };
    if keep.exists() {
        let trash = staging.with_extension("trash");
        fs::rename(keep, &trash)?;
        std::thread::spawn(move || fs::remove_dir_all(trash));
    }
    fs::rename(staging, keep)
}
