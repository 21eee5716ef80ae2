//! Tests of the staging folder: streamed writes, the swap, and the reuse of the spare.

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

/// Every file below `dir` with its content, by `/`-separated relative path.
fn tree(dir: &Path) -> io::Result<std::collections::BTreeMap<String, Vec<u8>>> {
    let mut files = std::collections::BTreeMap::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let rel = path.strip_prefix(dir).map_err(io::Error::other)?;
                files.insert(rel.to_string_lossy().into_owned(), fs::read(&path)?);
            }
        }
    }
    Ok(files)
}

/// Builds `files` into `out` through a staging folder.
fn build(out: &Path, files: &[Artifact]) -> io::Result<usize> {
    let staging = Staging::new(out)?;
    files.iter().try_for_each(|f| staging.put(f))?;
    staging.commit(Vec::new())
}

/// What a build of `files` into a new folder holds.
fn fresh(files: &[Artifact]) -> io::Result<std::collections::BTreeMap<String, Vec<u8>>> {
    let tmp = tempfile::tempdir()?;
    build(&tmp.path().join("out"), files)?;
    tree(&tmp.path().join("out"))
}

fn inode(path: &Path) -> io::Result<u64> {
    use std::os::unix::fs::MetadataExt;
    fs::symlink_metadata(path).map(|m| m.ino())
}

#[test]
fn the_spare_is_reused_keeping_unchanged_files_in_place_and_removing_stale_ones() -> io::Result<()> {
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("out");
    let spare = tmp.path().join(".strata-previous-out");
    let a = [
        artifact("t/same.txt", "same"),
        artifact("t/changed.txt", "old"),
        artifact("gone/x.txt", "x"),
        artifact("shape", "a file that becomes a folder"),
    ];
    let b = [
        artifact("t/same.txt", "same"),
        artifact("t/changed.txt", "new"),
        artifact("new/y.txt", "y"),
        artifact("shape/inner.txt", "now a folder"),
    ];
    build(&out, &a)?;
    assert!(!spare.exists(), "a first build has no output to keep");
    build(&out, &a)?;
    assert_eq!(tree(&spare)?, tree(&out)?, "the replaced output is the spare");
    fs::write(out.join("t/dropped-in.txt"), "not strata's")?;
    let kept = inode(&spare.join("t/same.txt"))?;
    build(&out, &b)?;
    assert_eq!(tree(&out)?, fresh(&b)?);
    assert_eq!(
        inode(&out.join("t/same.txt"))?,
        kept,
        "an unchanged file stays in place"
    );
    assert!(
        spare.join("t/dropped-in.txt").exists(),
        "the spare is the output replaced"
    );
    build(&out, &b)?;
    assert_eq!(tree(&out)?, fresh(&b)?, "stale files of the spare are gone");
    assert!(!out.join("gone").exists());
    assert_eq!(staging_folders(tmp.path()), 1, "exactly one spare beside the output");
    Ok(())
}

#[test]
fn a_spare_file_edited_after_its_build_is_rewritten() -> io::Result<()> {
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("out");
    let spare = tmp.path().join(".strata-previous-out");
    let files = [artifact("a/x.txt", "orig"), artifact("a/y.txt", "keep")];
    build(&out, &files)?;
    build(&out, &files)?;
    // Replaced (not edited in place: the spare shares its files with the output), same
    // size, modified after the spare's manifest.
    fs::remove_file(spare.join("a/x.txt"))?;
    fs::write(spare.join("a/x.txt"), "EDIT")?;
    fs::File::options()
        .write(true)
        .open(spare.join("a/x.txt"))?
        .set_modified(SystemTime::now() + std::time::Duration::from_secs(5))?;
    fs::set_permissions(spare.join("a/y.txt"), fs::Permissions::from_mode(0o600))?;
    build(&out, &files)?;
    assert_eq!(tree(&out)?, fresh(&files)?);
    let mode = fs::metadata(out.join("a/y.txt"))?.permissions().mode() & 0o777;
    assert_eq!(mode, 0o644, "a file whose mode changed is rewritten");
    Ok(())
}

#[test]
fn a_build_stopped_half_way_leaves_the_output_and_an_untrusted_spare() -> io::Result<()> {
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("out");
    let spare = tmp.path().join(".strata-previous-out");
    let files = [artifact("a/x.txt", "one"), artifact("b/y.txt", "two")];
    build(&out, &files)?;
    build(&out, &files)?;
    let before = tree(&out)?;
    let staging = Staging::new(&out)?;
    staging.put(&artifact("a/x.txt", "ONE"))?;
    staging.put(&artifact("c/z.txt", "three"))?;
    drop(staging);
    assert_eq!(tree(&out)?, before, "the output is untouched");
    assert!(spare.is_dir() && !spare.join("manifest.json").exists());
    build(&out, &files)?;
    assert_eq!(tree(&out)?, fresh(&files)?);
    Ok(())
}

#[test]
fn a_build_running_while_another_holds_the_spare_stages_on_its_own() -> io::Result<()> {
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("out");
    let (one, two) = ([artifact("x.txt", "one")], [artifact("x.txt", "two")]);
    build(&out, &one)?;
    build(&out, &one)?;
    let first = Staging::new(&out)?;
    let second = Staging::new(&out)?;
    first.put(&two[0])?;
    second.put(&one[0])?;
    assert_eq!(second.commit(Vec::new())?, 2);
    assert_eq!(tree(&out)?, fresh(&one)?);
    assert_eq!(first.commit(Vec::new())?, 2);
    assert_eq!(tree(&out)?, fresh(&two)?);
    assert_eq!(staging_folders(tmp.path()), 1);
    Ok(())
}
