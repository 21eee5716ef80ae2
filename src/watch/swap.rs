//! The double-buffered swap of a rebuild: the folder kept beside the output (the output
//! before the last swap, whose files are known by hash) is brought up to date with only the
//! files that differ, then exchanged with the output in one rename. A one-tenant edit so
//! writes a handful of files instead of a whole new tree.

use crate::write::{Artifact, swap_back};
use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Makes `spare` (which holds the files `had`, by path and hex sha256, plus a manifest)
/// hold exactly `files` (whose hashes are `hashes`; the manifest, last, is always
/// rewritten), then exchanges it with `out`: `spare` then holds the replaced output.
/// On an error `spare` is left in an unknown state and `out` untouched.
pub fn recycle_and_swap(
    spare: &Path,
    had: &HashMap<String, String>,
    files: &[&Artifact],
    hashes: &HashMap<String, String>,
    out: &Path,
) -> io::Result<()> {
    for path in had.keys().filter(|p| !hashes.contains_key(*p)) {
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
    for artifact in files {
        let sha = hashes.get(&artifact.path);
        if sha.is_some() && had.get(&artifact.path) == sha {
            continue;
        }
        let file = spare.join(&artifact.path);
        // Never write in place: the file may be a hard link shared with the live output.
        remove_if_there(&file)?;
        if let Some(parent) = file.parent() {
            make_dirs(spare, parent)?;
        }
        let mut f = fs::File::create(&file)?;
        f.write_all(&artifact.bytes)?;
        f.set_permissions(fs::Permissions::from_mode(0o644))?;
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
        let sha = crate::write::sha256_hex;
        let had: HashMap<String, String> = [
            ("a/keep.yml", sha(b"same")),
            ("a/change.yml", sha(b"old")),
            ("a/gone/x.yml", sha(b"x")),
        ]
        .into_iter()
        .map(|(p, s)| (p.to_string(), s))
        .collect();
        let files = [
            art("a/keep.yml", "same"),
            art("a/change.yml", "new"),
            art("b/c/new.yml", "n"),
            art("manifest.json", "m"),
        ];
        let hashes: HashMap<String, String> = files[..3].iter().map(|a| (a.path.clone(), sha(&a.bytes))).collect();
        let refs: Vec<&Artifact> = files.iter().collect();
        recycle_and_swap(&spare, &had, &refs, &hashes, &out)?;
        assert_eq!(fs::read_to_string(out.join("a/change.yml"))?, "new");
        assert_eq!(fs::read_to_string(out.join("b/c/new.yml"))?, "n");
        assert_eq!(fs::read_to_string(out.join("manifest.json"))?, "m");
        assert!(!out.join("a/gone").exists());
        assert_eq!(fs::read_to_string(spare.join("a/change.yml"))?, "cur");
        Ok(())
    }
}
