//! The `--against` side of a diff: a directory (another checkout) or a git ref of the
//! repository ROOT is in, exported with `git archive` into a temporary folder. When ROOT
//! is a subfolder of its git repository, the same subfolder is taken from the ref (or from
//! the other checkout).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The root of the other side, and the temporary folder holding it (removed on drop).
pub struct Against {
    /// Root of the other side's config repository.
    pub root: PathBuf,
    /// The exported ref, kept alive while the diff runs.
    _temp: Option<tempfile::TempDir>,
}

/// Resolves `against` for the repository at `root`: an existing directory as is, anything
/// else as a git ref. Errors are messages with a hint.
pub fn resolve(root: &Path, against: &str) -> Result<Against, String> {
    let dir = Path::new(against);
    if dir.is_dir() {
        return directory(root, dir);
    }
    let toplevel = git(root, &["rev-parse", "--show-toplevel"])
        .map_err(|e| format!("`--against {against}` is not a directory, and it cannot be read as a git ref: {e}"))?;
    let prefix = git(root, &["rev-parse", "--show-prefix"])?;
    let spec = format!("{against}^{{commit}}");
    let commit = git(root, &["rev-parse", "--verify", "--quiet", "--end-of-options", &spec]).map_err(|_| {
        format!(
            "`--against {against}`: no such directory, and no such git ref in {toplevel}\n  help: give a branch, tag or commit (`git -C {toplevel} branch -a`), or the folder of another checkout"
        )
    })?;
    let temp = tempfile::Builder::new()
        .prefix("strata-diff-")
        .tempdir()
        .map_err(|e| format!("creating a temporary folder: {e}"))?;
    let prefix = prefix.trim_end_matches('/');
    let tree = if prefix.is_empty() {
        commit.clone()
    } else {
        format!("{commit}:{prefix}")
    };
    // Run from a subfolder, git archive would keep only that subfolder of the tree.
    export(Path::new(&toplevel), &tree, temp.path())
        .map_err(|e| format!("exporting `{against}` ({tree}) with git archive: {e}"))?;
    let exported = temp.path().to_path_buf();
    if !exported.join("strata.toml").is_file() {
        let place = if prefix.is_empty() {
            "its root".into()
        } else {
            format!("`{prefix}/`")
        };
        return Err(format!(
            "`--against {against}` has no strata.toml in {place}\n  help: compare against a ref where the config repository already existed"
        ));
    }
    Ok(Against {
        root: exported,
        _temp: Some(temp),
    })
}

/// Another checkout: its root if it holds `strata.toml`, else the subfolder ROOT is at
/// within its own git repository.
fn directory(root: &Path, dir: &Path) -> Result<Against, String> {
    let found = |root: PathBuf| Against { root, _temp: None };
    if dir.join("strata.toml").is_file() {
        return Ok(found(dir.to_path_buf()));
    }
    if let Ok(prefix) = git(root, &["rev-parse", "--show-prefix"]) {
        let sub = dir.join(prefix.trim_end_matches('/'));
        if sub.join("strata.toml").is_file() {
            return Ok(found(sub));
        }
    }
    Err(format!(
        "`--against {}` holds no strata.toml\n  help: give the folder of another checkout of the config repository, or a git ref",
        dir.display()
    ))
}

/// Runs git in `dir` and returns its trimmed output, or a message.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "git is not installed (or not on PATH)".to_string(),
            _ => format!("running git: {e}"),
        })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        return Err(if err.is_empty() {
            format!("git {} failed", args.join(" "))
        } else {
            err
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .trim_end_matches(['\n', '\r'])
        .to_string())
}

/// `git archive <tree> | tar -x -C <into>`.
fn export(root: &Path, tree: &str, into: &Path) -> Result<(), String> {
    let mut archive = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["archive", "--format=tar", tree])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("running git: {e}"))?;
    let stdout = archive.stdout.take().ok_or("git archive has no output")?;
    let tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(into)
        .stdin(stdout)
        .output()
        .map_err(|e| format!("running tar: {e}"))?;
    let archived = archive.wait_with_output().map_err(|e| format!("running git: {e}"))?;
    if !archived.status.success() {
        return Err(String::from_utf8_lossy(&archived.stderr).trim().to_string());
    }
    if !tar.status.success() {
        return Err(format!("tar: {}", String::from_utf8_lossy(&tar.stderr).trim()));
    }
    Ok(())
}
