//! The report as GitHub-flavoured Markdown (for a pull-request comment or a wiki page).
//! Strings from the repository are escaped so they cannot add markup, HTML or table cells.

use super::{Report, WaiverStatus};
use std::fmt::Write;

/// Escapes text for a Markdown table cell: Markdown punctuation is backslash-escaped,
/// HTML is turned into entities, line breaks become spaces, control characters go.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn cell_text(status: &str, detail: &str) -> String {
    let mark = match status {
        "pass" => "✅ pass",
        "fail" => "❌ fail",
        "waived" => "⚠️ waived",
        "n/a" => "—",
        _ => "⛔ not evaluated",
    };
    if detail.is_empty() {
        mark.to_string()
    } else {
        format!("{mark} ({detail})")
    }
}

/// The report as Markdown.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Compliance report: {}\n", escape(&r.project));
    let _ = writeln!(
        out,
        "As of {} · environments: {}\n",
        escape(&r.today),
        escape(&r.envs.join(", "))
    );
    if !r.config_errors.is_empty() {
        out.push_str("## Configuration errors\n\n`strata check` shows them in full. Policies do not run for a tenant whose configuration is invalid: its cells read \"not evaluated\".\n\n");
        for e in &r.config_errors {
            let _ = writeln!(out, "- {}", escape(e));
        }
        out.push('\n');
    }
    out.push_str("## Tenants × frameworks\n\n| tenant |");
    for f in &r.frameworks {
        let _ = write!(out, " {} |", escape(f));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(r.frameworks.len()));
    out.push('\n');
    for t in &r.tenants {
        let _ = write!(out, "| {} |", escape(&t.id));
        for c in &t.cells {
            let _ = write!(out, " {} |", cell_text(c.status(), &c.detail()));
        }
        out.push('\n');
    }
    out.push_str("\n## Failing rules\n\n");
    let failing: Vec<_> = r.tenants.iter().filter(|t| !t.findings.is_empty()).collect();
    if failing.is_empty() {
        out.push_str("No tenant fails a policy rule.\n");
    }
    for t in failing {
        let _ = writeln!(out, "### {}\n", escape(&t.id));
        out.push_str(
            "| rule | framework | severity | message | location | environments |\n|---|---|---|---|---|---|\n",
        );
        for f in &t.findings {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                escape(&f.rule),
                escape(&f.frameworks.join(", ")),
                f.severity,
                escape(&f.message),
                escape(&f.location),
                escape(&f.envs.join(", "))
            );
        }
        out.push('\n');
    }
    out.push_str("\n## Waivers\n\n");
    if r.waivers.is_empty() {
        out.push_str("No tenant has a waiver.\n");
    } else {
        out.push_str("| tenant | rule | expires | status | findings waived | reason | location |\n|---|---|---|---|---:|---|---|\n");
        for w in &r.waivers {
            let flag = match w.status {
                WaiverStatus::Active => "",
                WaiverStatus::ExpiringSoon(_) => "⚠️ ",
                WaiverStatus::Expired | WaiverStatus::InvalidDate | WaiverStatus::UnknownRule => "❌ ",
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {flag}{} | {} | {} | {} |",
                escape(&w.tenant),
                escape(&w.rule),
                escape(&w.expires),
                w.status.label(),
                w.suppressed,
                escape(&w.reason),
                escape(&w.location)
            );
        }
    }
    out.push_str("\n## Build outputs\n\n`strata build` writes nothing while any tenant has an error.\n\n");
    out.push_str("| tenant | environment | recording rules | alerting rules | dashboards | receivers | Kubernetes objects | files | status |\n");
    out.push_str("|---|---|---:|---:|---:|---:|---:|---:|---|\n");
    for t in &r.tenants {
        for b in &t.builds {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                escape(&t.id),
                escape(&b.env),
                b.recording_rules,
                b.alerting_rules,
                b.dashboards,
                b.receivers,
                b.kubernetes_objects,
                b.files,
                if b.builds { "clean" } else { "blocked" }
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells_cannot_break_out() {
        assert_eq!(escape("a|b\n<img src=x>"), "a\\|b &lt;img src=x&gt;");
        assert_eq!(escape("[x](http://e) `c`"), "\\[x\\](http://e) \\`c\\`");
    }
}
