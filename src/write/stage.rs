//! A build streamed into its staging folder: each file is written (or hard-linked from the
//! current output when unchanged) as soon as it is rendered and hashed for the manifest, so
//! a build never holds all of its files in memory. [`Staging::commit`] writes the manifest
//! and swaps the folder in whole; a staging dropped without it is removed, leaving the
//! output folder untouched.

use super::{Artifact, manifest_of_hashes, replaceable, reuse_unchanged, sha256_hex, swap_in};
use std::collections::HashSet;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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
        if !reuse_unchanged(&self.out_dir.join(&artifact.path), &artifact.bytes, &path) {
            let mut file = fs::File::create(&path)?;
            file.write_all(&artifact.bytes)?;
            file.set_permissions(fs::Permissions::from_mode(0o644))?;
        }
        let sha = sha256_hex(&artifact.bytes);
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
