//! The double-buffered swap of a rebuild: the folder kept beside the output (the output
//! before the last swap, known by the cached results it was written from) is brought up to
//! date with only the files that differ, then exchanged with the output in one rename. A
//! one-tenant edit so writes a handful of files instead of a whole new tree, and finds them
//! without comparing every file: tenants whose cached results are the same `Arc` are skipped.

use super::cache::Rendered;
use crate::write::{Artifact, swap_back};
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

/// What an output folder holds, by the cached results it was written from.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// `manifest.json` (empty bytes: the folder is not known).
    pub manifest: Artifact,
    /// Each tenant's files.
    pub tenants: BTreeMap<String, Arc<Rendered>>,
    /// The files rendered per environment, with their hex sha256.
    pub own: Arc<Vec<(Artifact, String)>>,
}

impl Snapshot {
    /// Whether the folder's content is known.
    pub fn is_known(&self) -> bool {
        !self.manifest.bytes.is_empty()
    }

    /// Every file with its hex sha256, the manifest excluded.
    pub fn files(&self) -> impl Iterator<Item = (&Artifact, &str)> {
        let tenants = self.tenants.values().flat_map(|r| r.files.iter());
        tenants.chain(self.own.iter()).map(|(a, sha)| (a, sha.as_str()))
    }
}

/// The paths to remove from a folder holding `from`, and the files to write to it, so that
/// it holds `to` (the manifest aside).
pub fn changes<'a>(from: &Snapshot, to: &'a Snapshot) -> (Vec<String>, Vec<&'a Artifact>) {
    let (mut remove, mut write) = (Vec::new(), Vec::new());
    let mut diff = |old: &[(Artifact, String)], new: &'a [(Artifact, String)]| {
        for (a, sha) in new {
            if !old.iter().any(|(o, s)| o.path == a.path && s == sha) {
                write.push(a);
            }
        }
        for (o, _) in old {
            if !new.iter().any(|(a, _)| a.path == o.path) {
                remove.push(o.path.clone());
            }
        }
    };
    for (id, new) in &to.tenants {
        match from.tenants.get(id) {
            Some(old) if Arc::ptr_eq(old, new) => {}
            Some(old) => diff(&old.files, &new.files),
            None => diff(&[], &new.files),
        }
    }
    for (id, old) in &from.tenants {
        if !to.tenants.contains_key(id) {
            diff(&old.files, &[]);
        }
    }
    if !Arc::ptr_eq(&from.own, &to.own) {
        diff(&from.own, &to.own);
    }
    (remove, write)
}

/// Removes `remove` from `spare` and writes `write` to it (never in place: a file may be a
/// hard link shared with the live output), then exchanges it with `out`: `spare` then holds
/// the replaced output. On an error `spare` is left in an unknown state and `out` untouched.
pub fn recycle_and_swap(spare: &Path, remove: &[String], write: &[&Artifact], out: &Path) -> io::Result<()> {
    for path in remove {
        let file = spare.join(path);
        remove_if_there(&file)?;
        let mut dir = file.parent();
        while let Some(d) = dir.filter(|d| *d != spare) {
            if fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    for artifact in write {
        let file = spare.join(&artifact.path);
        remove_if_there(&file)?;
        if let Some(parent) = file.parent() {
            make_dirs(spare, parent)?;
        }
        crate::write::create_file(&file, artifact)?;
    }
    swap_back(spare, out)
}

/// Makes `copy` (removed first if it exists) a copy of the folder `out` whose files are
/// hard links to those of `out`: no file content is written.
pub fn link_copy(out: &Path, copy: &Path) -> io::Result<()> {
    use rayon::prelude::*;
    if fs::symlink_metadata(copy).is_ok() {
        fs::remove_dir_all(copy)?;
    }
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::new()];
    while let Some(rel) = dirs.pop() {
        fs::create_dir(copy.join(&rel))?;
        fs::set_permissions(copy.join(&rel), fs::Permissions::from_mode(0o755))?;
        for entry in fs::read_dir(out.join(&rel))? {
            let entry = entry?;
            let path = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
        .par_iter()
        .try_for_each(|rel| fs::hard_link(out.join(rel), copy.join(rel)))
}

fn remove_if_there(file: &Path) -> io::Result<()> {
    match fs::remove_file(file) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Creates `dir` and its missing parents below `base`, each with mode 0755.
fn make_dirs(base: &Path, dir: &Path) -> io::Result<()> {
    if dir == base || dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        make_dirs(base, parent)?;
    }
    fs::create_dir(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn art(path: &str, text: &str) -> Artifact {
        Artifact {
            path: path.into(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_link_copy_shares_every_file_and_replaces_an_old_copy() -> io::Result<()> {
        use std::os::unix::fs::MetadataExt;
        let tmp = tempfile::tempdir()?;
        let (out, copy) = (tmp.path().join("out"), tmp.path().join(".copy"));
        fs::create_dir_all(out.join("a/b"))?;
        fs::write(out.join("a/b/x.yml"), "x")?;
        fs::write(out.join("manifest.json"), "m")?;
        fs::create_dir_all(copy.join("stale"))?;
        link_copy(&out, &copy)?;
        assert!(!copy.join("stale").exists());
        for file in ["a/b/x.yml", "manifest.json"] {
            assert_eq!(
                fs::metadata(copy.join(file))?.ino(),
                fs::metadata(out.join(file))?.ino(),
                "{file}"
            );
        }
        assert_eq!(fs::metadata(copy.join("a/b"))?.mode() & 0o777, 0o755);
        Ok(())
    }

    fn rendered(files: &[(&str, &str)]) -> Arc<Rendered> {
        let files = files
            .iter()
            .map(|(p, t)| (art(p, t), crate::write::sha256_hex(t.as_bytes())))
            .collect();
        Arc::new(Rendered {
            files,
            share: Default::default(),
        })
    }

    #[test]
    fn changes_skip_unchanged_tenants_and_find_every_difference() {
        let same = rendered(&[("same/a.yml", "a")]);
        let from = Snapshot {
            manifest: art("manifest.json", "1"),
            tenants: [
                ("same".to_string(), Arc::clone(&same)),
                (
                    "edited".into(),
                    rendered(&[("e/keep.yml", "k"), ("e/change.yml", "old"), ("e/gone.yml", "g")]),
                ),
                ("removed".into(), rendered(&[("r/x.yml", "x")])),
            ]
            .into(),
            own: Arc::new(vec![(art("env.yml", "1"), crate::write::sha256_hex(b"1"))]),
        };
        let to = Snapshot {
            manifest: art("manifest.json", "2"),
            tenants: [
                ("same".to_string(), same),
                (
                    "edited".into(),
                    rendered(&[("e/keep.yml", "k"), ("e/change.yml", "new"), ("e/add.yml", "n")]),
                ),
                ("added".into(), rendered(&[("n/y.yml", "y")])),
            ]
            .into(),
            own: Arc::new(vec![(art("env.yml", "2"), crate::write::sha256_hex(b"2"))]),
        };
        let (mut remove, write) = changes(&from, &to);
        remove.sort();
        let mut written: Vec<&str> = write.iter().map(|a| a.path.as_str()).collect();
        written.sort();
        assert_eq!(remove, ["e/gone.yml", "r/x.yml"]);
        assert_eq!(written, ["e/add.yml", "e/change.yml", "env.yml", "n/y.yml"]);
        let (remove, write) = changes(&to, &to);
        assert!(remove.is_empty() && write.is_empty());
    }

    #[test]
    fn the_spare_folder_becomes_the_new_output() -> io::Result<()> {
        let tmp = tempfile::tempdir()?;
        let (spare, out) = (tmp.path().join(".spare"), tmp.path().join("out"));
        for (dir, text) in [(&spare, "old"), (&out, "cur")] {
            fs::create_dir_all(dir.join("a/gone"))?;
            fs::write(dir.join("a/keep.yml"), "same")?;
            fs::write(dir.join("a/change.yml"), text)?;
            fs::write(dir.join("a/gone/x.yml"), "x")?;
            fs::write(dir.join("manifest.json"), text)?;
        }
        let files = [
            art("a/change.yml", "new"),
            art("b/c/new.yml", "n"),
            art("manifest.json", "m"),
        ];
        let refs: Vec<&Artifact> = files.iter().collect();
        recycle_and_swap(&spare, &["a/gone/x.yml".to_string()], &refs, &out)?;
        assert_eq!(fs::read_to_string(out.join("a/keep.yml"))?, "same");
        assert_eq!(fs::read_to_string(out.join("a/change.yml"))?, "new");
        assert_eq!(fs::read_to_string(out.join("b/c/new.yml"))?, "n");
        assert_eq!(fs::read_to_string(out.join("manifest.json"))?, "m");
        assert!(!out.join("a/gone").exists());
        assert_eq!(fs::read_to_string(spare.join("a/change.yml"))?, "cur");
        Ok(())
    }
}
