//! The report as one self-contained HTML file: inline CSS, no script, no font, no link to
//! anything outside the file (a Content-Security-Policy forbids loading any), styles for
//! print. Every string from the repository is escaped.

use super::{Cell, Report, TenantReport, WaiverStatus};
use std::fmt::Write;

/// Escapes text for HTML content and quoted attribute values; control characters other
/// than newline and tab are dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
:root { --pass: #1a7f37; --fail: #cf222e; --waived: #9a6700; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1f2328;
       margin: 2rem auto; max-width: 72rem; padding: 0 1.5rem; line-height: 1.45; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid var(--line); padding-bottom: .3rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p.meta, .muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid var(--line); padding: .35rem .55rem; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em; }
td code, td.date { white-space: nowrap; }
.cell { text-align: center; white-space: nowrap; }
.cell .status { display: block; font-weight: 600; }
.cell .detail { display: block; font-size: .8rem; }
.pass { background: #dafbe1; color: var(--pass); }
.fail { background: #ffebe9; color: var(--fail); }
.waived, .soon { background: #fff8c5; color: var(--waived); }
.expired { background: #ffebe9; color: var(--fail); font-weight: 600; }
.na, .not-evaluated { background: #f6f8fa; color: var(--muted); }
.summary { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0; }
.summary div { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .9rem; min-width: 9rem; }
.summary b { display: block; font-size: 1.4rem; }
.errors { border-left: 4px solid var(--fail); padding-left: .8rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; }
  tr, .summary div { break-inside: avoid; }
  thead { display: table-header-group; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
";

fn cell_class(cell: &Cell) -> &'static str {
    match cell.status() {
        "pass" => "pass",
        "fail" => "fail",
        "waived" => "waived",
        "n/a" => "na",
        _ => "not-evaluated",
    }
}

fn waiver_class(status: WaiverStatus) -> &'static str {
    match status {
        WaiverStatus::Active => "",
        WaiverStatus::ExpiringSoon(_) => "soon",
        WaiverStatus::Expired | WaiverStatus::InvalidDate | WaiverStatus::UnknownRule => "expired",
    }
}

fn tenant_label(t: &TenantReport) -> String {
    match &t.name {
        Some(name) => format!(
            "<code>{}</code><br><span class=\"muted\">{}</span>",
            escape(&t.id),
            escape(name)
        ),
        None => format!("<code>{}</code>", escape(&t.id)),
    }
}

fn summary(r: &Report, out: &mut String) {
    let failing = r
        .tenants
        .iter()
        .filter(|t| t.cells.iter().any(|c| c.status() == "fail"))
        .count();
    let expired = r.waivers.iter().filter(|w| w.status == WaiverStatus::Expired).count();
    let soon = r
        .waivers
        .iter()
        .filter(|w| matches!(w.status, WaiverStatus::ExpiringSoon(_)))
        .count();
    let _ = writeln!(
        out,
        "<div class=\"summary\"><div><b>{}</b>tenants</div><div><b>{failing}</b>tenants failing a policy</div>\
         <div><b>{}</b>waivers</div><div><b>{expired}</b>expired waivers</div><div><b>{soon}</b>expiring within 30 days</div></div>",
        r.tenants.len(),
        r.waivers.len()
    );
}

fn matrix(r: &Report, out: &mut String) {
    out.push_str("<h2 id=\"matrix-heading\">Tenants &times; frameworks</h2>\n");
    out.push_str("<table id=\"matrix\" class=\"matrix\" aria-labelledby=\"matrix-heading\">\n<thead><tr><th scope=\"col\">Tenant</th>");
    for f in &r.frameworks {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(f));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for t in &r.tenants {
        let _ = write!(out, "<tr><th scope=\"row\">{}</th>", tenant_label(t));
        for cell in &t.cells {
            let _ = write!(
                out,
                "<td class=\"cell {}\"><span class=\"status\">{}</span><span class=\"detail\">{}</span></td>",
                cell_class(cell),
                cell.status(),
                escape(&cell.detail())
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out.push_str(
        "<p class=\"muted\">A framework's rules apply to the tenants listing it in <code>compliance</code> (n/a otherwise); \
         baseline and project rules apply to every tenant.</p>\n",
    );
}

fn findings(r: &Report, out: &mut String) {
    out.push_str("<h2>Failing rules</h2>\n");
    let failing: Vec<&TenantReport> = r.tenants.iter().filter(|t| !t.findings.is_empty()).collect();
    if failing.is_empty() {
        out.push_str("<p>No tenant fails a policy rule.</p>\n");
    }
    for t in failing {
        let _ = writeln!(out, "<h3><code>{}</code></h3>", escape(&t.id));
        out.push_str("<table><thead><tr><th>Rule</th><th>Framework</th><th>Severity</th><th>Message</th><th>Location</th><th>Environments</th></tr></thead><tbody>\n");
        for f in &t.findings {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"fail\">{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                escape(&f.rule),
                escape(&f.frameworks.join(", ")),
                f.severity,
                escape(&f.message),
                escape(&f.location),
                escape(&f.envs.join(", "))
            );
        }
        out.push_str("</tbody></table>\n");
    }
}

fn waivers(r: &Report, out: &mut String) {
    out.push_str("<h2>Waivers</h2>\n");
    if r.waivers.is_empty() {
        out.push_str("<p>No tenant has a waiver.</p>\n");
        return;
    }
    out.push_str("<table id=\"waivers\"><thead><tr><th>Tenant</th><th>Rule</th><th>Expires</th><th>Status</th><th>Findings waived</th><th>Reason</th><th>Location</th></tr></thead><tbody>\n");
    for w in &r.waivers {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td class=\"date\">{}</td><td class=\"{}\">{}</td><td class=\"num\">{}</td><td>{}</td><td><code>{}</code></td></tr>",
            escape(&w.tenant),
            escape(&w.rule),
            escape(&w.expires),
            waiver_class(w.status),
            w.status.label(),
            w.suppressed,
            escape(&w.reason),
            escape(&w.location)
        );
    }
    out.push_str("</tbody></table>\n");
}

fn builds(r: &Report, out: &mut String) {
    out.push_str(
        "<h2>Build outputs</h2>\n<p class=\"muted\">What <code>strata build</code> writes for each tenant; \
                  it writes nothing while any tenant has an error.</p>\n",
    );
    out.push_str("<table id=\"builds\"><thead><tr><th>Tenant</th><th>Environment</th><th>Recording rules</th><th>Alerting rules</th>\
                  <th>Dashboards</th><th>Receivers</th><th>Kubernetes objects</th><th>Files</th><th>Status</th></tr></thead><tbody>\n");
    for t in &r.tenants {
        for b in &t.builds {
            let (class, status) = if b.builds {
                ("pass", "clean")
            } else {
                ("fail", "blocked")
            };
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"{class}\">{status}</td></tr>",
                escape(&t.id),
                escape(&b.env),
                b.recording_rules,
                b.alerting_rules,
                b.dashboards,
                b.receivers,
                b.kubernetes_objects,
                b.files
            );
        }
    }
    out.push_str("</tbody></table>\n");
}

/// The report as an HTML document.
pub fn render(r: &Report) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let title = format!("Compliance report: {}", r.project);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>{}</h1>\n<p class=\"meta\">As of {} &middot; environments: {} &middot; generated by strata {}</p>\n",
        escape(&title),
        escape(&title),
        escape(&r.today),
        escape(&r.envs.join(", ")),
        env!("CARGO_PKG_VERSION")
    );
    if !r.config_errors.is_empty() {
        out.push_str("<div class=\"errors\"><h2>Configuration errors</h2><p><code>strata check</code> shows them in full. Policies do not run for a tenant whose configuration is invalid: its cells read &ldquo;not evaluated&rdquo;.</p><ul>\n");
        for e in &r.config_errors {
            let _ = writeln!(out, "<li><code>{}</code></li>", escape(e));
        }
        out.push_str("</ul></div>\n");
    }
    summary(r, &mut out);
    matrix(r, &mut out);
    findings(r, &mut out);
    waivers(r, &mut out);
    builds(r, &mut out);
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\"\u{1b}[31m"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;[31m"
        );
    }
}
