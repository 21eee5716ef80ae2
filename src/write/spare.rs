//! The spare folder: the output a build replaced, kept beside the output as
//! `.strata-previous-<out>` (the folder `strata watch` keeps for a swap back) and reused by
//! the next build as its staging folder. A file it already holds unchanged stays in place:
//! no write, no link, no folder to make; only changed files are rewritten and stale ones
//! removed before the swap.
//!
//! The spare's `manifest.json` says what it holds. It is removed as soon as a build takes
//! the spare, so that a build that stops half way leaves a spare that is not trusted: the
//! next build rewrites every file of it. Whether a file is unchanged is decided as for the
//! output: the same sha256 in that manifest, the same size, the mode the file is written
//! with (`rw-r--r--`, `rw-------` for one holding a secret), and not
//! modified after the manifest was written. A build holds an advisory lock on the spare;
//! a second build running at the same time uses a staging folder of its own.

use super::stage::Current;
use rayon::prelude::*;
use rustix::fs::{AtFlags, Dir, FileType, FlockOperation, Mode, OFlags};
use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What the spare folder holds at a path, as found before the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Entry {
    /// A regular file.
    File {
        /// Size in bytes.
        len: u64,
        /// Last modification.
        modified: SystemTime,
        /// Permission bits.
        mode: u32,
    },
    /// A folder, with its permission bits.
    Dir(u32),
    /// Anything else (a symbolic link, ...): always replaced.
    Other,
}

/// The spare folder of an output, taken by this build as its staging folder.
pub(super) struct Spare {
    /// Where it is.
    pub path: PathBuf,
    /// The folder, locked for this build.
    _lock: OwnedFd,
    /// What its manifest said, when it had one.
    manifest: Option<Current>,
    /// Everything in it by path relative to it, `/`-separated.
    pub entries: HashMap<String, Entry>,
}

/// Where the output `out_dir` keeps its spare: hidden, beside it.
pub fn spare_dir(out_dir: &Path) -> PathBuf {
    let name = out_dir
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    out_dir.with_file_name(format!(".strata-previous-{name}"))
}

impl Spare {
    /// Takes the spare folder at `path` (made when missing) for a build: `None` when it
    /// cannot be used (another build holds it, it is not a folder, ...).
    pub fn take(path: &Path) -> Option<Self> {
        match fs::create_dir(path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(_) => return None,
        }
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(rustix::fs::CWD, path, flags, Mode::empty()).ok()?;
        rustix::fs::flock(&fd, FlockOperation::NonBlockingLockExclusive).ok()?;
        // The folder locked must still be the one at `path`: a build that held it may
        // have swapped it in as the output meanwhile.
        let (held, there) = (rustix::fs::fstat(&fd).ok()?, rustix::fs::lstat(path).ok()?);
        if (held.st_dev, held.st_ino) != (there.st_dev, there.st_ino) {
            return None;
        }
        let manifest = Current::read(path);
        let manifest_file = path.join("manifest.json");
        match fs::remove_file(&manifest_file) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return None,
            _ => {}
        }
        let dup = fd.try_clone().ok()?;
        let mut entries: HashMap<String, Entry> = scan(dup, "").ok()?.into_iter().collect();
        entries.remove("manifest.json");
        Some(Self {
            path: path.to_path_buf(),
            _lock: fd,
            manifest,
            entries,
        })
    }

    /// Whether the spare holds `path` unchanged: `len` bytes of hex sha256 `sha`, with mode
    /// `wanted_mode`.
    pub fn holds(&self, path: &str, len: usize, sha: &str, wanted_mode: u32) -> bool {
        let Some(manifest) = &self.manifest else {
            return false;
        };
        let Some(Entry::File {
            len: had,
            modified,
            mode,
        }) = self.entries.get(path)
        else {
            return false;
        };
        *had == len as u64
            && *mode == wanted_mode
            && *modified <= manifest.written
            && manifest.hashes.get(path).is_some_and(|s| s == sha)
    }
}

/// Every entry below the open folder `fd`, by path relative to the scanned root (`rel` is
/// the folder's). Subfolders are scanned in parallel; links are never followed.
fn scan(fd: OwnedFd, rel: &str) -> io::Result<Vec<(String, Entry)>> {
    let mut dir = Dir::new(fd)?;
    let mut found = Vec::new();
    let mut subdirs = Vec::new();
    while let Some(entry) = dir.read() {
        let entry = entry?;
        let name = entry.file_name();
        if name == c"." || name == c".." {
            continue;
        }
        let path = join(rel, OsStr::from_bytes(name.to_bytes()));
        if entry.file_type() == FileType::Directory {
            subdirs.push((name.to_owned(), path));
            continue;
        }
        let stat = rustix::fs::statat(dir.fd()?, name, AtFlags::SYMLINK_NOFOLLOW)?;
        let kind = FileType::from_raw_mode(stat.st_mode);
        let found_entry = match kind {
            FileType::RegularFile => Entry::File {
                len: stat.st_size as u64,
                modified: system_time(stat.st_mtime as i64, stat.st_mtime_nsec as u32),
                mode: stat.st_mode & 0o7777,
            },
            FileType::Directory => {
                subdirs.push((name.to_owned(), path));
                continue;
            }
            _ => Entry::Other,
        };
        found.push((path, found_entry));
    }
    let parent = dir.fd()?;
    let nested: Vec<Vec<(String, Entry)>> = subdirs
        .par_iter()
        .map(|(name, path)| -> io::Result<Vec<(String, Entry)>> {
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let fd = rustix::fs::openat(parent.as_fd(), name.as_c_str(), flags, Mode::empty())?;
            let mode = rustix::fs::fstat(&fd)?.st_mode & 0o7777;
            let mut below = scan(fd, path)?;
            below.push((path.clone(), Entry::Dir(mode)));
            Ok(below)
        })
        .collect::<io::Result<_>>()?;
    found.extend(nested.into_iter().flatten());
    Ok(found)
}

fn join(rel: &str, name: &OsStr) -> String {
    let name = name.to_string_lossy();
    if rel.is_empty() {
        name.into_owned()
    } else {
        format!("{rel}/{name}")
    }
}

fn system_time(secs: i64, nanos: u32) -> SystemTime {
    match u64::try_from(secs) {
        Ok(s) => UNIX_EPOCH + Duration::new(s, nanos),
        Err(_) => UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs()) + Duration::from_nanos(u64::from(nanos)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scan_finds_files_folders_and_links_without_following_them() -> io::Result<()> {
        let tmp = tempfile::tempdir()?;
        let root = tmp.path().join("root");
        fs::create_dir_all(root.join("a/b"))?;
        fs::write(root.join("a/b/x.txt"), "xyz")?;
        fs::write(root.join("top.txt"), "")?;
        std::os::unix::fs::symlink(tmp.path(), root.join("a/link"))?;
        let fd = rustix::fs::open(&root, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty())?;
        let found: HashMap<String, Entry> = scan(fd, "")?.into_iter().collect();
        let mut paths: Vec<&str> = found.keys().map(String::as_str).collect();
        paths.sort_unstable();
        assert_eq!(paths, ["a", "a/b", "a/b/x.txt", "a/link", "top.txt"]);
        assert!(matches!(found["a/b/x.txt"], Entry::File { len: 3, .. }));
        assert!(matches!(found["a/b"], Entry::Dir(_)));
        assert_eq!(found["a/link"], Entry::Other);
        let modified = fs::metadata(root.join("a/b/x.txt"))?.modified()?;
        assert!(matches!(found["a/b/x.txt"], Entry::File { modified: m, .. } if m == modified));
        Ok(())
    }

    #[test]
    fn a_spare_held_by_one_build_is_not_taken_by_another() -> io::Result<()> {
        let tmp = tempfile::tempdir()?;
        let path = spare_dir(&tmp.path().join("out"));
        assert_eq!(path, tmp.path().join(".strata-previous-out"));
        let first = Spare::take(&path);
        assert!(first.is_some(), "a missing spare is made");
        assert!(Spare::take(&path).is_none(), "it is locked");
        drop(first);
        assert!(Spare::take(&path).is_some(), "the lock goes with the build");
        fs::remove_dir(&path)?;
        fs::write(&path, "not a folder")?;
        assert!(Spare::take(&path).is_none());
        Ok(())
    }
}
