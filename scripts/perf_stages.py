#!/usr/bin/env python3
"""Group the CPU samples of a `perf record --call-graph dwarf` run of strata by pipeline stage.

    perf script --no-inline -F tid,ip,sym -i perf.data | python3 scripts/perf_stages.py --cpu-seconds S

Each sample goes to the stage of its innermost strata frame that belongs to one (walking
from the sampled instruction out to `main`), so time spent in libraries, the allocator, std
or the kernel is charged to the stage that asked for it; samples without any such frame go
by their innermost library frame (regorus, jsonschema, ...) or are "other". Prints
a JSON object {stage: samples} when --json is given, else a Markdown table with each stage's
share and that share of the run's CPU time (user+sys, measured separately; --cpu-seconds).
"""

from __future__ import annotations

import argparse
import json
import re
import sys

# (stage, path prefixes). The first stage with a matching prefix wins, frame by frame.
STAGES = (
    ("policies (Rego, regorus)", ("strata::policy::", "regorus::")),
    ("schema validation (jsonschema)", ("strata::validate::schema", "jsonschema::", "referencing::")),
    ("PromQL parse + confine", ("strata::validate::promql", "strata::validate::slo_promql", "promql_parser::")),
    ("semantic checks", ("strata::validate::", "strata::slo::", "strata::duration::")),
    ("load (read + YAML parse)", ("strata::load::", "saphyr_parser::", "strata::project::", "toml::")),
    ("merge + interpolate", ("strata::merge::", "strata::interpolate::")),
    ("typed model (serde)", ("strata::model::",)),
    ("render artifacts", ("strata::render::",)),
    ("write + sha256 + manifest", ("strata::write::", "sha2::", "strata::cli::commands::build::input_hashes")),
    ("diagnostics", ("strata::diag::",)),
    ("compile (other)", ("strata::compile::", "strata::cli::")),
)
OTHER = "other (allocator, rayon, std, kernel)"

GENERIC = re.compile(r"<[^<>]*>")


def frame_path(sym: str) -> str:
    """The item path of a demangled symbol: the Self type of `<T as Trait>::f`, generics removed."""
    sym = sym.strip()
    if sym.startswith("<") and " as " in sym:
        sym = sym[1 : sym.index(" as ")]
    previous = None
    while previous != sym:
        previous, sym = sym, GENERIC.sub("", sym)
    return sym


def stage_of(frames: list[str]) -> str:
    """The stage of the innermost strata frame that has one; else of the innermost library
    frame that has one (a library called from several stages, such as jsonschema from the
    schema validation and from the Kubernetes render checks, counts for its caller)."""
    paths = [p for p in map(frame_path, frames) if not p.startswith("core::ptr::drop_in_place")]
    for own in (True, False):
        for path in paths:
            if path.startswith("strata::") != own:
                continue
            for stage, prefixes in STAGES:
                if path.startswith(prefixes):
                    return stage
    return OTHER


def samples(lines):
    """Yields the symbol list (innermost first) of each sample of `perf script` output."""
    frames: list[str] = []
    in_sample = False
    for line in lines:
        if not line.strip():
            if in_sample:
                yield frames
            frames, in_sample = [], False
        elif line[0] in " \t" and in_sample:
            parts = line.strip().split(None, 1)
            if len(parts) == 2:
                frames.append(re.sub(r"\s*\(.*\)$", "", parts[1]))
        else:
            frames, in_sample = [], True
    if in_sample:
        yield frames


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cpu-seconds", type=float, help="CPU time (user+sys) of the profiled run")
    ap.add_argument("--json", action="store_true", help="print {stage: samples} as JSON")
    args = ap.parse_args()
    counts: dict[str, int] = {}
    for frames in samples(sys.stdin):
        stage = stage_of(frames)
        counts[stage] = counts.get(stage, 0) + 1
    total = sum(counts.values())
    if total == 0:
        print("perf_stages: no samples on stdin", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(counts, sort_keys=True))
        return 0
    cpu = "CPU s (share of user+sys)" if args.cpu_seconds else "CPU s"
    print(f"| stage | samples | share | {cpu} |")
    print("|---|---:|---:|---:|")
    for stage, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        secs = "%.2f" % (args.cpu_seconds * n / total) if args.cpu_seconds else "-"
        print(f"| {stage} | {n} | {100 * n / total:.1f}% | {secs} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
