//! `strata check [ROOT] [FILES...]`: validate; with FILES, only what they affect.
//!
//! FILES are taken as a pre-commit hook passes them: relative to the working directory,
//! which may be anywhere inside (or above) the config repository. Each file belongs to
//! the nearest folder at or above it holding `strata.toml`; files outside every such
//! folder, and files strata does not read (README.md, CI files), are ignored. A file that
//! no longer exists is a deletion when its path is one strata reads.

use crate::cli::args::{CheckArgs, Format};
use crate::cli::output::{exit_code, find_root, print_diagnostics, scope_of};
use crate::interpolate::Mode;
use crate::load::Selection;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// What a set of changed files affects.
#[derive(Debug, PartialEq, Eq)]
pub enum Affected {
    /// Every tenant (a project, defaults, environment or policy file changed).
    All,
    /// Only these tenants (empty: nothing strata reads changed).
    Tenants(BTreeSet<String>),
}

/// `path` made absolute against the working directory, with `.` and `..` folded away
/// without touching the file system (the file may have been deleted).
fn normalize(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `file` relative to `root`, when it is inside it (also through symbolic links).
fn relative_to(root: &Path, file: &Path) -> Option<PathBuf> {
    let (root_n, file_n) = (normalize(root), normalize(file));
    if let Ok(rel) = file_n.strip_prefix(&root_n) {
        return Some(rel.to_path_buf());
    }
    let root_c = root.canonicalize().ok()?;
    let parent_c = file_n.parent()?.canonicalize().ok()?;
    let rel = parent_c.strip_prefix(root_c).ok()?;
    Some(rel.join(file_n.file_name()?))
}

/// What one file (relative to ROOT) affects: `None` for every tenant, else the tenant it
/// belongs to, or nothing when strata does not read it.
fn affects(rel: &Path) -> Option<Option<String>> {
    let parts: Vec<&str> = rel.components().filter_map(|c| c.as_os_str().to_str()).collect();
    let is_yaml = |s: &str| s.ends_with(".yaml") || s.ends_with(".yml");
    let stem = |s: &str| s.rsplit_once('.').map_or(s, |(a, _)| a).to_string();
    match parts.as_slice() {
        ["strata.toml"] => Some(None),
        [name] if is_yaml(name) && stem(name) == "defaults" => Some(None),
        ["environments", name] if is_yaml(name) => Some(None),
        // Project policies (`policies/`) and conftest-style manifest policies (any folder
        // named in `[policies] manifests`) apply to every tenant.
        [.., name] if name.ends_with(".rego") => Some(None),
        ["tenants", name] if is_yaml(name) => Some(Some(stem(name))),
        ["tenants", tenant, name] if is_yaml(name) => Some(Some((*tenant).to_string())),
        _ => None,
    }
}

/// Maps changed files (relative to the working directory, or absolute) to the tenants
/// of ROOT they affect.
pub fn affected(root: &Path, files: &[PathBuf]) -> Affected {
    let mut tenants = BTreeSet::new();
    for file in files {
        match relative_to(root, file).as_deref().and_then(affects) {
            Some(None) => return Affected::All,
            Some(Some(tenant)) => {
                tenants.insert(tenant);
            }
            None => {}
        }
    }
    Affected::Tenants(tenants)
}

/// Whether strata reads `file` (or did, before it was deleted) in the repository at `root`.
fn is_config(root: &Path, file: &Path) -> bool {
    relative_to(root, file).as_deref().and_then(affects).is_some()
}

/// The repositories to check, each with the changed files in it (`None`: all of it).
type Plan = Vec<(PathBuf, Option<Vec<PathBuf>>)>;

/// Groups FILES by the repository holding them; files in none are left out.
fn plan(dir: Option<&PathBuf>, files: Vec<PathBuf>) -> Result<Plan, String> {
    if let Some(dir) = dir {
        let root = find_root(dir)?;
        return Ok(vec![(root, (!files.is_empty()).then_some(files))]);
    }
    if files.is_empty() {
        return Ok(vec![(find_root(Path::new("."))?, None)]);
    }
    let mut groups: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for file in files {
        let start = normalize(&file);
        let root = start.parent().and_then(|p| find_root(p).ok());
        match root {
            Some(root) => groups.entry(root).or_default().push(file),
            None if !file.exists() => return Err(missing(&file)),
            None => {}
        }
    }
    Ok(groups.into_iter().map(|(root, files)| (root, Some(files))).collect())
}

fn missing(file: &Path) -> String {
    format!("{}: no such file or directory", file.display())
}

/// Runs `strata check`.
pub fn run(args: CheckArgs) -> Result<u8, String> {
    let (dirs, files): (Vec<PathBuf>, Vec<PathBuf>) = args.paths.iter().cloned().partition(|p| p.is_dir());
    if dirs.len() > 1 {
        return Err("give at most one ROOT directory".into());
    }
    let plan = plan(dirs.first(), files)?;
    for (root, files) in &plan {
        // A missing file is fine when strata reads that path: it was deleted.
        if let Some(gone) = files.iter().flatten().find(|f| !f.exists() && !is_config(root, f)) {
            return Err(missing(gone));
        }
    }
    let one_document = !matches!(args.report.format, Format::Human | Format::Github);
    if plan.len() > 1 && one_document {
        let roots: Vec<String> = plan.iter().map(|(r, _)| r.display().to_string()).collect();
        return Err(format!(
            "the files belong to {} repositories ({}); run `strata check` once per repository \
             for a single report, or use --format human or github",
            roots.len(),
            roots.join(", ")
        ));
    }
    if plan.is_empty() {
        if args.report.format == Format::Human {
            eprintln!("strata: no strata.toml at or above any of the files; nothing to check");
        }
        print_diagnostics(&[], &Default::default(), &args.report, &Default::default());
        return Ok(crate::cli::EXIT_OK);
    }
    let mut code = crate::cli::EXIT_OK;
    let several = plan.len() > 1;
    for (root, files) in plan {
        // Human reports name files relative to their ROOT: say which ROOT that is.
        if several && args.report.format == Format::Human {
            println!("{}:", root.display());
        }
        code = code.max(check_root(&root, files.as_deref(), &args)?);
    }
    Ok(code)
}

/// Whether a tenant named by a changed file still exists.
#[derive(Debug, PartialEq, Eq)]
enum TenantState {
    /// `tenants/<t>.yaml` exists.
    Present,
    /// Only an overlay folder `tenants/<t>/` is left.
    Orphan,
    /// Deleted, overlays and all.
    Gone,
}

fn tenant_state(root: &Path, tenant: &str) -> TenantState {
    let dir = root.join("tenants");
    if ["yaml", "yml"]
        .iter()
        .any(|ext| dir.join(format!("{tenant}.{ext}")).is_file())
    {
        TenantState::Present
    } else if dir.join(tenant).is_dir() {
        TenantState::Orphan
    } else {
        TenantState::Gone
    }
}

/// Checks the repository at `root`, or only what `files` affect.
fn check_root(root: &Path, files: Option<&[PathBuf]>, args: &CheckArgs) -> Result<u8, String> {
    let mut selection = Selection {
        envs: (!args.envs.is_empty()).then(|| args.envs.iter().cloned().collect()),
        tenants: (!args.tenants.is_empty()).then(|| args.tenants.iter().cloned().collect()),
    };
    if let Some(files) = files {
        match affected(root, files) {
            Affected::All => {}
            Affected::Tenants(t) if t.is_empty() => {
                print_diagnostics(&[], &Default::default(), &args.report, &Default::default());
                return Ok(crate::cli::EXIT_OK);
            }
            // An overlay folder left behind by a deleted tenant file is an error only a
            // check of the whole repository reports (no such tenant can be selected).
            Affected::Tenants(t) if t.iter().any(|t| tenant_state(root, t) == TenantState::Orphan) => {}
            Affected::Tenants(t) => {
                let t: BTreeSet<String> = t
                    .into_iter()
                    .filter(|t| tenant_state(root, t) == TenantState::Present)
                    .collect();
                let t = match selection.tenants.take() {
                    Some(filter) => t.intersection(&filter).cloned().collect(),
                    None => t,
                };
                selection.tenants = Some(t);
            }
        }
    }
    let compiled = super::compile_with_process_env(root, Mode::Check, selection, crate::compile::Keep::Nothing)?;
    print_diagnostics(&compiled.diags, compiled.sources(), &args.report, &scope_of(&compiled));
    if args.report.format == crate::cli::Format::Human {
        print!("{}", crate::policy::render_waived(&compiled.waived, compiled.sources()));
    }
    Ok(exit_code(&compiled.diags, compiled.repo.project.policies.fail_on))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_map_to_the_tenants_they_affect() {
        let root = Path::new("/repo");
        let files = [
            PathBuf::from("/repo/tenants/acme.yaml"),
            PathBuf::from("/repo/tenants/beta/production.yaml"),
        ];
        let expected: BTreeSet<String> = ["acme", "beta"].map(String::from).into();
        assert_eq!(affected(root, &files), Affected::Tenants(expected));
        assert_eq!(
            affected(root, &[PathBuf::from("/repo/environments/dev.yaml")]),
            Affected::All
        );
        assert_eq!(affected(root, &[PathBuf::from("/repo/defaults.yaml")]), Affected::All);
        assert_eq!(
            affected(root, &[PathBuf::from("/repo/policies/naming.rego")]),
            Affected::All
        );
        assert_eq!(
            affected(root, &[PathBuf::from("/repo/README.md")]),
            Affected::Tenants(BTreeSet::new())
        );
    }

    #[test]
    fn paths_are_folded_and_files_strata_does_not_read_are_ignored() {
        let root = Path::new("/repo");
        let nothing = Affected::Tenants(BTreeSet::new());
        let only = |t: &str| Affected::Tenants([t.to_string()].into());
        assert_eq!(
            affected(root, &[PathBuf::from("/repo/environments/../tenants/./acme.yml")]),
            only("acme")
        );
        for ignored in [
            "/repo/out/production/prometheus/rules/acme.yml",
            "/repo/tenants/acme/notes.md",
            "/repo/tenants/acme/deep/production.yaml",
            "/repo/.github/workflows/ci.yml",
            "/repo/Cargo.toml",
            "/elsewhere/tenants/acme.yaml",
        ] {
            assert_eq!(affected(root, &[PathBuf::from(ignored)]), nothing, "{ignored}");
        }
        assert_eq!(
            affected(root, &[PathBuf::from("/repo/policies/k8s/deny_privileged.rego")]),
            Affected::All,
            "a manifest policy in a nested folder applies to every tenant"
        );
    }
}
