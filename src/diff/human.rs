//! The report for a terminal: one block per environment and tenant, one line per item
//! (`+` added, `-` removed, `~` changed), the changed fields below it. Colour is optional.

use super::text::{as_lines, label, show, sign, tally, verb};
use super::{Change, Report, Status, Target};
use std::fmt::Write;

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// Renders `report` for people; `color` adds ANSI colours.
pub fn render_human(report: &Report, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let status_color = |s: Status| match s {
        Status::Added => GREEN,
        Status::Removed => RED,
        Status::Changed => YELLOW,
    };
    let mut out = format!("strata diff: {} -> {}\n", report.base, report.head);
    if report.is_empty() {
        out.push_str("no changes in the built artifacts\n");
        return out;
    }
    for env in &report.environments {
        let _ = writeln!(out, "\n{}", paint(BOLD, &format!("{} ({})", env.env, verb(env.status))));
        if env.status != Status::Changed {
            let _ = writeln!(out, "  {} tenants", env.tenants.len());
            continue;
        }
        let mut blocks: Vec<(String, Status, &[Change])> = Vec::new();
        if !env.changes.is_empty() {
            blocks.push(("environment files".into(), Status::Changed, &env.changes));
        }
        blocks.extend(env.tenants.iter().map(|t| (t.tenant.clone(), t.status, &t.changes[..])));
        for (who, status, changes) in blocks {
            let head = format!("{who}: {}", verb(status));
            if status != Status::Changed {
                let _ = writeln!(out, "  {} ({})", paint(status_color(status), &head), tally(changes));
                continue;
            }
            let _ = writeln!(out, "  {}", paint(BOLD, &head));
            let mut target: Option<Target> = None;
            for c in changes {
                if target != Some(c.target) {
                    let _ = writeln!(out, "    {}", c.target.title());
                    target = Some(c.target);
                }
                let line = format!("{} {}", sign(c.status), label(c));
                let _ = writeln!(out, "      {}  ({})", paint(status_color(c.status), &line), c.file);
                for f in &c.fields {
                    let (before, after) = (show(f.before.as_ref()), show(f.after.as_ref()));
                    if as_lines(&f.path, &before, &after) {
                        let _ = writeln!(out, "          {}", f.path);
                        for (s, value, text) in [('-', &f.before, &before), ('+', &f.after, &after)] {
                            let code = if s == '-' { RED } else { GREEN };
                            for l in text.lines().filter(|_| value.is_some()) {
                                let _ = writeln!(out, "            {}", paint(code, &format!("{s} {l}")));
                            }
                        }
                    } else {
                        let _ = writeln!(out, "          {}: {before} -> {after}", f.path);
                    }
                }
            }
        }
    }
    let [added, removed, changed] = report.counts();
    let _ = writeln!(out, "\n{}", report.headline());
    let _ = writeln!(out, "{changed} items changed, {added} added, {removed} removed");
    out
}
