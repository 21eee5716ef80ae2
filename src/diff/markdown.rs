//! The report as GitHub-flavoured markdown, ready to post as a pull-request comment: a
//! summary table, then one collapsible `<details>` section per environment and tenant.
//! GitHub refuses comments over 65,536 characters, so sections that do not fit within
//! [`MAX_CHARS`] are left out with a note.

use super::text::{as_lines, label, show, tally, verb};
use super::{Change, Report, Status, Target};
use std::fmt::Write;

/// The longest report; the rest is left out with a note.
pub const MAX_CHARS: usize = 60_000;

/// Renders `report` as markdown of at most [`MAX_CHARS`] characters.
pub fn render_markdown(report: &Report) -> String {
    render_within(report, MAX_CHARS)
}

/// [`render_markdown`] with a chosen limit.
pub fn render_within(report: &Report, max_chars: usize) -> String {
    let mut out = format!(
        "### strata diff: {} → {}\n\n",
        inline(&report.base),
        inline(&report.head)
    );
    if report.is_empty() {
        out.push_str("No changes in the built artifacts.\n");
        return out;
    }
    let [added, removed, changed] = report.counts();
    let _ = writeln!(
        out,
        "{}.\n\n{changed} items changed, {added} added, {removed} removed.\n",
        report.headline()
    );
    out.push_str("| environment | tenant | status | changes |\n|---|---|---|---|\n");
    let mut rows = String::new();
    let mut sections = Vec::new();
    for env in &report.environments {
        if env.status != Status::Changed {
            let tenants = env.tenants.len();
            let _ = writeln!(
                rows,
                "| {} | *all ({tenants})* | environment {} | {} |",
                cell(&env.env),
                verb(env.status),
                cell(&tally(&all_changes(env)))
            );
            continue;
        }
        if !env.changes.is_empty() {
            let _ = writeln!(
                rows,
                "| {} | *environment files* | changed | {} |",
                cell(&env.env),
                cell(&tally(&env.changes))
            );
            sections.push(section(&env.env, "environment files", Status::Changed, &env.changes));
        }
        for t in &env.tenants {
            let _ = writeln!(
                rows,
                "| {} | {} | {} | {} |",
                cell(&env.env),
                cell(&t.tenant),
                verb(t.status),
                cell(&tally(&t.changes))
            );
            sections.push(section(&env.env, &t.tenant, t.status, &t.changes));
        }
    }
    let mut shown = 0;
    for row in rows.lines() {
        if out.len() + row.len() > max_chars / 2 {
            break;
        }
        out.push_str(row);
        out.push('\n');
        shown += 1;
    }
    let hidden = rows.lines().count() - shown;
    if hidden > 0 {
        let _ = writeln!(out, "| … | *{hidden} more rows* | | |");
    }
    out.push('\n');
    let note_room = 300;
    let mut left_out = 0;
    for s in &sections {
        if left_out == 0 && out.len() + s.len() + note_room <= max_chars {
            out.push_str(s);
        } else {
            left_out += 1;
        }
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "> **{left_out} of {} sections left out** to keep this comment under GitHub's size limit; run `strata diff --format json` for every change.",
            sections.len()
        );
    }
    out
}

fn all_changes(env: &super::EnvDiff) -> Vec<Change> {
    env.changes
        .iter()
        .chain(env.tenants.iter().flat_map(|t| &t.changes))
        .cloned()
        .collect()
}

/// One collapsible section: added and removed tenants by count, others item by item.
fn section(env: &str, who: &str, status: Status, changes: &[Change]) -> String {
    let mut s = format!(
        "<details><summary><b>{} / {}</b>: {} ({} items)</summary>\n\n",
        html(env),
        html(who),
        verb(status),
        changes.len()
    );
    if status != Status::Changed {
        let _ = writeln!(s, "Tenant {}: {}.\n", verb(status), tally(changes));
        s.push_str("</details>\n\n");
        return s;
    }
    let mut target: Option<Target> = None;
    for c in changes {
        if target != Some(c.target) {
            let gap = if target.is_some() { "\n" } else { "" };
            let _ = writeln!(s, "{gap}**{}**\n", c.target.title());
            target = Some(c.target);
        }
        let _ = writeln!(
            s,
            "- **{}** {} in {}",
            verb(c.status),
            inline(&label(c)),
            inline(&c.file)
        );
        if c.status == Status::Changed && c.fields.is_empty() && c.target == Target::Slack {
            s.push_str("  - the message text or blocks changed\n");
        }
        for f in &c.fields {
            let (before, after) = (show(f.before.as_ref()), show(f.after.as_ref()));
            if as_lines(&f.path, &before, &after) {
                let _ = writeln!(s, "  - {}:", inline(&f.path));
                let body: String = [('-', &f.before, &before), ('+', &f.after, &after)]
                    .iter()
                    .filter(|(_, v, _)| v.is_some())
                    .flat_map(|(sign, _, text)| text.lines().map(move |l| format!("{sign} {l}\n")))
                    .collect();
                let fence = fence_for(&body);
                let _ = write!(s, "    {fence}diff\n{}    {fence}\n", indent(&body, "    "));
            } else {
                let _ = writeln!(s, "  - {}: {} → {}", inline(&f.path), inline(&before), inline(&after));
            }
        }
    }
    s.push_str("\n</details>\n\n");
    s
}

/// A code span holding `text` whatever backticks it contains.
fn inline(text: &str) -> String {
    let text = text.replace('\n', " ");
    let longest = longest_run(&text, '`');
    let ticks = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// A fence longer than any run of backticks in `body`.
fn fence_for(body: &str) -> String {
    "`".repeat(longest_run(body, '`').max(2) + 1)
}

fn longest_run(text: &str, c: char) -> usize {
    text.split(|x| x != c).map(str::len).max().unwrap_or(0)
}

fn indent(body: &str, by: &str) -> String {
    body.lines().map(|l| format!("{by}{l}\n")).collect()
}

/// Text for a table cell: `|` escaped.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// Text for HTML.
fn html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{EnvDiff, FieldChange, TenantDiff};
    use serde_json::json;

    fn report(tenants: usize) -> Report {
        let change = Change {
            target: Target::Rules,
            item: "t.alerts/X".into(),
            title: None,
            status: Status::Changed,
            file: "e/prometheus/rules/t.yml".into(),
            fields: vec![FieldChange {
                path: ".expr".into(),
                before: Some(json!("up == 0")),
                after: Some(json!("up == 1 # ```")),
            }],
        };
        Report {
            base: "main".into(),
            head: "tree".into(),
            environments: vec![EnvDiff {
                env: "e".into(),
                status: Status::Changed,
                changes: Vec::new(),
                tenants: (0..tenants)
                    .map(|n| TenantDiff {
                        tenant: format!("t{n}"),
                        status: Status::Changed,
                        changes: vec![change.clone()],
                    })
                    .collect(),
            }],
        }
    }

    #[test]
    fn expressions_are_in_fences_longer_than_their_backticks() {
        let md = render_markdown(&report(1));
        assert!(md.contains("In e: tenants changed: t0.\n"), "{md}");
        assert!(
            md.contains("    ````diff\n    - up == 0\n    + up == 1 # ```\n    ````\n"),
            "{md}"
        );
        assert_eq!(md.matches("<details>").count(), md.matches("</details>").count());
    }

    #[test]
    fn long_reports_are_cut_at_a_section_with_a_note() {
        let md = render_within(&report(400), 20_000);
        assert!(md.len() <= 20_000, "{}", md.len());
        assert!(md.contains("sections left out"));
        assert_eq!(md.matches("<details>").count(), md.matches("</details>").count());
        assert!(render_markdown(&report(400)).len() <= MAX_CHARS);
    }
}
