//! One module per output target.

pub mod alertmanager;
pub mod grafana;
pub mod kubernetes;
pub mod prometheus;
pub mod prometheus_rules;
pub mod prometheus_slo;
pub mod slack;
pub mod tenants;
