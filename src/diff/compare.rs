//! Comparing the items of two builds: grouped by environment and tenant, matched by
//! name, compared field by field.

use super::items::{Item, ItemKey, Items};
use super::{Change, EnvDiff, Report, Status, TenantDiff, value};
use std::collections::{BTreeMap, BTreeSet};

/// Removes the files whose bytes are the same on both sides: their items are too, so only
/// the files that differ are parsed back and compared.
pub fn drop_unchanged(base: &mut Vec<crate::write::Artifact>, head: &mut Vec<crate::write::Artifact>) {
    let in_head: std::collections::HashMap<&str, &[u8]> =
        head.iter().map(|a| (a.path.as_str(), a.bytes.as_slice())).collect();
    let same: BTreeSet<String> = base
        .iter()
        .filter(|a| in_head.get(a.path.as_str()) == Some(&a.bytes.as_slice()))
        .map(|a| a.path.clone())
        .collect();
    base.retain(|a| !same.contains(&a.path));
    head.retain(|a| !same.contains(&a.path));
}

/// The items of one side by environment, then tenant (`None`: the environment's files).
type Grouped<'a> = BTreeMap<&'a str, BTreeMap<Option<&'a str>, Vec<(&'a ItemKey, &'a Item)>>>;

fn group(items: &Items) -> Grouped<'_> {
    let mut out: Grouped<'_> = BTreeMap::new();
    for (key, item) in items {
        out.entry(key.0.as_str())
            .or_default()
            .entry(key.1.as_deref())
            .or_default()
            .push((key, item));
    }
    out
}

/// Compares the items of the `--against` side (`base`) with those of ROOT (`head`).
pub fn compare(base_label: &str, head_label: &str, base: &Items, head: &Items) -> Report {
    let (base, head) = (group(base), group(head));
    let empty = BTreeMap::new();
    let envs: BTreeSet<&str> = base.keys().chain(head.keys()).copied().collect();
    let mut environments = Vec::new();
    for env in envs {
        let (before, after) = (base.get(env), head.get(env));
        let status = presence(before.is_some(), after.is_some());
        let (before, after) = (before.unwrap_or(&empty), after.unwrap_or(&empty));
        let mut diff = EnvDiff {
            env: env.to_string(),
            status,
            changes: Vec::new(),
            tenants: Vec::new(),
        };
        let tenants: BTreeSet<Option<&str>> = before.keys().chain(after.keys()).copied().collect();
        for tenant in tenants {
            let (b, a) = (before.get(&tenant), after.get(&tenant));
            let status = presence(b.is_some(), a.is_some());
            let changes = changes_of(b.map_or(&[][..], Vec::as_slice), a.map_or(&[][..], Vec::as_slice));
            match tenant {
                None => diff.changes = changes,
                Some(id) if !changes.is_empty() => diff.tenants.push(TenantDiff {
                    tenant: id.to_string(),
                    status,
                    changes,
                }),
                Some(_) => {}
            }
        }
        if !diff.changes.is_empty() || !diff.tenants.is_empty() {
            environments.push(diff);
        }
    }
    Report {
        base: base_label.to_string(),
        head: head_label.to_string(),
        environments,
    }
}

/// Added when only the head has it, removed when only the base has it.
fn presence(in_base: bool, in_head: bool) -> Status {
    match (in_base, in_head) {
        (false, _) => Status::Added,
        (_, false) => Status::Removed,
        _ => Status::Changed,
    }
}

/// The changes between the items of one tenant (or of an environment's shared files).
fn changes_of(before: &[(&ItemKey, &Item)], after: &[(&ItemKey, &Item)]) -> Vec<Change> {
    let b: BTreeMap<&ItemKey, &Item> = before.iter().copied().collect();
    let a: BTreeMap<&ItemKey, &Item> = after.iter().copied().collect();
    let keys: BTreeSet<&ItemKey> = b.keys().chain(a.keys()).copied().collect();
    let mut changes = Vec::new();
    for key in keys {
        let (old, new) = (b.get(key), a.get(key));
        let (status, item, fields) = match (old, new) {
            (Some(o), Some(n)) if o.value == n.value => continue,
            (Some(o), Some(n)) => {
                let fields = if n.fields {
                    value::field_changes(&o.value, &n.value)
                } else {
                    Vec::new()
                };
                (Status::Changed, *n, fields)
            }
            (Some(o), None) => (Status::Removed, *o, Vec::new()),
            (None, Some(n)) => (Status::Added, *n, Vec::new()),
            (None, None) => continue,
        };
        let parent_gone = item.parent.as_ref().is_some_and(|p| {
            let parent = (key.0.clone(), key.1.clone(), key.2, p.clone());
            b.contains_key(&parent) != a.contains_key(&parent)
        });
        if parent_gone {
            continue;
        }
        changes.push(Change {
            target: key.2,
            item: key.3.clone(),
            title: item.title.clone(),
            status,
            file: item.file.clone(),
            fields,
        });
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{Target, items};
    use crate::write::Artifact;

    fn items(files: &[(&str, &str)]) -> Items {
        let files: Vec<Artifact> = files
            .iter()
            .map(|(p, t)| Artifact {
                path: p.to_string(),
                bytes: t.as_bytes().to_vec(),
            })
            .collect();
        items::items_of(&files, "tenant", &[])
    }

    #[test]
    fn a_changed_rule_is_one_change_with_its_expression() {
        let rules = |expr: &str| {
            format!("groups:\n- name: a.alerts\n  rules:\n  - alert: X\n    expr: \"{expr}\"\n    for: 5m\n")
        };
        let base = items(&[("prod/prometheus/rules/a.yml", &rules("up == 0"))]);
        let head = items(&[("prod/prometheus/rules/a.yml", &rules("up == 1"))]);
        let report = compare("main", "head", &base, &head);
        let tenant = &report.environments[0].tenants[0];
        assert_eq!((tenant.tenant.as_str(), tenant.status), ("a", Status::Changed));
        assert_eq!(tenant.changes.len(), 1);
        assert_eq!(tenant.changes[0].item, "a.alerts/X");
        assert_eq!(tenant.changes[0].fields[0].path, ".expr");
        assert_eq!(report.counts(), [0, 0, 1]);
        assert!(compare("main", "head", &base, &base).is_empty());
    }

    #[test]
    fn panels_of_a_new_dashboard_are_not_listed_apart() {
        let dash = r#"{"title": "O", "panels": [{"id": 1, "title": "A"}, {"id": 2, "title": "B"}]}"#;
        let dash2 = r#"{"title": "O", "panels": [{"id": 1, "title": "A2"}]}"#;
        let base = items(&[("e/tenants/t.json", "{}")]);
        let head = items(&[("e/tenants/t.json", "{}"), ("e/grafana/dashboards/t/o.json", dash)]);
        let report = compare("b", "h", &base, &head);
        let names: Vec<&str> = report.environments[0].tenants[0]
            .changes
            .iter()
            .map(|c| c.item.as_str())
            .collect();
        assert_eq!(names, ["o"]);
        let moved = compare(
            "b",
            "h",
            &head,
            &items(&[("e/tenants/t.json", "{}"), ("e/grafana/dashboards/t/o.json", dash2)]),
        );
        let changes = &moved.environments[0].tenants[0].changes;
        let got: Vec<(&str, Status)> = changes.iter().map(|c| (c.item.as_str(), c.status)).collect();
        assert_eq!(got, [("o panel 1", Status::Changed), ("o panel 2", Status::Removed)]);
        assert_eq!(changes[0].title.as_deref(), Some("A2"));
    }

    #[test]
    fn alertmanager_routes_and_receivers_belong_to_their_tenant() {
        let am = |wait: &str| {
            format!(
                "route:\n  receiver: strata-null\n  routes:\n  - matchers:\n    - \"tenant=\\\"a\\\"\"\n    group_wait: {wait}\nreceivers:\n- name: strata-null\n- name: a/slack\n"
            )
        };
        let base = items(&[("e/alertmanager/alertmanager.yml", &am("30s"))]);
        let head = items(&[("e/alertmanager/alertmanager.yml", &am("1m"))]);
        let report = compare("b", "h", &base, &head);
        let env = &report.environments[0];
        assert!(env.changes.is_empty(), "{:?}", env.changes);
        assert_eq!(env.tenants[0].changes[0].target, Target::Route);
        assert_eq!(env.tenants[0].changes[0].fields[0].path, ".group_wait");
        assert!(base.keys().any(|k| k.2 == Target::Receiver && k.3 == "a/slack"));
    }
}
