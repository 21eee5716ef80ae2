//! The artifacts of one build cut into named items: a Prometheus rule, a tenant's
//! Alertmanager route, a receiver, a dashboard and each of its panels, a Kubernetes object,
//! a Slack message, the effective config; any other file is one item. Two builds are
//! compared item by item.

use super::Target;
use super::value::{redact, redact_text, yaml_documents};
use crate::write::Artifact;
use rayon::prelude::*;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Where an item belongs: environment, tenant (`None` for files of the whole
/// environment), target and name.
pub type ItemKey = (String, Option<String>, Target, String);

/// One comparable piece of a build.
#[derive(Debug, Clone)]
pub struct Item {
    /// The file it was cut from, relative to the output folder.
    pub file: String,
    /// Its content (text for files that are not YAML or JSON).
    pub value: Value,
    /// Whether a change lists the fields that changed (not for Slack messages and text).
    pub fields: bool,
    /// The item this one is part of (a panel's dashboard): not reported on its own when
    /// that one was added or removed.
    pub parent: Option<String>,
    /// A readable title, such as a panel's.
    pub title: Option<String>,
}

/// Every item of a build, by key.
pub type Items = BTreeMap<ItemKey, Item>;

/// Cuts `files` into items. Secrets are replaced before anything is compared.
pub fn items_of(files: &[Artifact], tenant_label: &str, secrets: &[String]) -> Items {
    let per_file: Vec<Items> = files
        .par_iter()
        .map(|file| {
            let mut out = Items::new();
            cut_file(file, tenant_label, secrets, &mut out);
            out
        })
        .collect();
    let mut all = Items::new();
    for (key, item) in per_file.into_iter().flatten() {
        insert_unique(&mut all, key, item);
    }
    all
}

/// Inserts `item`, numbering its name (`name (2)`, ...) when the key is taken.
fn insert_unique(out: &mut Items, mut key: ItemKey, item: Item) {
    let name = key.3.clone();
    let mut n = 1;
    while out.contains_key(&key) {
        n += 1;
        key.3 = format!("{name} ({n})");
    }
    out.insert(key, item);
}

/// Adds the items of one file to `out`.
fn cut_file(file: &Artifact, tenant_label: &str, secrets: &[String], out: &mut Items) {
    let text = redact_text(&String::from_utf8_lossy(&file.bytes), secrets);
    let parts: Vec<&str> = file.path.split('/').collect();
    let mut cut = Cut {
        out,
        env: parts.first().copied().unwrap_or_default(),
        file: &file.path,
    };
    let parsed = parse(&file.path, &text).map(|mut docs| {
        docs.iter_mut().for_each(|d| redact(d, secrets));
        docs
    });
    let stem = |name: &str| name.split('.').next().unwrap_or(name).to_string();
    match (parts.as_slice(), parsed) {
        ([_, "tenants", name], Some(docs)) => cut.one(Some(stem(name)), Target::Config, "effective config", docs),
        ([_, "prometheus", "rules", name], Some(docs)) => cut.rules(stem(name), docs),
        ([_, "prometheus", "tests", name], Some(docs)) => cut.one(Some(stem(name)), Target::RuleTests, name, docs),
        ([_, "prometheus", "prometheus.yml"], Some(docs)) => cut.split_env(docs, "scrape_configs", |job| {
            let name = job.get("job_name")?.as_str()?;
            Some((name.split('/').next()?.to_string(), Target::Scrape, name.to_string()))
        }),
        ([_, "alertmanager", "alertmanager.yml"], Some(docs)) => {
            cut.alertmanager(docs, tenant_label);
        }
        ([_, "grafana", "dashboards", tenant, name], Some(docs)) => cut.dashboard(tenant, name, docs),
        ([_, "slack", tenant, name], _) => cut.opaque(Some(tenant.to_string()), Target::Slack, name, text),
        ([_, "kubernetes", name], Some(docs)) => cut.objects(stem(name), docs),
        (_, Some(docs)) => cut.one(None, Target::File, &file.path, docs),
        (_, None) => cut.opaque(None, Target::File, &file.path, text),
    }
}

/// The documents of a YAML or JSON file, `None` for other files and unparsable ones.
fn parse(path: &str, text: &str) -> Option<Vec<Value>> {
    if path.ends_with(".json") {
        serde_json::from_str(text).ok().map(|v| vec![v])
    } else if path.ends_with(".yaml") || path.ends_with(".yml") {
        yaml_documents(text)
    } else {
        None
    }
}

/// Adds the items of one file.
struct Cut<'a> {
    out: &'a mut Items,
    env: &'a str,
    file: &'a str,
}

impl Cut<'_> {
    fn add(&mut self, tenant: Option<String>, target: Target, name: &str, item: Item) {
        insert_unique(self.out, (self.env.to_string(), tenant, target, name.to_string()), item);
    }

    fn item(&self, value: Value) -> Item {
        Item {
            file: self.file.to_string(),
            value,
            fields: true,
            parent: None,
            title: None,
        }
    }

    /// A whole file as one item.
    fn one(&mut self, tenant: Option<String>, target: Target, name: &str, mut docs: Vec<Value>) {
        let value = if docs.len() == 1 {
            docs.remove(0)
        } else {
            Value::Array(docs)
        };
        let item = self.item(value);
        self.add(tenant, target, name, item);
    }

    /// A file compared as text: changed or not.
    fn opaque(&mut self, tenant: Option<String>, target: Target, name: &str, text: String) {
        let item = Item {
            fields: false,
            ..self.item(Value::String(text))
        };
        self.add(tenant, target, name, item);
    }

    /// One item per rule, named `group/alert` or `group/record`; escalation copies of an
    /// alert are told apart by their `escalation` label.
    fn rules(&mut self, tenant: String, docs: Vec<Value>) {
        for doc in docs {
            let Value::Object(mut doc) = doc else { continue };
            let groups = doc.remove("groups");
            for group in groups.iter().flat_map(|g| g.as_array().into_iter().flatten()) {
                let Some(group) = group.as_object() else { continue };
                let group_name = group.get("name").and_then(Value::as_str).unwrap_or("?").to_string();
                let mut settings = group.clone();
                let rules = settings.remove("rules");
                if settings.len() > 1 {
                    let item = self.item(Value::Object(settings));
                    self.add(
                        Some(tenant.clone()),
                        Target::Rules,
                        &format!("{group_name} (group)"),
                        item,
                    );
                }
                for rule in rules.iter().flat_map(|r| r.as_array().into_iter().flatten()) {
                    let name = ["alert", "record"]
                        .iter()
                        .find_map(|k| rule.get(k).and_then(Value::as_str))
                        .unwrap_or("?");
                    let escalation = rule.pointer("/labels/escalation").and_then(Value::as_str);
                    let name = match escalation {
                        Some(e) => format!("{group_name}/{name}{{escalation=\"{e}\"}}"),
                        None => format!("{group_name}/{name}"),
                    };
                    let item = self.item(rule.clone());
                    self.add(Some(tenant.clone()), Target::Rules, &name, item);
                }
            }
            if !doc.is_empty() {
                let (item, file) = (self.item(Value::Object(doc)), self.file);
                self.add(Some(tenant.clone()), Target::File, file, item);
            }
        }
    }

    /// One item per Kubernetes object, named `Kind namespace/name`.
    fn objects(&mut self, tenant: String, docs: Vec<Value>) {
        for doc in docs {
            let text = |p: &str| doc.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
            let (kind, ns, name) = (text("/kind"), text("/metadata/namespace"), text("/metadata/name"));
            let name = if ns.is_empty() {
                format!("{kind} {name}")
            } else {
                format!("{kind} {ns}/{name}")
            };
            let item = self.item(doc);
            self.add(Some(tenant.clone()), Target::Kubernetes, &name, item);
        }
    }

    /// A dashboard without its panels, and one item per panel (rows' panels included)
    /// named by its id, so a changed title is a changed field.
    fn dashboard(&mut self, tenant: &str, file: &str, docs: Vec<Value>) {
        let name = file.strip_suffix(".json").unwrap_or(file).to_string();
        for doc in docs {
            let Value::Object(mut doc) = doc else { continue };
            let mut panels = Vec::new();
            flatten_panels(doc.remove("panels"), &mut panels);
            let title = doc.get("title").and_then(Value::as_str).map(String::from);
            let item = Item {
                title,
                ..self.item(Value::Object(doc))
            };
            self.add(Some(tenant.to_string()), Target::Dashboard, &name, item);
            for panel in panels {
                let id = panel.get("id").map_or_else(|| "?".into(), Value::to_string);
                let item = Item {
                    parent: Some(name.clone()),
                    title: panel.get("title").and_then(Value::as_str).map(String::from),
                    ..self.item(panel)
                };
                self.add(
                    Some(tenant.to_string()),
                    Target::Dashboard,
                    &format!("{name} panel {id}"),
                    item,
                );
            }
        }
    }

    /// Alertmanager: each tenant's route subtree (the route whose matchers select the
    /// tenant) and receivers (`<tenant>/<channel>`); the rest is one item of the environment.
    fn alertmanager(&mut self, docs: Vec<Value>, tenant_label: &str) {
        let prefix = format!("{tenant_label}=\"");
        let mut docs = docs;
        for doc in &mut docs {
            let routes = doc.pointer_mut("/route/routes").and_then(Value::as_array_mut);
            let taken: Vec<Value> = routes.map(std::mem::take).unwrap_or_default();
            let mut kept = Vec::new();
            for route in taken {
                let tenant = route
                    .get("matchers")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .find_map(|m| m.strip_prefix(&prefix)?.strip_suffix('"').map(String::from));
                match tenant {
                    Some(t) => {
                        let item = self.item(route);
                        self.add(Some(t), Target::Route, "route", item);
                    }
                    None => kept.push(route),
                }
            }
            if let Some(routes) = doc.pointer_mut("/route/routes") {
                *routes = Value::Array(kept);
            }
        }
        self.split_env(docs, "receivers", |r| {
            let name = r.get("name")?.as_str()?;
            let (tenant, _) = name.split_once('/')?;
            Some((tenant.to_string(), Target::Receiver, name.to_string()))
        });
    }

    /// Moves the elements of the top-level list `key` that `owner` attributes to a tenant
    /// into items of their own; the rest of the file is one item of the environment.
    fn split_env(&mut self, docs: Vec<Value>, key: &str, owner: impl Fn(&Value) -> Option<(String, Target, String)>) {
        for mut doc in docs {
            if let Some(Value::Array(list)) = doc.get_mut(key) {
                let mut kept = Vec::new();
                for element in std::mem::take(list) {
                    match owner(&element) {
                        Some((tenant, target, name)) => {
                            let item = self.item(element);
                            self.add(Some(tenant), target, &name, item);
                        }
                        None => kept.push(element),
                    }
                }
                *list = kept;
            }
            let (item, file) = (self.item(doc), self.file);
            self.add(None, Target::File, file, item);
        }
    }
}

/// The panels of a dashboard in order, the panels of collapsed rows after their row.
fn flatten_panels(panels: Option<Value>, out: &mut Vec<Value>) {
    for panel in panels.into_iter().flat_map(|p| match p {
        Value::Array(items) => items,
        _ => Vec::new(),
    }) {
        let mut panel: Map<String, Value> = match panel {
            Value::Object(m) => m,
            _ => continue,
        };
        let inner = panel.remove("panels");
        out.push(Value::Object(panel));
        flatten_panels(inner, out);
    }
}
