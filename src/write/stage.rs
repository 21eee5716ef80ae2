//! A build streamed into its staging folder: each file is written (or hard-linked from the
//! current output when unchanged) as soon as it is rendered and hashed for the manifest, so
//! a build never holds all of its files in memory. [`Staging::commit`] writes the manifest
//! and swaps the folder in whole; a staging dropped without it is removed, leaving the
//! output folder untouched.
//!
//! Whether a file of the current output is unchanged is decided from its `manifest.json`
//! without reading the file: the same sha256 there, the same size, and not modified after
//! the manifest was written (strata writes the manifest last). Without a readable
//! manifest, the file is read and compared.

use super::{
    Artifact, create_file, link_with_mode, manifest_of_hashes, replaceable, reuse_unchanged, sha256_hex, swap_in,
};
use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// A staging folder beside an output folder, filled from any number of threads.
pub struct Staging {
    out_dir: PathBuf,
    dir: Option<tempfile::TempDir>,
    /// Ancestors of the output folder this staging created, innermost first: removed again
    /// (when still empty) if the build is not committed.
    created: Vec<PathBuf>,
    /// Folders made inside the staging folder, relative to it.
    dirs: Mutex<HashSet<PathBuf>>,
    /// Path and hex sha256 of every file put.
    hashes: Mutex<Vec<(String, String)>>,
    /// What the manifest of the current output says, if it has a readable one.
    current: Option<Current>,
}

/// The manifest of the current output: the hash of each file by path, and when it was
/// written.
struct Current {
    hashes: HashMap<String, String>,
    written: SystemTime,
}

impl Current {
    /// The manifest of `out_dir`, if it has a readable one.
    fn read(out_dir: &Path) -> Option<Self> {
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
        Some(meta.is_file() && meta.len() == len as u64 && untouched).filter(|same| *same)
    }
}

impl Staging {
    /// A new staging folder for `out_dir`, in its parent folder (created if missing).
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
            current: Current::read(out_dir),
        };
        staging.dir = Some(
            tempfile::Builder::new()
                .prefix(".strata-staging-")
                .tempdir_in(&parent)?,
        );
        Ok(staging)
    }

    fn root(&self) -> io::Result<&Path> {
        self.dir
            .as_ref()
            .map(tempfile::TempDir::path)
            .ok_or_else(|| io::Error::other("the staging folder is gone"))
    }

    /// Writes `artifact` into the staging folder and records its hash. An unchanged file of
    /// the current output is hard-linked instead of written.
    pub fn put(&self, artifact: &Artifact) -> io::Result<()> {
        let root = self.root()?;
        if let Some(parent) = Path::new(&artifact.path).parent() {
            self.make_dirs(root, parent)?;
        }
        let path = root.join(&artifact.path);
        let old = self.out_dir.join(&artifact.path);
        let sha = sha256_hex(&artifact.bytes);
        let held = self
            .current
            .as_ref()
            .and_then(|c| c.holds(&artifact.path, &old, artifact.bytes.len(), &sha));
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

    /// Makes `rel` and its parents inside the staging folder, each `rwxr-xr-x`.
    fn make_dirs(&self, root: &Path, rel: &Path) -> io::Result<()> {
        if rel.as_os_str().is_empty() || lock(&self.dirs).contains(rel) {
            return Ok(());
        }
        let mut missing: Vec<&Path> = rel
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .take_while(|a| !lock(&self.dirs).contains(*a))
            .collect();
        missing.reverse();
        for dir in missing {
            let full = root.join(dir);
            match fs::create_dir(&full) {
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
                _ => fs::set_permissions(&full, fs::Permissions::from_mode(0o755))?,
            }
            lock(&self.dirs).insert(dir.to_path_buf());
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

    /// Writes `manifest.json` (the hash of each input and of every file put) and swaps the
    /// staging folder in as the output folder. Returns the number of files written,
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
        let manifest = manifest_of_hashes(inputs, outputs);
        self.put(&manifest)?;
        let root = self.root()?.to_path_buf();
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755))?;
        let staging = self.dir.take().map(tempfile::TempDir::keep).unwrap_or(root);
        self.created.clear();
        swap_in(&staging, &self.out_dir, None).inspect_err(|_| {
            let _ = fs::remove_dir_all(&staging);
        })?;
        Ok(count)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            let _ = dir.close();
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
mod tests {
    use super::*;

    fn artifact(path: &str, text: &str) -> Artifact {
        Artifact {
            path: path.into(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    fn staging_folders(dir: &Path) -> usize {
        fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(".strata-"))
            .count()
    }

    #[test]
    fn a_committed_staging_is_what_write_atomically_writes() -> io::Result<()> {
        let tmp = tempfile::tempdir()?;
        let files = [
            artifact("a/b/c.txt", "one"),
            artifact("a/d.txt", "two"),
            artifact("e.txt", ""),
        ];
        let streamed = tmp.path().join("deep/streamed");
        let staging = Staging::new(&streamed)?;
        std::thread::scope(|s| {
            for f in &files {
                let staging = &staging;
                s.spawn(move || staging.put(f));
            }
        });
        assert_eq!(staging.len(), 3);
        let inputs = vec![("in.yaml".to_string(), sha256_hex(b"x"))];
        assert_eq!(staging.commit(inputs.clone())?, 4);

        let whole = tmp.path().join("whole");
        let mut all = files.to_vec();
        all.push(super::super::manifest(&[("in.yaml".into(), b"x".to_vec())], &files));
        super::super::write_atomically(&whole, &all)?;
        for f in &all {
            assert_eq!(
                fs::read(streamed.join(&f.path))?,
                fs::read(whole.join(&f.path))?,
                "{}",
                f.path
            );
            let mode = |p: &Path| fs::metadata(p).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode(&streamed.join(&f.path))?, 0o644);
            assert_eq!(
                mode(streamed.join(&f.path).parent().unwrap_or(streamed.as_path()))?,
                0o755
            );
        }
        assert_eq!(staging_folders(&tmp.path().join("deep")), 0);
        Ok(())
    }

    #[test]
    fn a_dropped_staging_leaves_the_output_and_its_parents_as_they_were() -> io::Result<()> {
        let tmp = tempfile::tempdir()?;
        let out = tmp.path().join("out");
        super::super::write_atomically(&out, &[artifact("manifest.json", "{}"), artifact("x.txt", "old")])?;
        let staging = Staging::new(&out)?;
        staging.put(&artifact("x.txt", "new"))?;
        drop(staging);
        assert_eq!(fs::read(out.join("x.txt"))?, b"old");
        assert_eq!(staging_folders(tmp.path()), 0);

        let missing = tmp.path().join("no/such/parent/out");
        let staging = Staging::new(&missing)?;
        staging.put(&artifact("y.txt", "y"))?;
        drop(staging);
        assert!(
            !tmp.path().join("no").exists(),
            "the parents made for the staging are removed"
        );
        Ok(())
    }

    #[test]
    fn unchanged_files_are_linked_and_a_file_edited_after_the_build_is_rewritten() -> io::Result<()> {
        use std::os::unix::fs::MetadataExt;
        let tmp = tempfile::tempdir()?;
        let out = tmp.path().join("out");
        let files = [artifact("a/same.txt", "same"), artifact("a/edited.txt", "orig")];
        let build = |files: &[Artifact]| -> io::Result<usize> {
            let staging = Staging::new(&out)?;
            files.iter().try_for_each(|f| staging.put(f))?;
            staging.commit(Vec::new())
        };
        build(&files)?;
        let inode = |p: &str| fs::metadata(out.join(p)).map(|m| m.ino());
        let (same, edited) = (inode("a/same.txt")?, inode("a/edited.txt")?);
        // Edited in place after the build: same size, a later modification time.
        let later = SystemTime::now() + std::time::Duration::from_secs(5);
        let file = fs::OpenOptions::new().write(true).open(out.join("a/edited.txt"))?;
        file.set_modified(later)?;
        fs::write(out.join("a/edited.txt"), "ORIG")?;
        file.set_modified(later)?;
        build(&files)?;
        assert_eq!(inode("a/same.txt")?, same, "an unchanged file is linked, not written");
        assert_eq!(fs::read(out.join("a/edited.txt"))?, b"orig");
        assert_ne!(inode("a/edited.txt")?, edited);
        Ok(())
    }

    #[test]
    fn a_folder_strata_did_not_write_is_not_replaced() -> io::Result<()> {
        let tmp = tempfile::tempdir()?;
        fs::write(tmp.path().join("notes.txt"), "keep")?;
        let staging = Staging::new(tmp.path())?;
        staging.put(&artifact("x.txt", "x"))?;
        assert!(staging.commit(Vec::new()).is_err());
        assert_eq!(fs::read(tmp.path().join("notes.txt"))?, b"keep");
        assert!(!tmp.path().join("x.txt").exists());
        Ok(())
    }
}
