//! strata: a declarative config compiler and validator for a multi-tenant platform's
//! monitoring, alerting, autoscaling and compliance settings.
//!
//! The pipeline is `load -> merge -> validate -> render -> write` (see DESIGN.md);
//! [`compile::compile`] runs it and the CLI commands are thin shells around it.

pub mod cli;
pub mod compile;
pub mod diag;
pub mod diff;
pub mod duration;
pub mod explain;
pub mod import;
pub mod interpolate;
pub mod load;
pub mod merge;
pub mod model;
pub mod policy;
pub mod project;
pub mod render;
pub mod report;
pub mod secrets;
pub mod slo;
pub mod texts;
pub mod validate;
pub mod watch;
pub mod write;
