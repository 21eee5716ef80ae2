#!/usr/bin/env python3
"""Render the `## scale` section of BENCHMARKS.md from what scripts/bench_scale.sh measured.

    python3 scripts/bench_scale_report.py --times T --facts F --stages-dir D --runs R --seed S \
        --command CMD --tools TEXT --machine TEXT

T holds one line per timed run: `KEY TENANTS WALL_S CPU_S MAXRSS_KB`; F one line per fact:
`KEY TENANTS VALUE`; D the files stages-{check,build}-TENANTS.json of scripts/perf_stages.py.
Writes Markdown to stdout. Targets (issue 9): check >= 50x faster than check-jsonschema; the
PromQL stage faster than promtool; build within 3x of the parse floor; 10x the tenants
within 11x the time; peak memory under 1 GB at the largest size. Verdicts are judged on the
median wall-clock time (what a user waits for); CPU time is shown next to it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from collections import defaultdict

TARGET_CHECK_RATIO = 50.0
TARGET_FLOOR_RATIO = 3.0
TARGET_GROWTH = 11.0
TARGET_RSS_MB = 1024.0


class Runs:
    """The timed runs of each (key, tenants)."""

    def __init__(self, path: str):
        self.runs: dict[tuple[str, int], list[tuple[float, float, int]]] = defaultdict(list)
        with open(path, encoding="utf-8") as f:
            for line in f:
                key, n, wall, cpu, rss = line.split()
                self.runs[(key, int(n))].append((float(wall), float(cpu), int(rss)))

    def has(self, key: str, n: int) -> bool:
        return (key, n) in self.runs

    def wall(self, key: str, n: int) -> float:
        return statistics.median(r[0] for r in self.runs[(key, n)])

    def cpu(self, key: str, n: int) -> float:
        return statistics.median(r[1] for r in self.runs[(key, n)])

    def rss_mb(self, key: str, n: int) -> float:
        return max(r[2] for r in self.runs[(key, n)]) / 1024


def read_facts(path: str) -> dict[tuple[str, int], int]:
    facts = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, n, value = line.split()
            facts[(key, int(n))] = int(float(value)) if "e" in value else int(value)
    return facts


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("inf")


def fmt(x: float) -> str:
    return f"{x:.2f}" if x < 100 else f"{x:.1f}"


def scaling(out: list[str], t: Runs, facts, sizes: list[int]) -> None:
    out.append("### Scaling curve\n")
    out.append(
        "| tenants | input YAML files | input MB | check wall s | check CPU s | check max RSS MB "
        "| build wall s | build CPU s | build max RSS MB | files written | MB written |"
    )
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        out.append(
            f"| {n} | {facts[('in_files', n)]} | {facts[('in_bytes', n)] / 1e6:.1f} "
            f"| {fmt(t.wall('check', n))} | {fmt(t.cpu('check', n))} | {t.rss_mb('check', n):.0f} "
            f"| {fmt(t.wall('build', n))} | {fmt(t.cpu('build', n))} | {t.rss_mb('build', n):.0f} "
            f"| {facts[('out_files', n)]} | {facts[('out_bytes', n)] / 1e6:.0f} |"
        )
    lo, hi = sizes[0], sizes[-1]
    out.append("")
    if hi > lo:
        allowed = TARGET_GROWTH * hi / lo / 10
        parts = []
        for key in ("check", "build"):
            gw = ratio(t.wall(key, hi), t.wall(key, lo))
            gc = ratio(t.cpu(key, hi), t.cpu(key, lo))
            parts.append(f"`{key}` wall {gw:.1f}x ({verdict(gw <= allowed)}), CPU {gc:.1f}x")
        out.append(
            f"Growth from {lo} to {hi} tenants ({hi / lo:.0f}x the tenants; target: within "
            f"{allowed:.1f}x the time): " + "; ".join(parts) + "."
        )
    peak = {key: t.rss_mb(key, hi) for key in ("check", "build")}
    out.append(
        f"Peak memory at {hi} tenants (target < {TARGET_RSS_MB:.0f} MB): "
        + "; ".join(f"`{k}` {v:.0f} MB ({verdict(v < TARGET_RSS_MB)})" for k, v in peak.items())
        + ".\n"
    )


def load_stages(stages_dir: str, sizes: list[int]) -> dict[tuple[str, int], dict[str, int]]:
    """The perf sample counts by stage of each profiled (command, tenants)."""
    found = {}
    for key in ("check", "build"):
        for n in sorted({sizes[0], sizes[-1]}):
            path = os.path.join(stages_dir, f"stages-{key}-{n}.json")
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    found[(key, n)] = json.load(f)
    return found


def largest_stages(t: Runs, stages, key: str, n: int, count: int = 3) -> str:
    """`stage (x CPU s), ...` of the profiled run of `key` at `n` tenants, largest first."""
    counts = stages.get((key, n))
    if not counts:
        return "no profile of this size"
    total = sum(counts.values())
    top = sorted(counts.items(), key=lambda kv: -kv[1])[:count]
    return ", ".join(f"{name} {t.cpu(key, n) * c / total:.2f} s" for name, c in top)


def check_vs_jsonschema(out: list[str], t: Runs, facts, sizes: list[int], stages) -> None:
    out.append("### strata check vs check-jsonschema\n")
    out.append(
        "| tenants | documents | `strata check FLEET` wall s | CPU s | `check-jsonschema` wall s | CPU s "
        "| max RSS MB | faster (wall) | faster (CPU) | target >= 50x |"
    )
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for n in sizes:
        rw = ratio(t.wall("check-jsonschema", n), t.wall("check", n))
        rc = ratio(t.cpu("check-jsonschema", n), t.cpu("check", n))
        out.append(
            f"| {n} | {facts[('documents', n)]} | {fmt(t.wall('check', n))} | {fmt(t.cpu('check', n))} "
            f"| {fmt(t.wall('check-jsonschema', n))} | {fmt(t.cpu('check-jsonschema', n))} "
            f"| {t.rss_mb('check-jsonschema', n):.0f} | {rw:.1f}x | {rc:.1f}x | {verdict(rw >= TARGET_CHECK_RATIO)} |"
        )
    out.append(
        "\ncheck-jsonschema gets the effective tenant documents of every environment exactly as"
        " `strata build` wrote them (`out/<env>/tenants/<id>.json`, secrets as `${...}`"
        " references) and the tenant schema strata validates them with (`strata schema`, the"
        " checked-in `schemas/tenant.schema.json`); all are valid. `strata check` does more on the"
        " same fleet: it reads and merges the layered YAML itself, validates the three"
        " environments' platform settings too, runs the semantic checks, parses and confines"
        " every PromQL expression and runs the four built-in policy packs."
    )
    n = sizes[-1]
    needed = t.wall("check-jsonschema", n) / TARGET_CHECK_RATIO
    if t.wall("check", n) > needed:
        out.append(
            f"\nTo be {TARGET_CHECK_RATIO:.0f}x faster at {n} tenants, `strata check` would have to take"
            f" {needed:.2f} s instead of {fmt(t.wall('check', n))} s; its largest stages (CPU,"
            f" profile below): {largest_stages(t, stages, 'check', n)}."
        )
    out.append("")


def promql_vs_promtool(out: list[str], t: Runs, facts, sizes: list[int]) -> None:
    out.append("### PromQL: strata vs promtool check rules\n")
    out.append(
        "| tenants | rules | `strata build FLEET --env production` wall s | CPU s "
        "| `promtool check rules` wall s | CPU s | max RSS MB | faster (wall) | faster (CPU) | target > 1x |"
    )
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for n in sizes:
        rw = ratio(t.wall("promtool", n), t.wall("rules", n))
        rc = ratio(t.cpu("promtool", n), t.cpu("rules", n))
        out.append(
            f"| {n} | {facts[('rules', n)]} | {fmt(t.wall('rules', n))} | {fmt(t.cpu('rules', n))} "
            f"| {fmt(t.wall('promtool', n))} | {fmt(t.cpu('promtool', n))} | {t.rss_mb('promtool', n):.0f} "
            f"| {rw:.1f}x | {rc:.1f}x | {verdict(rw > 1)} |"
        )
    out.append(
        "\npromtool checks the rule files that build wrote (`rules/<tenant>.yml`, one argument per"
        " file). strata's figure is its whole build of that environment (load, merge, validate,"
        " policies, render, write), an upper bound of its PromQL stage: the profile below shows"
        " the PromQL parse and confinement alone.\n"
    )


def build_vs_floor(out: list[str], t: Runs, facts, sizes: list[int], stages) -> None:
    out.append("### strata build vs the floor\n")
    out.append("| tenants | command | wall s | CPU s | max RSS MB | build ÷ this (wall) | build ÷ this (CPU) | target |")
    out.append("|---:|---|---:|---:|---:|---:|---:|---|")
    rows = (
        ("build", "`strata build FLEET --out OUT` (fresh OUT)"),
        ("floor-parse", "floor: parse every input YAML file (saphyr-parser, parallel)"),
        ("floor-parse-write", "floor + write as many files and bytes as the build"),
        ("pyyaml", "PyYAML `CSafeLoader`, every input YAML file (one thread)"),
    )
    for n in sizes:
        for key, label in rows:
            if not t.has(key, n):
                continue
            rw = ratio(t.wall("build", n), t.wall(key, n))
            rc = ratio(t.cpu("build", n), t.cpu(key, n))
            target = f"<= 3x: {verdict(rw <= TARGET_FLOOR_RATIO)}" if key == "floor-parse" else "-"
            shown = ("-", "-") if key == "build" else (f"{rw:.1f}x", f"{rc:.1f}x")
            out.append(
                f"| {n} | {label} | {fmt(t.wall(key, n))} | {fmt(t.cpu(key, n))} | {t.rss_mb(key, n):.0f} "
                f"| {shown[0]} | {shown[1]} | {target} |"
            )
    n = sizes[-1]
    write_cpu = t.cpu("floor-parse-write", n) - t.cpu("floor-parse", n)
    out.append(
        f"\nThe floor is `examples/parse_floor.rs` (`cargo run --release --example parse_floor --"
        f" FLEET`): it reads every input YAML file and runs saphyr-parser, the parser strata's"
        f" loader is built on, over it in parallel on the same rayon pool, counting the events;"
        f" it builds no tree and writes nothing. No config compiler can be faster than reading its"
        f" inputs once, so this is the fairest floor; PyYAML with libyaml is a second reference"
        f" (it also builds the documents). A build writes far more than it reads: at {n} tenants"
        f" {facts[('out_files', n)]} files, {facts[('out_bytes', n)] / 1e6:.0f} MB, against"
        f" {facts[('in_bytes', n)] / 1e6:.1f} MB of input. The second floor (`--write-like`)"
        f" parses the same inputs and then writes files of the same paths and sizes: writing"
        f" alone costs {write_cpu:.1f} CPU s there, {100 * write_cpu / t.cpu('build', n):.0f}% of"
        f" the build's {t.cpu('build', n):.1f} CPU s, before a single byte is computed."
    )
    if t.wall("build", n) > TARGET_FLOOR_RATIO * t.wall("floor-parse", n):
        out.append(
            f"\nAbove the floor, the build's largest stages at {n} tenants (CPU, profile below):"
            f" {largest_stages(t, stages, 'build', n, 4)}."
        )
    out.append("")


def stage_table(out: list[str], t: Runs, found) -> None:
    out.append("### Where the time goes\n")
    if not found:
        out.append("No profile: perf was not available (or BENCH_PROFILE=0).\n")
        return
    cols = sorted(found, key=lambda kn: (kn[0], kn[1]))
    seconds = {}
    for kn, counts in found.items():
        total = sum(counts.values())
        seconds[kn] = {s: t.cpu(*kn) * c / total for s, c in counts.items()}
    names = sorted({s for c in found.values() for s in c}, key=lambda s: -max(v.get(s, 0) for v in seconds.values()))
    header = " | ".join(f"{k} @{n} CPU s" for k, n in cols)
    out.append(f"| stage | {header} |")
    out.append("|---|" + "---:|" * len(cols))
    for s in names:
        cells = " | ".join(
            f"{seconds[kn].get(s, 0):.2f} ({100 * seconds[kn].get(s, 0) / t.cpu(*kn):.0f}%)" for kn in cols
        )
        out.append(f"| {s} | {cells} |")
    sizes = sorted({n for _, n in cols})
    out.append("")
    if len(sizes) == 2:
        lo, hi = sizes
        for key in ("check", "build"):
            if (key, lo) not in seconds or (key, hi) not in seconds:
                continue
            grew = [
                f"{s} {seconds[(key, lo)].get(s, 0):.2f} -> {v:.2f} s"
                for s, v in seconds[(key, hi)].items()
                if v > 0.1 and v > 1.1 * (hi / lo) * seconds[(key, lo)].get(s, 0)
            ]
            if grew:
                out.append(f"- `{key}`: stages that grew more than the tenants ({hi / lo:.0f}x): {'; '.join(grew)}.")
                out.append("")
    samples = ", ".join(f"{k} @{n}: {sum(found[(k, n)].values())}" for k, n in cols)
    out.append(
        "`perf record -F HZ --call-graph dwarf` of one run (HZ = 400 x 1000 / tenants, within 25..1000;"
        f" samples: {samples}), grouped by `scripts/perf_stages.py`: each sample goes to the"
        " innermost frame that belongs to a stage, so allocation, hashing and system calls count"
        " for the stage that asked for them. CPU s is that share of the median CPU time (user+sys)"
        " above. Reproduce one with `perf record -F 400 --call-graph dwarf,32768 -o perf.data --"
        " target/release/strata build FLEET --out OUT`, then `perf script --no-inline -F tid,ip,sym"
        " -i perf.data | python3 scripts/perf_stages.py --cpu-seconds S`.\n"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ("--times", "--facts", "--stages-dir", "--command", "--tools", "--machine"):
        ap.add_argument(name, required=True)
    ap.add_argument("--runs", type=int, required=True)
    ap.add_argument("--build-profile", default="release", help="cargo profile of the binaries")
    ap.add_argument("--work-fs", default="unknown", help="file system type of the fleets and outputs")
    ap.add_argument("--seed", type=int, required=True)
    args = ap.parse_args()
    t = Runs(args.times)
    facts = read_facts(args.facts)
    sizes = sorted({n for (key, n) in t.runs if key == "build"})
    if not sizes:
        raise SystemExit("bench_scale_report: no build runs in " + args.times)
    out = [
        "## scale\n",
        "Generated by `scripts/bench_scale.sh`; do not edit by hand. Reproduce with"
        f" `{args.command}`.\n",
        f"Fleets: `scripts/gen_fleet.py --tenants N --seed {args.seed}` for N ="
        f" {', '.join(map(str, sizes))}, each x 3 environments (dev, staging, production);"
        f" {args.build_profile} build. Each tool runs in one process per run under GNU time"
        " (`/usr/bin/time -f '%e %U %S %M'`): wall is the median of the runs, CPU the median of"
        " user+sys (it does not grow when other processes compete for the CPUs; wall does), max"
        f" RSS the largest of the runs. strata and the floors run {args.runs}"
        f" time{'s' if args.runs != 1 else ''} per size;"
        " check-jsonschema, promtool and PyYAML once (check-jsonschema takes minutes at 10,000"
        " tenants). `strata build` writes into a fresh output folder every run (into an existing"
        " one it would hard-link the unchanged files). Fleets and outputs are on"
        f" {args.work_fs}{' (RAM: the figures are the tools, not the disk)' if args.work_fs == 'tmpfs' else ''}.\n",
    ]
    stages = load_stages(args.stages_dir, sizes)
    scaling(out, t, facts, sizes)
    check_vs_jsonschema(out, t, facts, sizes, stages)
    promql_vs_promtool(out, t, facts, sizes)
    build_vs_floor(out, t, facts, sizes, stages)
    stage_table(out, t, stages)
    out.append(f"Tools: {args.tools}. Machine: {args.machine}.")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
