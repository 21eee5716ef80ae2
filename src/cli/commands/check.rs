//! `strata check [ROOT] [FILES...]`: validate; with FILES, only what they affect.

use crate::cli::args::CheckArgs;
use crate::cli::output::{exit_code, find_root, print_diagnostics, scope_of};
use crate::interpolate::Mode;
use crate::load::Selection;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What a set of changed files affects.
#[derive(Debug, PartialEq, Eq)]
pub enum Affected {
    /// Every tenant (a project, defaults, environment or policy file changed).
    All,
    /// Only these tenants (empty: nothing strata reads changed).
    Tenants(BTreeSet<String>),
}

/// Maps changed files (relative to ROOT) to the tenants they affect.
pub fn affected(root: &Path, files: &[PathBuf]) -> Affected {
    let mut tenants = BTreeSet::new();
    let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    for file in files {
        let abs = std::path::absolute(file).unwrap_or_else(|_| file.clone());
        let Ok(rel) = abs.strip_prefix(&root) else {
            continue;
        };
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let is_yaml = |s: &str| s.ends_with(".yaml") || s.ends_with(".yml");
        let stem = |s: &str| s.rsplit_once('.').map_or(s, |(a, _)| a).to_string();
        match parts.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            ["strata.toml"] => return Affected::All,
            [name] if is_yaml(name) && stem(name) == "defaults" => return Affected::All,
            ["environments", name] if is_yaml(name) => return Affected::All,
            // A project policy applies to every tenant.
            ["policies", name] if name.ends_with(".rego") => return Affected::All,
            ["tenants", name] if is_yaml(name) => {
                tenants.insert(stem(name));
            }
            ["tenants", tenant, name] if is_yaml(name) => {
                tenants.insert((*tenant).to_string());
            }
            _ => {}
        }
    }
    Affected::Tenants(tenants)
}

/// Runs `strata check`.
pub fn run(args: CheckArgs) -> Result<u8, String> {
    let (dirs, files): (Vec<PathBuf>, Vec<PathBuf>) = args.paths.iter().cloned().partition(|p| p.is_dir());
    if dirs.len() > 1 {
        return Err("give at most one ROOT directory".into());
    }
    if let Some(missing) = files.iter().find(|f| !f.exists()) {
        return Err(format!("{}: no such file or directory", missing.display()));
    }
    let root = match (dirs.first(), files.first()) {
        (Some(dir), _) => find_root(dir)?,
        (None, Some(file)) => {
            let parent = file.parent().filter(|p| !p.as_os_str().is_empty());
            find_root(parent.unwrap_or(Path::new(".")))?
        }
        (None, None) => find_root(Path::new("."))?,
    };
    let mut selection = Selection {
        envs: (!args.envs.is_empty()).then(|| args.envs.iter().cloned().collect()),
        tenants: (!args.tenants.is_empty()).then(|| args.tenants.iter().cloned().collect()),
    };
    if !files.is_empty() {
        match affected(&root, &files) {
            Affected::All => {}
            Affected::Tenants(t) if t.is_empty() => {
                print_diagnostics(&[], &Default::default(), &args.report, &Default::default());
                return Ok(crate::cli::EXIT_OK);
            }
            Affected::Tenants(t) => {
                let t = match selection.tenants.take() {
                    Some(filter) => t.intersection(&filter).cloned().collect(),
                    None => t,
                };
                selection.tenants = Some(t);
            }
        }
    }
    let compiled = super::compile_with_process_env(&root, Mode::Check, selection, crate::compile::Keep::Nothing)?;
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
}
