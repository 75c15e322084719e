"""How fast and how small athar refuses hostile content files.

Each input runs in a fresh Python process, so the peak memory figure
(ru_maxrss) belongs to that input alone.  Prints one line per input:
wall time of the refusal, peak memory of the process, and whether it
met the target (refused in under a second, under 100 MB).

    .venv/bin/python benchmarks/hostile_inputs.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_PROBE = r"""
import json, resource, sys, time
from pathlib import Path
from builder.errors import Problems
from builder.source import read_text, parse_yaml
from builder.errors import Loc
path = Path(sys.argv[1])
start = time.perf_counter()
problems = Problems()
text = read_text(path, problems)
if text is not None:
    parse_yaml(text, Loc(path), problems)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "message": problems.items[0].message if problems.items else "(accepted)"}))
"""


def _laughs() -> str:
    rows = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    rows += [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    return "\n".join(rows) + "\n"


def _inputs(folder: Path) -> dict[str, Path]:
    made = {
        "billion laughs (9^9 values)": _laughs(),
        "flow nesting 100,000 deep": "[" * 100_000 + "]" * 100_000 + "\n",
        "block nesting 1,000 deep": "".join("  " * i + "-\n" for i in range(1000)),
        "1.3 MB registry (10,000 places, accepted)": "".join(
            f"- id: place-{i}\n  name: مكان رقم {i}\n  name_en: Place {i}\n  aliases: [اسم, آخر]\n"
            f"  lat: 36.3\n  lon: 43.1\n  country: IQ\n" for i in range(10_000)),
    }
    paths = {}
    for i, (name, text) in enumerate(made.items()):
        paths[name] = folder / f"{i}.yaml"
        paths[name].write_text(text, encoding="utf-8")
    big = folder / "big.yaml"
    with open(big, "wb") as fh:
        fh.truncate(2 * 2**30)  # sparse
    paths["2 GB file (sparse)"] = big
    link = folder / "zero.yaml"
    link.symlink_to("/dev/zero")
    paths["symlink to /dev/zero"] = link
    return paths


def main() -> int:
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in _inputs(Path(tmp)).items():
            out = subprocess.run([sys.executable, "-c", _PROBE, str(path)], capture_output=True, text=True,
                                 cwd=REPO, timeout=300)
            if out.returncode != 0:
                print(f"{name:45} FAILED\n{out.stderr}")
                ok = False
                continue
            got = json.loads(out.stdout)
            accepted = got["message"] == "(accepted)"
            met = accepted or (got["seconds"] < 1.0 and got["peak_mb"] < 100)
            ok &= met
            print(f"{name:45} {got['seconds'] * 1000:8.1f} ms  {got['peak_mb']:6.1f} MB peak  "
                  f"{'PASS' if met else 'FAIL'}  {got['message'][:60]}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
