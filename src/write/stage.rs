//! A build streamed into its staging folder: each file is written (or kept, or hard-linked
//! from the current output, when unchanged) as soon as it is rendered and hashed for the
//! manifest, so a build never holds all of its files in memory. [`Staging::commit`] writes
//! the manifest and swaps the folder in whole. The staging folder is the output's spare
//! (the output the last build replaced, see [`super::spare`]) when this build can take it,
//! else a new hidden folder; after the swap the replaced output becomes the spare.
//!
//! Whether a file of the current output is unchanged is decided from its `manifest.json`
//! without reading the file: the same sha256 there, the same size, and not modified after
//! the manifest was written (strata writes the manifest last). Without a readable
//! manifest, the file is read and compared.

use super::spare::{Entry, Spare, spare_dir};
use super::{
    Artifact, create_file, exchange, link_with_mode, manifest_of_hashes, remove_tree, replaceable, reuse_unchanged,
    sha256_hex, swap_in,
};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

/// A staging folder beside an output folder, filled from any number of threads.
pub struct Staging {
    out_dir: PathBuf,
    dir: Option<Folder>,
    /// Ancestors of the output folder this staging created, innermost first: removed again
    /// (when still empty) if the build is not committed.
    created: Vec<PathBuf>,
    /// Folders that exist inside the staging folder, relative to it.
    dirs: Mutex<HashSet<PathBuf>>,
    /// Path and hex sha256 of every file put.
    hashes: Mutex<Vec<(String, String)>>,
    /// What the manifest of the current output says, if it has a readable one (read when
    /// first needed: a build whose spare holds every file never needs it).
    current: OnceLock<Option<Current>>,
    /// Whether the output folder existed when the build started (a first build has no
    /// file to keep, and looks for none).
    out_exists: bool,
}

/// The folder a build is staged in.
enum Folder {
    /// The output's spare, taken for this build; `made` when it did not exist before.
    Spare { spare: Spare, made: bool },
    /// A new folder (another build holds the spare).
    Temp(tempfile::TempDir),
}

impl Folder {
    fn path(&self) -> &Path {
        match self {
            Self::Spare { spare, .. } => &spare.path,
            Self::Temp(dir) => dir.path(),
        }
    }

    fn spare(&self) -> Option<&Spare> {
        match self {
            Self::Spare { spare, .. } => Some(spare),
            Self::Temp(_) => None,
        }
    }
}

/// The manifest of an output: the hash of each file by path, and when it was written.
pub(super) struct Current {
    pub hashes: HashMap<String, String>,
    pub written: SystemTime,
}

impl Current {
    /// The manifest of `out_dir`, if it has a readable one.
    pub fn read(out_dir: &Path) -> Option<Self> {
        #[derive(serde::Deserialize)]
        struct Entry {
            path: String,
            sha256: String,
        }
        #[derive(serde::Deserialize)]
        struct Manifest {
            outputs: Vec<Entry>,
        }
        let path = out_dir.join("manifest.json");
        let written = fs::symlink_metadata(&path)
            .ok()
            .filter(|m| m.is_file())?
            .modified()
            .ok()?;
        let manifest: Manifest = serde_json::from_slice(&fs::read(&path).ok()?).ok()?;
        let hashes = manifest.outputs.into_iter().map(|e| (e.path, e.sha256)).collect();
        Some(Self { hashes, written })
    }

    /// Whether `old`, the current output's file at `path`, holds `len` bytes of hash
    /// `sha`: `Some(false)` when the manifest says it does not, `None` when it cannot tell.
    fn holds(&self, path: &str, old: &Path, len: usize, sha: &str) -> Option<bool> {
        if self.hashes.get(path).is_none_or(|had| had != sha) {
            return Some(false);
        }
        let meta = fs::symlink_metadata(old).ok()?;
        let untouched = meta.modified().is_ok_and(|m| m <= self.written);
        let mode = meta.permissions().mode() & 0o7777;
        Some(meta.is_file() && meta.len() == len as u64 && mode == 0o644 && untouched).filter(|same| *same)
    }
}

impl Staging {
    /// A new staging folder for `out_dir`, in its parent folder (created if missing): the
    /// output's spare when this build can take it.
    pub fn new(out_dir: &Path) -> io::Result<Self> {
        let parent = match out_dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let created: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|a| !a.exists())
            .map(Path::to_path_buf)
            .collect();
        fs::create_dir_all(&parent)?;
        let mut staging = Self {
            out_dir: out_dir.to_path_buf(),
            dir: None,
            created,
            dirs: Mutex::default(),
            hashes: Mutex::default(),
            current: OnceLock::new(),
            out_exists: fs::symlink_metadata(out_dir).is_ok(),
        };
        let spare_path = spare_dir(out_dir);
        let made = fs::symlink_metadata(&spare_path).is_err();
        staging.dir = Some(match Spare::take(&spare_path) {
            Some(spare) => {
                let dirs = spare.entries.iter().filter(|(_, e)| matches!(e, Entry::Dir(_)));
                *lock(&staging.dirs) = dirs.map(|(p, _)| PathBuf::from(p)).collect();
                Folder::Spare { spare, made }
            }
            None => Folder::Temp(
                tempfile::Builder::new()
                    .prefix(".strata-staging-")
                    .tempdir_in(&parent)?,
            ),
        });
        Ok(staging)
    }

    fn folder(&self) -> io::Result<&Folder> {
        self.dir
            .as_ref()
            .ok_or_else(|| io::Error::other("the staging folder is gone"))
    }

    fn current(&self) -> Option<&Current> {
        self.current.get_or_init(|| Current::read(&self.out_dir)).as_ref()
    }

    /// Writes `artifact` into the staging folder and records its hash. A file the spare
    /// holds unchanged is kept; one the current output holds unchanged is hard-linked.
    pub fn put(&self, artifact: &Artifact) -> io::Result<()> {
        let folder = self.folder()?;
        let root = folder.path();
        let sha = sha256_hex(&artifact.bytes);
        let spare = folder.spare();
        if spare.is_some_and(|s| s.holds(&artifact.path, artifact.bytes.len(), &sha, artifact.mode())) {
            lock(&self.hashes).push((artifact.path.clone(), sha));
            return Ok(());
        }
        if let Some(parent) = Path::new(&artifact.path).parent() {
            self.make_dirs(root, parent, spare)?;
        }
        let path = root.join(&artifact.path);
        match spare.and_then(|s| s.entries.get(&artifact.path)) {
            Some(Entry::Dir(_)) => ignore_missing(remove_tree(&path))?,
            Some(_) => ignore_missing(fs::remove_file(&path))?,
            None => {}
        }
        let old = self.out_dir.join(&artifact.path);
        let held = if self.out_exists {
            self.current()
                .and_then(|c| c.holds(&artifact.path, &old, artifact.bytes.len(), &sha))
        } else {
            Some(false)
        };
        let linked = match held {
            Some(true) => link_with_mode(&old, &path, artifact.mode()),
            Some(false) => false,
            None => reuse_unchanged(&old, artifact, &path),
        };
        if !linked {
            create_file(&path, artifact)?;
        }
        lock(&self.hashes).push((artifact.path.clone(), sha));
        Ok(())
    }

    /// Makes `rel` and its parents inside the staging folder, each `rwxr-xr-x` (a file of
    /// the spare in the way is removed).
    fn make_dirs(&self, root: &Path, rel: &Path, spare: Option<&Spare>) -> io::Result<()> {
        if rel.as_os_str().is_empty() {
            return Ok(());
        }
        let mut dirs = lock(&self.dirs);
        if dirs.contains(rel) {
            return Ok(());
        }
        let mut missing: Vec<&Path> = rel
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .take_while(|a| !dirs.contains(*a))
            .collect();
        missing.reverse();
        for dir in missing {
            let full = root.join(dir);
            if spare.is_some_and(|s| dir.to_str().is_some_and(|d| s.entries.contains_key(d))) {
                ignore_missing(fs::remove_file(&full))?;
            }
            match fs::create_dir(&full) {
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
                _ => fs::set_permissions(&full, fs::Permissions::from_mode(0o755))?,
            }
            dirs.insert(dir.to_path_buf());
        }
        Ok(())
    }

    /// Files put so far, with their hashes.
    pub fn len(&self) -> usize {
        lock(&self.hashes).len()
    }

    /// Whether no file was put.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes `manifest.json` (the hash of each input and of every file put), removes what
    /// a spare holds beyond the files put, and swaps the staging folder in as the output
    /// folder; the replaced output becomes the spare. Returns the number of files written,
    /// manifest included.
    pub fn commit(mut self, inputs: Vec<(String, String)>) -> io::Result<usize> {
        if !replaceable(&self.out_dir) {
            return Err(io::Error::other(format!(
                "refusing to replace {}: it is not empty and holds no manifest.json from a strata build",
                self.out_dir.display()
            )));
        }
        let outputs = std::mem::take(&mut *lock(&self.hashes));
        let count = outputs.len() + 1;
        let mut put: HashSet<String> = match self.folder()? {
            Folder::Spare { .. } => outputs.iter().map(|(p, _)| p.clone()).collect(),
            Folder::Temp(_) => HashSet::new(),
        };
        put.insert("manifest.json".into());
        let manifest = manifest_of_hashes(inputs, outputs);
        self.put(&manifest)?;
        let folder = self
            .dir
            .take()
            .ok_or_else(|| io::Error::other("the staging folder is gone"))?;
        self.created.clear();
        match folder {
            Folder::Temp(dir) => {
                fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755))?;
                let staging = dir.keep();
                swap_in(&staging, &self.out_dir, None).inspect_err(|_| {
                    let _ = fs::remove_dir_all(&staging);
                })?;
            }
            Folder::Spare { spare, .. } => {
                prune(&spare, &put)?;
                fs::set_permissions(&spare.path, fs::Permissions::from_mode(0o755))?;
                if fs::symlink_metadata(&self.out_dir).is_ok() {
                    exchange(&spare.path, &self.out_dir)?;
                } else {
                    fs::rename(&spare.path, &self.out_dir)?;
                }
            }
        }
        Ok(count)
    }
}

/// Removes from the spare every file and folder it held before the build that is neither
/// a file put nor a folder holding one, and gives the folders kept mode `rwxr-xr-x`.
fn prune(spare: &Spare, put: &HashSet<String>) -> io::Result<()> {
    let mut needed: HashSet<&str> = HashSet::new();
    for path in put {
        let mut rest = path.as_str();
        while let Some((dir, _)) = rest.rsplit_once('/') {
            if !needed.insert(dir) {
                break;
            }
            rest = dir;
        }
    }
    let stale: HashSet<&str> = spare
        .entries
        .keys()
        .map(String::as_str)
        .filter(|p| !put.contains(*p) && !needed.contains(p))
        .collect();
    let outermost = |p: &&str| {
        let mut rest = *p;
        while let Some((dir, _)) = rest.rsplit_once('/') {
            if stale.contains(dir) {
                return false;
            }
            rest = dir;
        }
        true
    };
    let remove: Vec<&str> = stale.iter().copied().filter(outermost).collect();
    remove.par_iter().try_for_each(|rel| {
        let path = spare.path.join(rel);
        match spare.entries.get(*rel) {
            Some(Entry::Dir(_)) => ignore_missing(remove_tree(&path)),
            _ => ignore_missing(fs::remove_file(&path)),
        }
    })?;
    for (rel, entry) in &spare.entries {
        if matches!(entry, Entry::Dir(mode) if *mode != 0o755) && needed.contains(rel.as_str()) {
            fs::set_permissions(spare.path.join(rel), fs::Permissions::from_mode(0o755))?;
        }
    }
    Ok(())
}

/// `result`, with "not found" counted as done.
fn ignore_missing(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        match self.dir.take() {
            Some(Folder::Temp(dir)) => {
                let _ = dir.close();
            }
            // A spare this build made goes; one that was there stays for the next build,
            // its manifest gone, so nothing in it is trusted.
            Some(Folder::Spare { spare, made: true }) => {
                let _ = remove_tree(&spare.path);
            }
            Some(Folder::Spare { made: false, .. }) | None => {}
        }
        for dir in &self.created {
            if fs::remove_dir(dir).is_err() {
                break;
            }
        }
    }
}

/// The data behind `m`, also when a thread panicked holding it.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests;
