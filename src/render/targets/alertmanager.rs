//! Alertmanager: `<env>/alertmanager/alertmanager.yml` and the localized notification
//! templates `<env>/alertmanager/templates/strata.<lang>.tmpl` (Alertmanager 0.25 format).
//!
//! Routing tree, one subtree per tenant:
//! ```text
//! route: receiver strata-null (drops), group_by [alertname, <tenant_label>]
//! └─ <tenant_label>="<id>"                 tenant timings; fallback strata-null
//!    ├─ severity="critical", escalation="30m"   one per escalation step (first)
//!    │  └─ <id>/<channel>  continue: true       one per `notify` channel
//!    └─ severity="critical"                     one per routed severity
//!       └─ <id>/<channel>  continue: true       one per channel of that severity
//! ```
//! Receivers are named `<id>/<channel>` and appear only under their tenant's route, so a
//! tenant's alerts can reach only its own channels; an alert without a tenant label reaches
//! only `strata-null`. An escalation copy (`escalation="<after>"`, SPEC section 6) goes to
//! the step's channels only: the severity's usual channels already have the original
//! alert, which keeps firing beside the copy, and would otherwise show it twice. One
//! inhibit rule lets a critical alert silence the warning and info alerts of the same
//! alert name and tenant.

mod receivers;
mod templates;

pub mod gocheck;
#[cfg(test)]
mod tests;

pub use receivers::{NULL_RECEIVER, receiver_name};
pub use templates::{KINDS, TemplateProblem, check_base, go_literal_text, render_locale};

use crate::model::{Escalation, Severity};
use crate::render::{EnvContext, TenantModel, text_artifact, yaml, yaml_artifact, yaml_text_artifact};
use crate::write::Artifact;
use serde_json::{Map, Value, json};

/// A matcher in Alertmanager's `matchers` syntax: `name="value"` with the value escaped.
pub fn matcher(name: &str, value: &str) -> String {
    let mut out = format!("{name}=\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The lowercase name of a severity, as in alert labels.
pub fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Critical => "critical",
    }
}

/// Escalation steps merged by (severity, after), channels in first-seen order.
pub fn escalation_steps(steps: &[Escalation]) -> Vec<(Severity, &str, Vec<&str>)> {
    let mut merged: Vec<(Severity, &str, Vec<&str>)> = Vec::new();
    for step in steps {
        let i = match merged
            .iter()
            .position(|(s, a, _)| *s == step.severity && *a == step.after)
        {
            Some(i) => i,
            None => {
                merged.push((step.severity, &step.after, Vec::new()));
                merged.len() - 1
            }
        };
        for name in &step.notify {
            if !merged[i].2.contains(&name.as_str()) {
                merged[i].2.push(name);
            }
        }
    }
    merged
}

/// A route with `matchers` fanning out to one child per channel (`continue: true`), or
/// `None` when no channel is defined.
fn fan_out(t: &TenantModel, matchers: Vec<String>, channels: &[&str], used: &mut Vec<String>) -> Option<Value> {
    let defined = t.tenant.alerting.as_ref().map(|a| &a.channels)?;
    let mut children = Vec::new();
    for name in channels {
        if !defined.contains_key(*name)
            || children
                .iter()
                .any(|c: &Value| c["receiver"] == receiver_name(&t.id, name))
        {
            continue;
        }
        if !used.iter().any(|u| u == name) {
            used.push((*name).to_string());
        }
        children.push(json!({"receiver": receiver_name(&t.id, name), "continue": true}));
    }
    if children.is_empty() {
        return None;
    }
    Some(json!({"matchers": matchers, "receiver": NULL_RECEIVER, "routes": children}))
}

/// The route of one tenant and the names of the channels it uses. The Kubernetes target
/// turns the same tree into an `AlertmanagerConfig`.
pub fn tenant_route(ctx: &EnvContext<'_>, t: &TenantModel) -> (Value, Vec<String>) {
    let label = &ctx.project.project.tenant_label;
    let mut route = Map::new();
    route.insert("matchers".into(), json!([matcher(label, &t.id)]));
    route.insert("receiver".into(), json!(NULL_RECEIVER));
    let mut used = Vec::new();
    let Some(alerting) = t.tenant.alerting.as_ref() else {
        return (Value::Object(route), used);
    };
    if let Some(r) = &alerting.routing {
        if !r.group_by.is_empty() {
            route.insert("group_by".into(), json!(r.group_by));
        }
        for (key, value) in [
            ("group_wait", &r.group_wait),
            ("group_interval", &r.group_interval),
            ("repeat_interval", &r.repeat_interval),
        ] {
            if let Some(v) = value {
                route.insert(key.into(), json!(v));
            }
        }
    }
    let mut children = Vec::new();
    for (severity, after, channels) in escalation_steps(&alerting.escalation) {
        let matchers = vec![
            matcher("severity", severity_name(severity)),
            matcher("escalation", after),
        ];
        children.extend(fan_out(t, matchers, &channels, &mut used));
    }
    for (severity, channels) in alerting.routing.iter().flat_map(|r| &r.severities) {
        let names: Vec<&str> = channels.iter().map(String::as_str).collect();
        let matchers = vec![matcher("severity", severity_name(*severity))];
        children.extend(fan_out(t, matchers, &names, &mut used));
    }
    if !children.is_empty() {
        route.insert("routes".into(), Value::Array(children));
    }
    (Value::Object(route), used)
}

fn global(ctx: &EnvContext<'_>) -> Map<String, Value> {
    let mut global = Map::new();
    let Some(am) = ctx.platform.alertmanager.as_ref() else {
        return global;
    };
    if let Some(t) = &am.resolve_timeout {
        global.insert("resolve_timeout".into(), json!(t));
    }
    if let Some(smtp) = &am.smtp {
        global.insert("smtp_smarthost".into(), json!(smtp.smarthost));
        global.insert("smtp_from".into(), json!(smtp.from));
        if let Some(u) = &smtp.auth_username {
            global.insert("smtp_auth_username".into(), json!(u));
        }
        // The file wins when both are set: it keeps the secret out of the artifact.
        if let Some(f) = &smtp.auth_password_file {
            global.insert("smtp_auth_password_file".into(), json!(f));
        } else if let Some(p) = &smtp.auth_password {
            global.insert("smtp_auth_password".into(), json!(p));
        }
        if let Some(tls) = smtp.require_tls {
            global.insert("smtp_require_tls".into(), json!(tls));
        }
    }
    global
}

/// The level of the tenants' routes (`route.routes` items) in `alertmanager.yml`.
const ROUTES_LEVEL: usize = 2;
/// The level of the `receivers` items in `alertmanager.yml`.
const RECEIVERS_LEVEL: usize = 0;

/// One tenant's route and the receivers it uses.
fn tenant_parts(ctx: &EnvContext<'_>, t: &TenantModel) -> (Value, Vec<Value>) {
    let (route, used) = tenant_route(ctx, t);
    let lang = ctx
        .project
        .texts
        .choose_locale(t.tenant.locale.as_deref(), &ctx.project.project.default_locale);
    let channels = t.tenant.alerting.iter().flat_map(|a| &a.channels);
    let receivers = channels
        .filter(|(name, _)| used.contains(name))
        .map(|(name, channel)| receivers::receiver(&receiver_name(&t.id, name), channel, lang))
        .collect();
    (route, receivers)
}

/// The content of `alertmanager.yml` for `tenants`.
pub fn config(ctx: &EnvContext<'_>, tenants: &[TenantModel]) -> Value {
    let (mut routes, mut receivers) = (Vec::new(), Vec::new());
    for t in tenants {
        let (route, used) = tenant_parts(ctx, t);
        routes.push(route);
        receivers.extend(used);
    }
    document(ctx, routes, receivers)
}

/// `alertmanager.yml` with the tenants' `routes` and `receivers`.
fn document(ctx: &EnvContext<'_>, routes: Vec<Value>, tenant_receivers: Vec<Value>) -> Value {
    let label = &ctx.project.project.tenant_label;
    let mut receivers = vec![json!({"name": NULL_RECEIVER})];
    receivers.extend(tenant_receivers);
    let mut root = Map::new();
    root.insert("receiver".into(), json!(NULL_RECEIVER));
    root.insert("group_by".into(), json!(["alertname", label]));
    if !routes.is_empty() {
        root.insert("routes".into(), Value::Array(routes));
    }
    json!({
        "global": global(ctx),
        "templates": ["templates/*.tmpl"],
        "route": root,
        "inhibit_rules": [{
            "source_matchers": [matcher("severity", "critical")],
            "target_matchers": ["severity=~\"warning|info\""],
            "equal": ["alertname", label],
        }],
        "receivers": receivers,
    })
}

/// One tenant's share of `alertmanager.yml`: its route and its receivers, as they appear
/// in the file.
pub fn env_share(ctx: &EnvContext<'_>, t: &TenantModel) -> (String, String) {
    let (route, receivers) = tenant_parts(ctx, t);
    (
        yaml::seq_text(&[route], ROUTES_LEVEL),
        yaml::seq_text(&receivers, RECEIVERS_LEVEL),
    )
}

/// The Alertmanager files of one environment: the configuration and one template file
/// per built-in locale.
pub fn render_env(ctx: &EnvContext<'_>, tenants: &[TenantModel]) -> Vec<Artifact> {
    let mut files = vec![yaml_artifact(config_path(ctx), &config(ctx, tenants))];
    files.extend(templates(ctx));
    files
}

/// [`render_env`] from each tenant's [`env_share`] (routes, receivers), in tenant order;
/// `None` if the shares cannot be spliced in (then render from the tenants).
pub fn render_env_from(ctx: &EnvContext<'_>, routes: &[&str], receivers: &[&str]) -> Option<Vec<Artifact>> {
    let lists = [(0, ROUTES_LEVEL, routes), (1, RECEIVERS_LEVEL, receivers)];
    let on = lists.map(|(_, _, shares)| shares.iter().any(|s| !s.is_empty()));
    let mark = |i: usize| if on[i] { vec![yaml::placeholder(i)] } else { Vec::new() };
    let text = yaml::to_yaml(&document(ctx, mark(0), mark(1)));
    let fills: Vec<(usize, usize, &[&str])> = lists.into_iter().filter(|(i, _, _)| on[*i]).collect();
    let text = yaml::splice(&text, &fills)?;
    let mut files = vec![yaml_text_artifact(config_path(ctx), text)];
    files.extend(templates(ctx));
    Some(files)
}

fn config_path(ctx: &EnvContext<'_>) -> String {
    format!("{}/alertmanager/alertmanager.yml", ctx.env)
}

/// One template file per built-in locale.
fn templates(ctx: &EnvContext<'_>) -> Vec<Artifact> {
    let texts = &ctx.project.texts;
    texts
        .langs()
        .map(|lang| {
            text_artifact(
                format!("{}/alertmanager/templates/strata.{lang}.tmpl", ctx.env),
                render_locale(texts, lang, &ctx.project.project.tenant_label),
            )
        })
        .collect()
}
