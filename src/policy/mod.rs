//! Compliance policies (SPEC section 5): Rego evaluated in-process with regorus.
//!
//! Built-in packs (`baseline`, `soc2`, `gdpr`, `hipaa`, package `strata.<pack>`, helpers
//! in `strata.lib`) are embedded from `policies/`. Project policies are the `.rego` files
//! in the repository's `policies/` folder (not `*_test.rego`); any package name but
//! `strata.*` (reserved), and every package declaring `violation`, `deny` or `warn` is
//! evaluated for every tenant. The modules are parsed and analysed once per run; each
//! worker clones the engine and evaluates every (environment, tenant) on the effective
//! documents with secrets redacted. A framework pack applies only to tenants listing the
//! framework in `compliance`.
//!
//! Codes: STRATA-E080 Rego error (syntax, unknown function, runtime error, time limit),
//! STRATA-E081 invalid `# METADATA`, STRATA-E082 waiver of an unknown rule, STRATA-E083
//! expired waiver, STRATA-E084 unknown pack or rule id in `strata.toml`.

pub mod bounds;
pub mod engine;
pub mod input;
pub mod manifests;
pub mod meta;
pub mod packs;
pub mod report;
pub mod testing;
pub mod waivers;

use crate::diag::{Diagnostic, FileId, Loc, Severity, SourceMap};
use crate::load::Node;
use crate::project::{Project, RuleSeverity};
use engine::Module;
use meta::RuleMeta;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
pub use waivers::Waived;

/// Rule names a policy package reports through.
const REPORTING: [&str; 3] = ["violation", "deny", "warn"];

/// A package to evaluate per tenant.
#[derive(Debug, Clone)]
struct Entry {
    package: String,
    /// Framework the tenant must list (framework packs only).
    framework: Option<String>,
    /// Which of `violation`, `deny`, `warn` it declares.
    rules: Vec<&'static str>,
    /// Rule ids of its `deny` and `warn` rules when each has exactly one.
    message_ids: [Option<String>; 2],
    /// Where a runtime error without a line is reported.
    loc: Loc,
}

/// The policies of one run, compiled once.
pub struct Policies {
    modules: Vec<Module>,
    engine: regorus::Engine,
    entries: Vec<Entry>,
    rules: BTreeMap<String, RuleMeta>,
    overrides: BTreeMap<String, Severity>,
    today: String,
    /// Packages that hit the time limit: not evaluated again for other tenants, so one
    /// runaway policy costs one limit per worker, not one per tenant.
    stopped: std::sync::Mutex<std::collections::BTreeSet<String>>,
}

/// Everything one (environment, tenant) evaluation needs.
pub struct Job<'a> {
    /// Environment.
    pub env: &'a str,
    /// Tenant id.
    pub tenant: &'a str,
    /// The effective tenant document.
    pub doc: &'a Node,
    /// The effective platform document.
    pub platform: &'a Node,
    /// The platform as a policy value (converted once per environment).
    pub platform_value: &'a regorus::Value,
    /// The project settings as a policy value.
    pub project_value: &'a regorus::Value,
    /// The tenant's own files (tenant file first, then its overlay).
    pub own_files: &'a [FileId],
    /// Whether earlier stages found no error (rules run only then; waivers are always checked).
    pub valid: bool,
}

/// Loads the built-in packs and the project's `policies/*.rego` (with `*_test.rego` when
/// `tests` is set), adding them to `sources`.
pub fn load_modules(root: &Path, tests: bool, sources: &mut SourceMap, diags: &mut Vec<Diagnostic>) -> Vec<Module> {
    let mut found: Vec<(Option<&'static str>, String, std::path::PathBuf, Arc<String>)> = Vec::new();
    let builtin = packs::FILES.iter().chain(if tests { packs::TESTS } else { &[] });
    for (pack, display, text) in builtin {
        found.push((
            Some(*pack),
            (*display).to_string(),
            Default::default(),
            Arc::new((*text).to_string()),
        ));
    }
    let dir = root.join("policies");
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    for p in paths {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if !name.ends_with(".rego") || (!tests && name.ends_with("_test.rego")) || !p.is_file() {
            continue;
        }
        let display = format!("policies/{name}");
        match crate::load::read_inside(&real_root, &p) {
            Ok(raw) => found.push((None, display, p, Arc::new(raw.text))),
            Err(e) => {
                let id = sources.add(display, p, Arc::new(String::new()));
                diags.push(e.diagnostic(id));
            }
        }
    }
    let mut modules = Vec::new();
    for (pack, display, path, text) in found {
        let file = sources.add(display.clone(), path, Arc::clone(&text));
        let info = meta::scan(&text, file, diags);
        if pack.is_none() && (info.package == "strata" || info.package.starts_with("strata.")) {
            diags.push(
                Diagnostic::error(
                    "STRATA-E080",
                    info.heads.first().map_or(Loc::file_start(file), |h| h.loc),
                    format!("package `{}` is reserved for the built-in packs", info.package),
                )
                .with_help("name the package after your organisation, such as `acme.naming`"),
            );
            continue;
        }
        modules.push(Module {
            display,
            text,
            file,
            info,
            pack,
        });
    }
    modules
}

impl Policies {
    /// Loads and compiles the policies of a project. `toml` is `strata.toml`'s file, where
    /// unknown packs and rule ids (STRATA-E084) are reported.
    pub fn load(
        root: &Path,
        project: &Project,
        toml: FileId,
        sources: &mut SourceMap,
        diags: &mut Vec<Diagnostic>,
    ) -> Result<Self, String> {
        let today = waivers::today()?;
        let all = load_modules(root, false, sources, diags);
        let (engine, kept) = engine::build(&all, diags);
        let modules: Vec<Module> = kept.iter().map(|&i| all[i].clone()).collect();
        let mut rules = BTreeMap::new();
        for m in &all {
            for r in &m.info.rules {
                rules.entry(r.id.clone()).or_insert_with(|| r.clone());
            }
        }
        let toml_text = sources.file(toml).map(|f| Arc::clone(&f.text)).unwrap_or_default();
        let toml_loc = |needle: &str| {
            let lines = crate::load::lines::LineIndex::new(&toml_text);
            let start = toml_text.find("[policies").unwrap_or(0);
            toml_text[start..].find(needle).map_or(Loc::file_start(toml), |i| {
                lines.loc_of_range(toml, start + i, start + i + needle.len())
            })
        };
        let policies = &project.policies;
        for pack in &policies.packs {
            if !packs::PACKS.contains(&pack.as_str()) {
                diags.push(
                    Diagnostic::error(
                        "STRATA-E084",
                        toml_loc(&format!("\"{pack}\"")),
                        format!("unknown policy pack `{pack}`"),
                    )
                    .with_label("no such pack")
                    .with_help(format!("the built-in packs are: {}", packs::PACKS.join(", "))),
                );
            }
        }
        for dir in &policies.manifests {
            if !root.join(dir).is_dir() {
                diags.push(
                    Diagnostic::error(
                        "STRATA-E084",
                        toml_loc(&format!("\"{dir}\"")),
                        format!("manifest policy folder `{dir}` does not exist"),
                    )
                    .with_label("no such folder")
                    .with_help(
                        "`manifests` lists folders of conftest-style .rego files, relative to the repository root",
                    ),
                );
            }
        }
        let mut overrides = BTreeMap::new();
        for (id, sev) in &policies.severity {
            if !rules.contains_key(id) {
                diags.push(
                    Diagnostic::error(
                        "STRATA-E084",
                        toml_loc(id),
                        format!("severity override for unknown rule `{id}`"),
                    )
                    .with_label("no policy rule has this id")
                    .with_help("`strata policy list` prints every rule id"),
                );
            }
            let s = match sev {
                RuleSeverity::Error => Severity::Error,
                RuleSeverity::Warning => Severity::Warning,
            };
            overrides.insert(id.clone(), s);
        }
        let enabled = |m: &Module| match m.pack {
            Some("lib") => false,
            Some(p) => policies.packs.iter().any(|e| e == p),
            None => true,
        };
        let mut entries: Vec<Entry> = Vec::new();
        for m in modules.iter().filter(|m| enabled(m)) {
            let declared: Vec<&'static str> = REPORTING
                .into_iter()
                .filter(|r| m.info.heads.iter().any(|h| h.name == *r))
                .collect();
            if declared.is_empty() {
                continue;
            }
            let loc = m.info.heads.first().map_or(Loc::file_start(m.file), |h| h.loc);
            match entries.iter_mut().find(|e| e.package == m.info.package) {
                Some(e) => {
                    for r in declared {
                        if !e.rules.contains(&r) {
                            e.rules.push(r);
                        }
                    }
                }
                None => entries.push(Entry {
                    package: m.info.package.clone(),
                    framework: m.pack.and_then(packs::framework).map(str::to_string),
                    rules: declared,
                    message_ids: [None, None],
                    loc,
                }),
            }
        }
        for e in &mut entries {
            for (k, rule) in ["deny", "warn"].into_iter().enumerate() {
                let ids: Vec<&RuleMeta> = rules
                    .values()
                    .filter(|r| r.package == e.package && r.rule == rule)
                    .collect();
                if let [only] = ids.as_slice() {
                    e.message_ids[k] = Some(only.id.clone());
                }
            }
        }
        Ok(Self {
            modules,
            engine,
            entries,
            rules,
            overrides,
            today,
            stopped: Default::default(),
        })
    }

    /// An engine for one worker (a clone of the compiled one).
    pub fn engine(&self) -> regorus::Engine {
        self.engine.clone()
    }

    /// Every documented rule, by id.
    pub fn rules(&self) -> &BTreeMap<String, RuleMeta> {
        &self.rules
    }

    /// Evaluates the policies for one (environment, tenant) and checks its waivers.
    /// Returns the diagnostics and the findings that active waivers suppressed.
    pub fn check(&self, engine: &mut regorus::Engine, job: &Job<'_>) -> (Vec<Diagnostic>, Vec<Waived>) {
        let mut diags = Vec::new();
        let known = |id: &str| self.rules.contains_key(id);
        let active = waivers::validate(waivers::read(job.doc), &known, &self.today, &mut diags);
        if !job.valid || self.entries.is_empty() {
            return (diags, Vec::new());
        }
        let compliance: Vec<&str> = job
            .doc
            .get("compliance")
            .map_or(Vec::new(), |c| c.items().iter().filter_map(Node::as_str).collect());
        let applies = |e: &&Entry| e.framework.as_deref().is_none_or(|f| compliance.contains(&f));
        if !self.entries.iter().any(|e| applies(&e)) {
            return (diags, Vec::new());
        }
        engine.set_input(input::tenant_input(
            job.doc,
            job.platform_value,
            job.env,
            job.project_value,
        ));
        let mut findings = Vec::new();
        let stopped = |package: &str| self.stopped.lock().is_ok_and(|s| s.contains(package));
        for e in self.entries.iter().filter(applies) {
            for rule in &e.rules {
                if stopped(&e.package) {
                    break;
                }
                match engine::eval_items(engine, &e.package, rule) {
                    Ok(items) => findings.extend(items.iter().map(|item| match *rule {
                        "violation" => report::violation(item, &e.package),
                        "deny" => {
                            report::message(item, e.message_ids[0].as_deref().unwrap_or(&e.package), Severity::Error)
                        }
                        _ => report::message(
                            item,
                            e.message_ids[1].as_deref().unwrap_or(&e.package),
                            Severity::Warning,
                        ),
                    })),
                    Err(text) => {
                        if text.contains("time limit")
                            && let Ok(mut s) = self.stopped.lock()
                        {
                            s.insert(e.package.clone());
                        }
                        diags.push(engine::rego_error(&text, &self.modules, e.loc));
                    }
                }
            }
        }
        let mut waived = Vec::new();
        for f in findings {
            let meta = self.rules.get(&f.id);
            let (loc, overridden, found) = report::locate(&f.path, job.doc, job.platform, job.own_files);
            if let Some(w) = active.iter().find(|w| w.rule == f.id) {
                waived.push(Waived {
                    rule: f.id.clone(),
                    tenant: job.tenant.to_string(),
                    envs: vec![job.env.to_string()],
                    message: f.msg.clone(),
                    reason: w.reason.clone(),
                    expires: w.expires.clone(),
                    waiver: w.rule_loc,
                });
                continue;
            }
            let severity = self
                .overrides
                .get(&f.id)
                .copied()
                .or(f.severity)
                .or(meta.map(|m| m.severity))
                .unwrap_or(Severity::Error);
            let mut d = report::diagnostic(&f, meta, severity, loc, found);
            if let Some(prev) = overridden.last() {
                d = d.with_note(*prev, "overrides the value set here");
            }
            diags.push(d);
        }
        (diags, waived)
    }
}

/// Folds the waived findings of every job: one entry per (tenant, rule, message), with
/// the environments it occurs in, sorted.
pub fn fold_waived(items: Vec<Waived>) -> Vec<Waived> {
    let mut out: BTreeMap<(String, String, String), Waived> = BTreeMap::new();
    for w in items {
        let key = (w.tenant.clone(), w.rule.clone(), w.message.clone());
        match out.get_mut(&key) {
            Some(existing) => {
                for env in w.envs {
                    if !existing.envs.contains(&env) {
                        existing.envs.push(env);
                    }
                }
                existing.envs.sort();
            }
            None => {
                out.insert(key, w);
            }
        }
    }
    out.into_values().collect()
}

/// Human listing of waived findings (`N findings waived` and one line each).
pub fn render_waived(items: &[Waived], sources: &SourceMap) -> String {
    if items.is_empty() {
        return String::new();
    }
    let n = items.len();
    let mut out = format!("{n} finding{} waived:\n", if n == 1 { "" } else { "s" });
    for w in items {
        out.push_str(&format!(
            "  {} {} [{}]: {} (waived until {}: {}; {}:{})\n",
            w.rule,
            w.tenant,
            w.envs.join(", "),
            crate::diag::sanitize(&w.message),
            w.expires,
            crate::diag::sanitize(&w.reason),
            sources.path(w.waiver.file),
            w.waiver.line
        ));
    }
    out
}
