#!/usr/bin/env python3
"""Replace one part of BENCHMARKS.md, keeping the others.

    python3 scripts/lib/bench_md.py BENCHMARKS.md head FILE    text before the first `## ` heading
    python3 scripts/lib/bench_md.py BENCHMARKS.md NAME FILE    the section `## NAME` (to the next
                                                               `## ` heading); appended when missing

The benchmark scripts each write their own part: scripts/bench.sh the head (1000 tenants),
`BENCH_ONLY=watch` the `## watch` section, `BENCH_ONLY=scale` the `## scale` section.
"""

from __future__ import annotations

import os
import sys


def split(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The head and the (name, text) of each `## ` section, in order."""
    head: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):
            sections.append((line[3:].strip(), [line]))
        elif sections:
            sections[-1][1].append(line)
        else:
            head.append(line)
    return "".join(head), [(name, "".join(lines)) for name, lines in sections]


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path, part, new_file = sys.argv[1:]
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
    new = open(new_file, encoding="utf-8").read().strip("\n") + "\n"
    head, sections = split(text)
    if part == "head":
        head = new
    elif not new.startswith(f"## {part}\n"):
        print(f"bench_md: {new_file} does not start with '## {part}'", file=sys.stderr)
        return 2
    elif any(name == part for name, _ in sections):
        sections = [(name, new if name == part else body) for name, body in sections]
    else:
        sections.append((part, new))
    parts = [head.strip("\n")] + [body.strip("\n") for _, body in sections]
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n\n".join(p for p in parts if p) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
