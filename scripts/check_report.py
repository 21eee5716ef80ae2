#!/usr/bin/env python3
"""Checks a headless-Chromium rendering of `strata report --format html`.

    check_report.py SCREENSHOT.png DOM.html --tenant T... --framework F...

SCREENSHOT.png must not be blank: at least 16 distinct colours and 3 % of its pixels
not white (the PNG is decoded with the standard library: zlib and the PNG filters).
DOM.html (`chromium --dump-dom`) must hold the table `#matrix` with a header cell per
framework and a row per tenant. Exits 1 with the reasons when a check fails.
"""

import argparse
import struct
import sys
import zlib
from html.parser import HTMLParser

MIN_COLOURS = 16
MIN_INK = 0.03


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG, not interlaced."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError(f"{path}: no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    channels = {2: 3, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"{path}: unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
            elif kind != 0:
                raise ValueError(f"{path}: bad filter type {kind} in row {y}")
        rows.append([tuple(line[x : x + 3]) for x in range(0, stride, channels)])
        prev = line
    return width, height, rows


def screenshot_problems(path):
    width, height, rows = png_pixels(path)
    colours, ink = set(), 0
    for row in rows:
        for px in row:
            colours.add(px)
            if px != (255, 255, 255):
                ink += 1
    share = ink / max(1, width * height)
    print(f"{path}: {width}x{height}, {len(colours)} distinct colours, {share:.1%} non-white pixels")
    problems = []
    if len(colours) < MIN_COLOURS:
        problems.append(f"only {len(colours)} distinct colours (at least {MIN_COLOURS} expected): blank page?")
    if share < MIN_INK:
        problems.append(f"only {share:.1%} of the pixels are not white (at least {MIN_INK:.0%} expected)")
    return problems


class Matrix(HTMLParser):
    """Header cells and row-header texts of the table with id `matrix`."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.found = False
        self.cell = None
        self.columns, self.rows = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("id", "matrix") in attrs:
            self.found, self.depth = True, 1
        elif self.depth and tag == "table":
            self.depth += 1
        elif self.depth and tag == "th":
            self.cell = ("col" if ("scope", "col") in attrs else "row", [])

    def handle_endtag(self, tag):
        if self.depth and tag == "table":
            self.depth -= 1
        elif self.depth and tag == "th" and self.cell:
            kind, parts = self.cell
            (self.columns if kind == "col" else self.rows).append(" ".join("".join(parts).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell:
            self.cell[1].append(data + " ")


def dom_problems(path, tenants, frameworks):
    with open(path, encoding="utf-8") as f:
        parser = Matrix()
        parser.feed(f.read())
    if not parser.found:
        return ["no table with id `matrix` in the rendered page"]
    print(f"{path}: matrix columns {parser.columns[1:]}, {len(parser.rows)} tenant rows")
    problems = [f"framework `{fw}` has no column" for fw in frameworks if fw not in parser.columns]
    row_ids = [r.split(" ")[0] for r in parser.rows]
    problems += [f"tenant `{t}` has no row" for t in tenants if t not in row_ids]
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("screenshot")
    ap.add_argument("dom")
    ap.add_argument("--tenant", action="append", default=[])
    ap.add_argument("--framework", action="append", default=[])
    args = ap.parse_args()
    problems = screenshot_problems(args.screenshot) + dom_problems(args.dom, args.tenant, args.framework)
    for p in problems:
        print(f"FAIL: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
