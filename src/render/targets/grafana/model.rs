//! The dashboard document (schemaVersion 39) and its compact, deterministic JSON layout:
//! one top-level key per line, one panel per line. Still plain JSON; the layout keeps
//! thousands of dashboards small and lets the uid be found without parsing the file.

use super::panels::{
    Color, DatasourceRef, Defaults, FieldConfig, GraphStyle, Kind, Layout, Options, Origin, PROMETHEUS, Panel, Step,
    Target, Thresholds, ThresholdsStyle, ref_id,
};
use super::queries;
use serde::Serialize;

/// Schema version of the dashboards.
pub const SCHEMA_VERSION: u32 = 39;

/// A problem found while building or checking a dashboard, at the value behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The config value that produced the broken part.
    pub origin: Origin,
    /// What is wrong.
    pub message: String,
}

/// An annotation query.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Annotation {
    /// Datasource.
    pub datasource: DatasourceRef,
    /// Whether the annotation is on.
    pub enable: bool,
    /// The query (empty for the built-in one).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub expr: String,
    /// Whether it is hidden in the toolbar.
    pub hide: bool,
    /// Colour.
    pub icon_color: &'static str,
    /// Name.
    pub name: &'static str,
    /// Title template of the Prometheus annotation.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub title_format: &'static str,
    /// Kind of the built-in annotation.
    #[serde(rename = "type", skip_serializing_if = "str::is_empty")]
    pub kind: &'static str,
    /// Built-in (1) or not (0).
    pub built_in: u8,
}

/// A whole dashboard.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// Uid, at most 40 characters of `[A-Za-z0-9_-]`.
    pub uid: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Tags.
    pub tags: Vec<String>,
    /// `templating` as JSON text (the same for every dashboard of an environment).
    pub templating: std::sync::Arc<str>,
    /// Annotations.
    pub annotations: Vec<Annotation>,
    /// Panels.
    pub panels: Vec<Panel>,
}

fn field<T: Serialize + ?Sized>(out: &mut Vec<u8>, name: &str, value: &T, last: bool) {
    out.extend_from_slice(b"  \"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\": ");
    // Serializing these plain structs and strings into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
    out.extend_from_slice(if last { b"\n" } else { b",\n" });
}

impl Dashboard {
    /// The JSON file: keys in alphabetical order, one per line; one panel per line.
    /// Written into a reused buffer per thread, then copied out at its exact size: a build
    /// holds every file in memory until it is written, so spare capacity would add up.
    pub fn to_json(&self) -> Vec<u8> {
        thread_local! {
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        BUFFER.with(|b| {
            let mut out = b.borrow_mut();
            out.clear();
            self.write_json(&mut out);
            out.to_vec()
        })
    }

    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\n");
        out.extend_from_slice(b"  \"annotations\": {\"list\":");
        let _ = serde_json::to_writer(&mut *out, &self.annotations);
        out.extend_from_slice(b"},\n");
        field(out, "description", &self.description, false);
        field(out, "editable", &false, false);
        field(out, "fiscalYearStartMonth", &0, false);
        field(out, "graphTooltip", &1, false);
        field(out, "id", &(), false);
        field(out, "links", &[(); 0], false);
        field(out, "liveNow", &false, false);
        out.extend_from_slice(b"  \"panels\": [");
        for (i, panel) in self.panels.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n    " } else { b",\n    " });
            let _ = serde_json::to_writer(&mut *out, panel);
        }
        out.extend_from_slice(if self.panels.is_empty() { b"],\n" } else { b"\n  ],\n" });
        field(out, "refresh", "1m", false);
        field(out, "schemaVersion", &SCHEMA_VERSION, false);
        field(out, "tags", &self.tags, false);
        out.extend_from_slice(b"  \"templating\": ");
        out.extend_from_slice(self.templating.as_bytes());
        out.extend_from_slice(b",\n  \"time\": {\"from\":\"now-6h\",\"to\":\"now\"},\n  \"timepicker\": {},\n");
        field(out, "timezone", "utc", false);
        field(out, "title", &self.title, false);
        field(out, "uid", &self.uid, false);
        field(out, "version", &1, false);
        field(out, "weekStart", "", true);
        out.extend_from_slice(b"}\n");
    }
}

/// `v` rounded to 9 decimals, so `100 - 99.9` is written as 0.1.
pub fn round(v: f64) -> f64 {
    let r = (v * 1e9).round() / 1e9;
    if r.is_finite() { r } else { v }
}

/// Why a query could not be confined, as the end of a sentence.
fn describe(e: &crate::validate::promql::PromqlError) -> String {
    match e {
        crate::validate::promql::PromqlError::Syntax { message, .. } => format!("is not valid PromQL: {message}"),
        crate::validate::promql::PromqlError::ForeignMatcher { matcher } => {
            format!("selects outside the tenant: `{matcher}`")
        }
    }
}

/// One query to add to a panel.
pub struct Query {
    /// PromQL before confinement.
    pub expr: String,
    /// Legend template.
    pub legend: &'static str,
    /// Instant (tables, single values) or range query.
    pub instant: bool,
    /// The config value it comes from, when not the dashboard list.
    pub origin: Option<Origin>,
}

impl Query {
    /// A range query.
    pub fn range(expr: impl Into<String>, legend: &'static str) -> Self {
        Self {
            expr: expr.into(),
            legend,
            instant: false,
            origin: None,
        }
    }

    /// An instant query.
    pub fn instant(expr: impl Into<String>, legend: &'static str) -> Self {
        Self {
            instant: true,
            ..Self::range(expr, legend)
        }
    }

    /// The same query, attributed to the config value at `path`.
    pub fn from(mut self, path: &[&str]) -> Self {
        self.origin = Some(Origin::at(path));
        self
    }
}

/// Field settings of a panel.
pub struct Field {
    /// Unit.
    pub unit: &'static str,
    /// Minimum.
    pub min: Option<f64>,
    /// Maximum.
    pub max: Option<f64>,
    /// Threshold steps after the base step.
    pub steps: Vec<(&'static str, f64)>,
    /// Colour of the base step.
    pub base: &'static str,
    /// How thresholds show on graphs.
    pub show: &'static str,
}

impl Field {
    /// A field in `unit` without thresholds.
    pub fn unit(unit: &'static str) -> Self {
        Self {
            unit,
            min: None,
            max: None,
            steps: Vec::new(),
            base: "green",
            show: "off",
        }
    }

    /// With a threshold step at `value`.
    pub fn step(mut self, color: &'static str, value: Option<f64>) -> Self {
        if let Some(v) = value {
            self.steps.push((color, v));
        }
        self
    }

    /// With bounds.
    pub fn range(mut self, min: Option<f64>, max: Option<f64>) -> Self {
        self.min = min;
        self.max = max;
        self
    }

    /// With the base colour.
    pub fn base(mut self, color: &'static str) -> Self {
        self.base = color;
        self
    }

    /// Thresholds drawn as lines on graphs.
    pub fn lines(mut self) -> Self {
        self.show = "line";
        self
    }
}

/// Collects the panels of one dashboard.
pub struct Builder<'a> {
    label: &'a str,
    tenant: &'a str,
    layout: Layout,
    /// Panels so far.
    pub panels: Vec<Panel>,
    /// Problems so far.
    pub problems: Vec<Problem>,
    /// Where panels come from unless a query says otherwise.
    pub origin: Origin,
}

impl<'a> Builder<'a> {
    /// A builder for `tenant`, confining on `label`.
    pub fn new(label: &'a str, tenant: &'a str, origin: Origin) -> Self {
        Self {
            label,
            tenant,
            layout: Layout::default(),
            panels: Vec::new(),
            problems: Vec::new(),
            origin,
        }
    }

    /// `expr` confined to the tenant, or a problem.
    pub fn confine(&mut self, expr: &str, origin: &Origin) -> Option<String> {
        match queries::confined(expr, self.label, self.tenant) {
            Ok(q) => Some(q),
            Err(e) => {
                self.problems.push(Problem {
                    origin: origin.clone(),
                    message: format!("the generated query `{expr}` {}", describe(&e)),
                });
                None
            }
        }
    }

    /// Adds a panel of `kind` with `title`, `w` x `h` grid cells, `field` settings and
    /// `queries`.
    pub fn panel(&mut self, kind: Kind, title: &str, size: (u32, u32), field: Field, queries: Vec<Query>) {
        let mut targets = Vec::with_capacity(queries.len());
        let failed = self.problems.len();
        for (i, q) in queries.into_iter().enumerate() {
            let expr = match queries::confined(&q.expr, self.label, self.tenant) {
                Ok(expr) => expr,
                Err(e) => {
                    self.problems.push(Problem {
                        origin: q.origin.clone().unwrap_or_else(|| self.origin.clone()),
                        message: format!("the generated query `{}` {}", q.expr, describe(&e)),
                    });
                    continue;
                }
            };
            targets.push(Target {
                expr,
                format: if kind == Kind::Table { "table" } else { "time_series" },
                instant: q.instant,
                legend_format: q.legend,
                range: !q.instant,
                ref_id: ref_id(i),
                origin: q.origin,
            });
        }
        if self.problems.len() > failed {
            // The panel is not written; its problems are reported.
            return;
        }
        let custom = (kind == Kind::Timeseries).then_some(GraphStyle {
            fill_opacity: 10,
            line_width: 1,
            show_points: "never",
            thresholds_style: ThresholdsStyle { mode: field.show },
        });
        let mut steps = vec![Step {
            color: field.base,
            value: None,
        }];
        steps.extend(field.steps.iter().map(|(color, v)| Step {
            color,
            value: Some(round(*v)),
        }));
        // Grafana wants ascending steps; a config may set warning above critical.
        steps[1..].sort_by(|a, b| a.value.partial_cmp(&b.value).unwrap_or(std::cmp::Ordering::Equal));
        let id = self.panels.len() as u32 + 1;
        self.panels.push(Panel {
            datasource: PROMETHEUS,
            field_config: FieldConfig {
                defaults: Defaults {
                    color: Color {
                        mode: if kind == Kind::Timeseries {
                            "palette-classic"
                        } else {
                            "thresholds"
                        },
                    },
                    custom,
                    max: field.max,
                    min: field.min,
                    mappings: [],
                    thresholds: Thresholds {
                        mode: "absolute",
                        steps,
                    },
                    unit: field.unit,
                },
                overrides: [],
            },
            grid_pos: self.layout.place(size.0, size.1),
            id,
            options: Options::of(kind),
            targets,
            title: title.to_string(),
            kind: kind.id(),
            origin: self.origin.clone(),
        });
    }
}
