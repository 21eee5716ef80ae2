//! `tenants/<tenant>.json`: the effective tenant config, for applications. Secrets are
//! written as their `${...}` reference, never as values.

use crate::compile::EffectiveTenant;
use crate::render::EnvContext;
use crate::write::Artifact;

/// The effective config of one tenant.
pub fn render(ctx: &EnvContext<'_>, t: &EffectiveTenant) -> Artifact {
    let json = t.doc.to_json(Some("<redacted>"));
    let mut bytes = serde_json::to_vec_pretty(&json).unwrap_or_default();
    bytes.push(b'\n');
    Artifact {
        path: format!("{}/tenants/{}.json", ctx.env, t.tenant),
        bytes,
    }
}
