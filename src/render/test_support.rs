//! Builders shared by the unit tests of the targets.

use super::TenantModel;
use crate::model::Tenant;
use crate::project::{BuildSection, PolicySection, Project, ProjectSection};
use serde_json::{Value, json};

/// Project settings with `tenant_label` and `default_locale`, everything else default.
pub fn project(tenant_label: &str, default_locale: &str) -> Project {
    Project {
        project: ProjectSection {
            name: "t".into(),
            tenant_label: tenant_label.into(),
            default_locale: default_locale.into(),
        },
        build: BuildSection::default(),
        policies: PolicySection::default(),
        texts: Default::default(),
    }
}

/// The typed tenant `id` of the JSON document `doc` (its `id` set to `id`).
pub fn tenant(id: &str, doc: Value) -> TenantModel {
    let mut doc = doc;
    doc["id"] = json!(id);
    let tenant: Tenant = serde_json::from_value(doc).unwrap_or_else(|e| panic!("{e}"));
    TenantModel { id: id.into(), tenant }
}
