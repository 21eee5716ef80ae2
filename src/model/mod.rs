//! The typed configuration model: the tenant document, the `platform` settings and the
//! layer files. These types are the single source of the JSON Schemas in `schemas/`.
//!
//! Values that the schema cannot check precisely (durations, cron expressions, e-mail
//! addresses, references between sections) are plain strings here and are checked by the
//! semantic checks in `validate::checks`, which can point at the exact value.

mod alerting;
mod monitoring;
mod platform;
mod tenant;

pub use alerting::*;
pub use monitoring::*;
pub use platform::*;
pub use tenant::*;

/// A Prometheus-style duration such as `30s`, `5m`, `1h30m` or `7d`.
pub type Duration = String;

/// A percentage, 0 to 100 inclusive.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct Percent(#[schemars(range(min = 0, max = 100))] pub f64);
