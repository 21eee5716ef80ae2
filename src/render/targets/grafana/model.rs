//! The dashboard document (schemaVersion 39) and its compact, deterministic JSON layout:
//! one top-level key per line, one panel per line. Still plain JSON; the layout keeps
//! thousands of dashboards small and lets the uid be found without parsing the file.

use super::panels::{
    Color, Defaults, FieldConfig, GraphStyle, Kind, Layout, Options, Origin, PROMETHEUS, Panel, Stacking, Step, Target,
    Thresholds, ThresholdsStyle, ref_id,
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
    pub datasource: serde_json::Value,
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
    /// Template variables.
    pub variables: Vec<serde_json::Value>,
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
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2048 + 900 * self.panels.len());
        out.extend_from_slice(b"{\n");
        field(
            &mut out,
            "annotations",
            &serde_json::json!({"list": self.annotations}),
            false,
        );
        field(&mut out, "description", &self.description, false);
        field(&mut out, "editable", &false, false);
        field(&mut out, "fiscalYearStartMonth", &0, false);
        field(&mut out, "graphTooltip", &1, false);
        field(&mut out, "id", &(), false);
        field(&mut out, "links", &[(); 0], false);
        field(&mut out, "liveNow", &false, false);
        out.extend_from_slice(b"  \"panels\": [");
        for (i, panel) in self.panels.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n    " } else { b",\n    " });
            let _ = serde_json::to_writer(&mut out, panel);
        }
        out.extend_from_slice(if self.panels.is_empty() { b"],\n" } else { b"\n  ],\n" });
        field(&mut out, "refresh", "1m", false);
        field(&mut out, "schemaVersion", &SCHEMA_VERSION, false);
        field(&mut out, "tags", &self.tags, false);
        field(
            &mut out,
            "templating",
            &serde_json::json!({"list": self.variables}),
            false,
        );
        field(
            &mut out,
            "time",
            &serde_json::json!({"from": "now-6h", "to": "now"}),
            false,
        );
        field(&mut out, "timepicker", &serde_json::json!({}), false);
        field(&mut out, "timezone", "utc", false);
        field(&mut out, "title", &self.title, false);
        field(&mut out, "uid", &self.uid, false);
        field(&mut out, "version", &1, false);
        field(&mut out, "weekStart", "", true);
        out.extend_from_slice(b"}\n");
        out
    }
}

/// `v` rounded to 9 decimals, so `100 - 99.9` is written as 0.1.
pub fn round(v: f64) -> f64 {
    let r = (v * 1e9).round() / 1e9;
    if r.is_finite() { r } else { v }
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
                    message: format!("the generated query `{expr}` cannot be confined to the tenant: {e:?}"),
                });
                None
            }
        }
    }

    /// Adds a panel of `kind` with `title`, `w` x `h` grid cells, `field` settings and
    /// `queries`.
    pub fn panel(&mut self, kind: Kind, title: &str, size: (u32, u32), field: Field, queries: Vec<Query>) {
        let mut targets = Vec::with_capacity(queries.len());
        for (i, q) in queries.into_iter().enumerate() {
            let origin = q.origin.clone().unwrap_or_else(|| self.origin.clone());
            let Some(expr) = self.confine(&q.expr, &origin) else {
                continue;
            };
            targets.push(Target {
                datasource: PROMETHEUS,
                editor_mode: "code",
                expr,
                format: if kind == Kind::Table { "table" } else { "time_series" },
                instant: q.instant,
                legend_format: q.legend,
                range: !q.instant,
                ref_id: ref_id(i),
                origin: q.origin,
            });
        }
        let custom = (kind == Kind::Timeseries).then_some(GraphStyle {
            axis_placement: "auto",
            draw_style: "line",
            fill_opacity: 10,
            line_interpolation: "linear",
            line_width: 1,
            show_points: "never",
            span_nulls: false,
            stacking: Stacking {
                group: "A",
                mode: "none",
            },
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
        let id = self.panels.len() as u32 + 1;
        self.panels.push(Panel {
            datasource: PROMETHEUS,
            description: String::new(),
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
            transparent: false,
            kind: kind.id(),
            origin: self.origin.clone(),
        });
    }
}
