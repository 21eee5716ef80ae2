//! One module per output target.

pub mod alertmanager;
pub mod prometheus;
pub mod prometheus_rules;
pub mod tenants;
