"""Run a command (an athar build), printing its step lines and the RSS of its process tree.

    .venv/bin/python benchmarks/mem.py .venv/bin/python -m builder build --content C --output O

Every 5 s a line ``tree N MB  a+b+c`` (each process of the tree), and at the
end the wall time and the peak of the summed RSS with its split.  The RSS of
a forked worker counts the pages it shares with its parent again, so the
sum is an upper bound.  Needs psutil (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import psutil


def main(cmd: list[str]) -> int:
    t0 = time.time()
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(proc.pid)
    peak = [0, ""]

    def sample() -> None:
        last = 0.0
        while proc.poll() is None:
            try:
                parts = []
                for p in [root, *root.children(recursive=True)]:
                    try:
                        parts.append(p.memory_info().rss)
                    except psutil.Error:
                        pass
                total = sum(parts)
                split = "+".join(f"{x >> 20}" for x in parts)
                if total > peak[0]:
                    peak[0], peak[1] = total, f"{time.time() - t0:.0f}s {split}"
                if time.time() - last > 5:
                    last = time.time()
                    print(f"  [{time.time() - t0:6.1f}s] tree {total >> 20} MB  {split}", flush=True)
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert proc.stderr is not None
    for line in proc.stderr:
        print(f"{time.time() - t0:6.1f}s | {line.rstrip()}", flush=True)
    proc.wait()
    sampler.join()
    print("wall", round(time.time() - t0, 1), "peak MB", peak[0] >> 20, "at", peak[1], "rc", proc.returncode)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
