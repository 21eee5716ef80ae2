#!/usr/bin/env python3
"""Structural checks of the Grafana dashboards of a strata build (python3 stdlib only).

    python3 scripts/check_dashboards.py OUT_DIR [--tenant-label tenant]

Walks OUT_DIR/<env>/grafana/dashboards/<tenant>/*.json and checks each file:
  - it parses as JSON and is an object;
  - required top-level fields: uid, title, tags, timezone, editable, graphTooltip, time,
    refresh, schemaVersion (39), templating with the `datasource` (type datasource, query
    prometheus) and `env` variables, annotations.list, panels;
  - uid: 1 to 40 characters of [A-Za-z0-9_-], unique across the whole build;
  - panels: ids 1..n, known type, title, gridPos {h,w,x,y} integers with w,h >= 1,
    x >= 0, x + w <= 24, no two panels overlapping; datasource {type: prometheus,
    uid: ${datasource}}; fieldConfig.defaults (unit, thresholds.mode, thresholds.steps with
    a null first value and ascending values) and fieldConfig.overrides; options;
    targets with unique non-empty refIds and a non-empty expr;
  - every expr carries `<tenant-label>="<tenant>"` (the folder name) and contains no `$`;
  - the only `$` in the whole file is `${datasource}`.
and OUT_DIR/<env>/grafana/provisioning/dashboards.yaml exists when dashboards do.
Prints one line per problem and a summary; exit 0 when clean, 1 on problems, 2 on usage.
"""

import json
import os
import re
import sys

PANEL_TYPES = {"timeseries", "stat", "gauge", "bargauge", "table"}
UID_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
REQUIRED = {
    "uid": str,
    "title": str,
    "tags": list,
    "timezone": str,
    "editable": bool,
    "graphTooltip": int,
    "time": dict,
    "refresh": str,
    "schemaVersion": int,
    "templating": dict,
    "annotations": dict,
    "panels": list,
}


def check_panel(p, i, tenant, label, fail):
    where = f"panel {i + 1}"
    if not isinstance(p, dict):
        return fail(f"{where}: not an object")
    if p.get("id") != i + 1:
        fail(f"{where}: id is {p.get('id')!r}, expected {i + 1}")
    if p.get("type") not in PANEL_TYPES:
        fail(f"{where}: unknown type {p.get('type')!r}")
    if not isinstance(p.get("title"), str) or not p["title"].strip():
        fail(f"{where}: no title")
    ds = p.get("datasource")
    if ds != {"type": "prometheus", "uid": "${datasource}"}:
        fail(f"{where}: datasource is {ds!r}")
    fc = p.get("fieldConfig")
    if not isinstance(fc, dict) or not isinstance(fc.get("defaults"), dict) or fc.get("overrides") != []:
        fail(f"{where}: fieldConfig needs defaults and overrides []")
    else:
        d = fc["defaults"]
        if not isinstance(d.get("unit"), str):
            fail(f"{where}: fieldConfig.defaults.unit missing")
        th = d.get("thresholds")
        if not isinstance(th, dict) or th.get("mode") not in ("absolute", "percentage"):
            fail(f"{where}: thresholds.mode missing")
        else:
            steps = th.get("steps")
            if not isinstance(steps, list) or not steps or steps[0].get("value") is not None:
                fail(f"{where}: thresholds.steps must start with a null value")
            else:
                values = [s.get("value") for s in steps[1:]]
                if any(not isinstance(v, (int, float)) for v in values) or values != sorted(values):
                    fail(f"{where}: threshold values {values!r} are not ascending numbers")
    if not isinstance(p.get("options"), dict):
        fail(f"{where}: options missing")
    targets = p.get("targets")
    if not isinstance(targets, list) or not targets:
        return fail(f"{where}: no targets")
    refs = set()
    own = f'{label}="{tenant}"'
    for t in targets:
        ref = t.get("refId") if isinstance(t, dict) else None
        if not ref or ref in refs:
            fail(f"{where}: refId {ref!r} missing or repeated")
        refs.add(ref)
        expr = t.get("expr") if isinstance(t, dict) else None
        if not isinstance(expr, str) or not expr.strip():
            fail(f"{where}: target {ref}: no expr")
            continue
        if own not in expr:
            fail(f"{where}: target {ref}: expr lacks {own}: {expr[:200]}")
        if "$" in expr:
            fail(f"{where}: target {ref}: expr contains '$': {expr[:200]}")
        other = re.findall(label + r'\s*(=~|!=|!~|=)\s*"((?:[^"\\]|\\.)*)"', expr)
        for op, value in other:
            if op != "=" or value != tenant:
                fail(f"{where}: target {ref}: matcher {label}{op}\"{value}\" reaches outside the tenant")
    g = p.get("gridPos")
    if not isinstance(g, dict) or not all(isinstance(g.get(k), int) for k in "hwxy"):
        fail(f"{where}: gridPos needs integer h, w, x, y")
        return None
    if g["w"] < 1 or g["h"] < 1 or g["x"] < 0 or g["y"] < 0 or g["x"] + g["w"] > 24:
        fail(f"{where}: gridPos {g} is outside the 24-column grid")
    return g


def overlaps(a, b):
    return a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


def check_file(path, tenant, label, uids, problems):
    def fail(msg):
        problems.append(f"{path}: {msg}")

    try:
        with open(path, "rb") as f:
            raw = f.read()
        d = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError) as e:
        return fail(f"not valid JSON: {e}")
    if not isinstance(d, dict):
        return fail("not a JSON object")
    for key, kind in REQUIRED.items():
        if not isinstance(d.get(key), kind) or (kind is int and isinstance(d.get(key), bool)):
            fail(f"field {key!r} missing or not a {kind.__name__}")
    if d.get("schemaVersion") != 39:
        fail(f"schemaVersion is {d.get('schemaVersion')!r}, expected 39")
    uid = d.get("uid")
    if not isinstance(uid, str) or not UID_RE.match(uid):
        fail(f"uid {uid!r} is not 1 to 40 characters of A-Z a-z 0-9 - _")
    elif uid in uids:
        fail(f"uid {uid!r} is also used by {uids[uid]}")
    else:
        uids[uid] = path
    variables = {v.get("name"): v for v in (d.get("templating") or {}).get("list", []) if isinstance(v, dict)}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        fail("templating lacks the `datasource` variable (type datasource, query prometheus)")
    env = variables.get("env")
    if not env or env.get("type") not in ("constant", "custom"):
        fail("templating lacks the `env` variable (constant or custom)")
    if not isinstance((d.get("annotations") or {}).get("list"), list):
        fail("annotations.list missing")
    if "$" in raw.decode("utf-8", "replace").replace("${datasource}", ""):
        fail("contains '$' other than ${datasource}")
    placed = []
    for i, p in enumerate(d.get("panels") or []):
        g = check_panel(p, i, tenant, label, fail)
        if g is None:
            continue
        for j, other in placed:
            if overlaps(g, other):
                fail(f"panel {i + 1} overlaps panel {j + 1}")
        placed.append((i, g))
    return None


def main(argv):
    args = argv[1:]
    label = "tenant"
    if "--tenant-label" in args:
        at = args.index("--tenant-label")
        if at + 1 >= len(args):
            print(__doc__, file=sys.stderr)
            return 2
        label = args[at + 1]
        del args[at : at + 2]
    if len(args) != 1 or not os.path.isdir(args[0]):
        print(__doc__, file=sys.stderr)
        return 2
    out = args[0]
    problems, uids, count = [], {}, 0
    for env in sorted(os.listdir(out)):
        base = os.path.join(out, env, "grafana", "dashboards")
        if not os.path.isdir(base):
            continue
        if not os.path.isfile(os.path.join(out, env, "grafana", "provisioning", "dashboards.yaml")):
            problems.append(f"{env}: grafana/provisioning/dashboards.yaml is missing")
        for tenant in sorted(os.listdir(base)):
            folder = os.path.join(base, tenant)
            for name in sorted(os.listdir(folder)):
                if name.endswith(".json"):
                    count += 1
                    check_file(os.path.join(folder, name), tenant, label, uids, problems)
    for p in problems:
        print(p)
    print(f"check_dashboards: {count} dashboards, {len(problems)} problems")
    if count == 0:
        print("check_dashboards: no dashboards found", file=sys.stderr)
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
