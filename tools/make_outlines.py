"""Derive the country outlines drawn under the places map (run once by hand).

Source: Natural Earth 1:50m admin-0 countries (public domain), as TopoJSON
in the npm package ``world-atlas`` 2.0.2 (ISC), file ``countries-50m.json``.
Get it with the ordinary npm client, then run this script::

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python3 tools/make_outlines.py package/countries-50m.json \
        > templates/static/data/country-outlines.json

It decodes the TopoJSON (quantised, delta-encoded arcs), simplifies every
shared arc once with Douglas-Peucker (so neighbouring borders stay
identical), keeps what lies in the region Arabic-language news is mostly
about (North Africa, the Middle East and their neighbours), clips rings to
that box, rounds to 0.01 degree and writes compact, sorted JSON.  The output
is deterministic: the same input gives the same bytes.  Standard library only.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

REGION = (-18.0, 5.0, 64.0, 44.0)  # west, south, east, north (degrees)
TOLERANCE = 0.02  # Douglas-Peucker tolerance, degrees (about 2 km)
DECIMALS = 2
SOURCE = ("Natural Earth 1:50m admin-0 countries (public domain), from the npm package "
          "world-atlas 2.0.2 (countries-50m.json, ISC); simplified and clipped by tools/make_outlines.py")

Point = tuple[float, float]


def decode_arcs(topology: dict) -> list[list[Point]]:
    """Absolute lon/lat arcs from quantised, delta-encoded TopoJSON arcs."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker, iterative; keeps both ends."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        best, index = 0.0, 0
        for i in range(first + 1, last):
            px, py = points[i]
            dist = abs(dy * (px - x1) - dx * (py - y1)) / norm if norm else math.hypot(px - x1, py - y1)
            if dist > best:
                best, index = dist, i
        if best > tolerance:
            keep[index] = True
            stack.extend(((first, index), (index, last)))
    return [p for p, k in zip(points, keep) if k]


def ring(arc_ids: list[int], arcs: list[list[Point]]) -> list[Point]:
    """A closed ring from arc indexes (~i means arc i reversed)."""
    out: list[Point] = []
    for i in arc_ids:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        out.extend(arc[1:] if out else arc)
    return out


def clip(points: list[Point], box: tuple[float, float, float, float]) -> list[Point]:
    """Sutherland-Hodgman: the part of a closed ring inside the box."""
    west, south, east, north = box
    edges = [
        (lambda p: p[0] >= west, lambda a, b: _cross_x(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: _cross_x(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: _cross_y(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: _cross_y(a, b, north)),
    ]
    for inside, cross in edges:
        if not points:
            break
        result: list[Point] = []
        prev = points[-1]
        for cur in points:
            if inside(cur):
                if not inside(prev):
                    result.append(cross(prev, cur))
                result.append(cur)
            elif inside(prev):
                result.append(cross(prev, cur))
            prev = cur
        points = result
    return points


def _cross_x(a: Point, b: Point, x: float) -> Point:
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _cross_y(a: Point, b: Point, y: float) -> Point:
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def rounded(points: list[Point]) -> list[float]:
    """Flat [lon, lat, lon, lat, ...] at DECIMALS, without repeated points."""
    flat: list[float] = []
    last = None
    for x, y in points:
        p = (round(x, DECIMALS), round(y, DECIMALS))
        if p != last:
            flat.extend(p)
            last = p
    if len(flat) >= 4 and flat[:2] == flat[-2:]:
        flat = flat[:-2]
    return flat


def outlines(topology: dict) -> dict:
    """The derived outline file as a JSON-ready dict."""
    arcs = [simplify(a, TOLERANCE) for a in decode_arcs(topology)]
    countries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = geometry.get("arcs") or []
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        rings = []
        for polygon in polygons:
            for arc_ids in polygon:
                flat = rounded(clip(ring(arc_ids, arcs), REGION))
                if len(flat) >= 6:
                    rings.append(flat)
        if rings:
            countries.append({"id": geometry.get("id", ""), "name": geometry["properties"]["name"], "rings": rings})
    countries.sort(key=lambda c: (c["id"], c["name"]))
    return {"source": SOURCE, "bbox": list(REGION), "countries": countries}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    topology = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    sys.stdout.write(json.dumps(outlines(topology), ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
