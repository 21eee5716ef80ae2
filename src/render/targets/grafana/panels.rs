//! The Grafana panel model (schemaVersion 39), written out field by field, and the
//! layout that places panels on the 24-column grid without overlaps.

use serde::Serialize;

/// Columns of Grafana's grid.
pub const GRID_WIDTH: u32 = 24;

/// The config value a panel or query comes from, for diagnostics: a path of keys in the
/// effective tenant document.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin(pub Vec<String>);

impl Origin {
    /// The origin at `path`.
    pub fn at(path: &[&str]) -> Self {
        Self(path.iter().map(|s| s.to_string()).collect())
    }

    /// The path as `&str` segments.
    pub fn path(&self) -> Vec<&str> {
        self.0.iter().map(String::as_str).collect()
    }
}

/// A panel's position.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct GridPos {
    /// Height in grid rows.
    pub h: u32,
    /// Width in columns.
    pub w: u32,
    /// Column.
    pub x: u32,
    /// Row.
    pub y: u32,
}

/// A datasource reference.
#[derive(Debug, Clone, Serialize)]
pub struct DatasourceRef {
    /// Plugin type.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Uid (the `datasource` variable).
    pub uid: &'static str,
}

/// The Prometheus datasource chosen by the `datasource` variable.
pub const PROMETHEUS: DatasourceRef = DatasourceRef {
    kind: "prometheus",
    uid: "${datasource}",
};

/// One PromQL query of a panel.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    /// Datasource of the query.
    pub datasource: DatasourceRef,
    /// Editor mode.
    pub editor_mode: &'static str,
    /// The confined PromQL.
    pub expr: String,
    /// `time_series` or `table`.
    pub format: &'static str,
    /// Whether the query is an instant query.
    pub instant: bool,
    /// Legend template (`{{label}}`).
    pub legend_format: &'static str,
    /// Whether the query is a range query.
    pub range: bool,
    /// A, B, ... unique within the panel.
    pub ref_id: String,
    /// Where the query comes from (not written).
    #[serde(skip)]
    pub origin: Option<Origin>,
}

/// One threshold step; the first has no value (from minus infinity).
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// Colour name.
    pub color: &'static str,
    /// Lower bound.
    pub value: Option<f64>,
}

/// Thresholds of a field.
#[derive(Debug, Clone, Serialize)]
pub struct Thresholds {
    /// `absolute` or `percentage`.
    pub mode: &'static str,
    /// Steps in ascending order.
    pub steps: Vec<Step>,
}

/// Colour scheme of a field.
#[derive(Debug, Clone, Serialize)]
pub struct Color {
    /// `thresholds`, `palette-classic`, ...
    pub mode: &'static str,
}

/// Field options of time series panels.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphStyle {
    /// Axis placement.
    pub axis_placement: &'static str,
    /// `line`, `bars` or `points`.
    pub draw_style: &'static str,
    /// Fill opacity, percent.
    pub fill_opacity: u32,
    /// Line interpolation.
    pub line_interpolation: &'static str,
    /// Line width, pixels.
    pub line_width: u32,
    /// When points are drawn.
    pub show_points: &'static str,
    /// Whether gaps are joined.
    pub span_nulls: bool,
    /// Stacking.
    pub stacking: Stacking,
    /// How thresholds are drawn (`off`, `line`, `dashed`, `area`).
    pub thresholds_style: ThresholdsStyle,
}

/// Stacking of series.
#[derive(Debug, Clone, Serialize)]
pub struct Stacking {
    /// Group name.
    pub group: &'static str,
    /// `none` or `normal`.
    pub mode: &'static str,
}

/// How thresholds are drawn.
#[derive(Debug, Clone, Serialize)]
pub struct ThresholdsStyle {
    /// `off`, `line`, `dashed`, ...
    pub mode: &'static str,
}

/// `fieldConfig.defaults`.
#[derive(Debug, Clone, Serialize)]
pub struct Defaults {
    /// Colour scheme.
    pub color: Color,
    /// Time series drawing options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<GraphStyle>,
    /// Axis and gauge maximum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Axis and gauge minimum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Value mappings.
    pub mappings: [(); 0],
    /// Thresholds.
    pub thresholds: Thresholds,
    /// Unit.
    pub unit: &'static str,
}

/// `fieldConfig`.
#[derive(Debug, Clone, Serialize)]
pub struct FieldConfig {
    /// Defaults of every field.
    pub defaults: Defaults,
    /// Per-field overrides (none).
    pub overrides: [(); 0],
}

/// Panel visualisations strata generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Graph over time.
    Timeseries,
    /// One big number.
    Stat,
    /// A dial.
    Gauge,
    /// Horizontal bars.
    Bargauge,
    /// A table of instant values.
    Table,
}

impl Kind {
    /// Grafana's panel type id.
    pub fn id(self) -> &'static str {
        match self {
            Kind::Timeseries => "timeseries",
            Kind::Stat => "stat",
            Kind::Gauge => "gauge",
            Kind::Bargauge => "bargauge",
            Kind::Table => "table",
        }
    }
}

/// A panel.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Panel {
    /// Datasource of the panel.
    pub datasource: DatasourceRef,
    /// Panel description.
    pub description: String,
    /// Field options.
    pub field_config: FieldConfig,
    /// Position.
    pub grid_pos: GridPos,
    /// 1..n within the dashboard.
    pub id: u32,
    /// Options of the visualisation.
    pub options: Options,
    /// Queries.
    pub targets: Vec<Target>,
    /// Title.
    pub title: String,
    /// Whether the panel is transparent.
    pub transparent: bool,
    /// Panel type.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Where the panel comes from (not written).
    #[serde(skip)]
    pub origin: Origin,
}

/// Value reduction of single-value panels.
#[derive(Debug, Clone, Serialize)]
pub struct Reduce {
    /// Reducers.
    pub calcs: [&'static str; 1],
    /// Fields.
    pub fields: &'static str,
    /// Whether every value is shown.
    pub values: bool,
}

const LAST: Reduce = Reduce {
    calcs: ["lastNotNull"],
    fields: "",
    values: false,
};

/// Legend of a time series panel.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Legend {
    /// Legend calculations.
    pub calcs: [&'static str; 0],
    /// `list` or `table`.
    pub display_mode: &'static str,
    /// `bottom` or `right`.
    pub placement: &'static str,
    /// Whether the legend is shown.
    pub show_legend: bool,
}

/// Tooltip of a time series panel.
#[derive(Debug, Clone, Serialize)]
pub struct Tooltip {
    /// `single` or `multi`.
    pub mode: &'static str,
    /// Series order.
    pub sort: &'static str,
}

/// Options, by panel type.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Options {
    /// Time series.
    #[serde(rename_all = "camelCase")]
    Timeseries { legend: Legend, tooltip: Tooltip },
    /// Stat.
    #[serde(rename_all = "camelCase")]
    Stat {
        color_mode: &'static str,
        graph_mode: &'static str,
        justify_mode: &'static str,
        orientation: &'static str,
        reduce_options: Reduce,
        text_mode: &'static str,
    },
    /// Gauge.
    #[serde(rename_all = "camelCase")]
    Gauge {
        orientation: &'static str,
        reduce_options: Reduce,
        show_threshold_labels: bool,
        show_threshold_markers: bool,
    },
    /// Bar gauge.
    #[serde(rename_all = "camelCase")]
    Bargauge {
        display_mode: &'static str,
        orientation: &'static str,
        reduce_options: Reduce,
        show_unfilled: bool,
    },
    /// Table.
    #[serde(rename_all = "camelCase")]
    Table {
        cell_height: &'static str,
        show_header: bool,
    },
}

impl Options {
    /// The default options of a panel of `kind`.
    pub fn of(kind: Kind) -> Self {
        match kind {
            Kind::Timeseries => Options::Timeseries {
                legend: Legend {
                    calcs: [],
                    display_mode: "list",
                    placement: "bottom",
                    show_legend: true,
                },
                tooltip: Tooltip {
                    mode: "multi",
                    sort: "none",
                },
            },
            Kind::Stat => Options::Stat {
                color_mode: "value",
                graph_mode: "area",
                justify_mode: "auto",
                orientation: "auto",
                reduce_options: LAST,
                text_mode: "auto",
            },
            Kind::Gauge => Options::Gauge {
                orientation: "auto",
                reduce_options: LAST,
                show_threshold_labels: false,
                show_threshold_markers: true,
            },
            Kind::Bargauge => Options::Bargauge {
                display_mode: "gradient",
                orientation: "horizontal",
                reduce_options: Reduce { values: false, ..LAST },
                show_unfilled: true,
            },
            Kind::Table => Options::Table {
                cell_height: "sm",
                show_header: true,
            },
        }
    }
}

/// Places panels left to right in rows of 24 columns; a panel that does not fit starts a
/// new row below the tallest panel of the current one. Panels never overlap.
#[derive(Debug, Default)]
pub struct Layout {
    x: u32,
    y: u32,
    row_height: u32,
}

impl Layout {
    /// The position of the next panel of width `w` (at most 24) and height `h`.
    pub fn place(&mut self, w: u32, h: u32) -> GridPos {
        let w = w.clamp(1, GRID_WIDTH);
        if self.x + w > GRID_WIDTH {
            self.y += self.row_height;
            self.x = 0;
            self.row_height = 0;
        }
        let pos = GridPos {
            h,
            w,
            x: self.x,
            y: self.y,
        };
        self.x += w;
        self.row_height = self.row_height.max(h);
        pos
    }
}

/// The reference id of the `i`th query (0-based): A..Z, then AA, AB, ...
pub fn ref_id(i: usize) -> String {
    let mut n = i;
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_ids() {
        assert_eq!(ref_id(0), "A");
        assert_eq!(ref_id(25), "Z");
        assert_eq!(ref_id(26), "AA");
        assert_eq!(ref_id(27), "AB");
        assert_eq!(ref_id(26 + 26 * 26), "AAA");
    }

    #[test]
    fn layout_wraps_rows() {
        let mut l = Layout::default();
        let a = l.place(12, 8);
        let b = l.place(12, 4);
        let c = l.place(6, 4);
        assert_eq!((a.x, a.y, b.x, b.y, c.x, c.y), (0, 0, 12, 0, 0, 8));
    }
}
