"""The process pool: chunks in order, on as many processes as asked, the parent working or not."""

from __future__ import annotations

import os
import subprocess
import sys

_POOL = r"""
import json, os
from builder.parallel import can_fork, map_chunks

def pid_of(state, chunk):
    return [(n, os.getpid()) for n in chunk]

result = {}
for parent_works in (True, False):
    done = [x for chunk in map_chunks(pid_of, range(1000), None, processes=2, parent_works=parent_works) for x in chunk]
    pids = {pid for _, pid in done}
    result[str(parent_works)] = {"ordered": [n for n, _ in done] == list(range(1000)), "processes": len(pids),
                                 "parent": os.getpid() in pids}
print(json.dumps({"forks": can_fork(), **result}))
"""


def test_a_pool_of_two_is_the_parent_and_one_worker_or_one_worker_alone():
    """Never more processes than asked: each forked worker counts the parent's whole heap as its own."""
    import json

    out = json.loads(subprocess.run([sys.executable, "-c", _POOL], capture_output=True, text=True, check=True,
                                    env={**os.environ, "ATHAR_JOBS": "2"}).stdout)
    assert out["forks"]  # a fresh interpreter has no other thread
    assert out["True"] == {"ordered": True, "processes": 2, "parent": True}
    assert out["False"] == {"ordered": True, "processes": 1, "parent": False}


_IN_WORKERS = r"""
import json, os
from builder.parallel import map_in_workers

def pid_of(state, chunk):
    return [(n, os.getpid()) for n in chunk]

done = [x for chunk in map_in_workers(pid_of, range(1000), None) for x in chunk]
pids = {pid for _, pid in done}
print(json.dumps({"ordered": [n for n, _ in done] == list(range(1000)), "processes": len(pids),
                  "parent": os.getpid() in pids}))
"""


def test_work_in_workers_leaves_the_parent_only_receiving_except_with_one_job():
    """Parsing on every core in workers, so its garbage is never in the parent's heap; ATHAR_JOBS=1 is one process."""
    import json

    def run(jobs: str) -> dict:
        return json.loads(subprocess.run([sys.executable, "-c", _IN_WORKERS], capture_output=True, text=True,
                                         check=True, env={**os.environ, "ATHAR_JOBS": jobs}).stdout)
    two = run("2")  # two workers; one may take every chunk if the other starts late
    assert two["ordered"] and two["processes"] in (1, 2) and not two["parent"]
    assert run("1") == {"ordered": True, "processes": 1, "parent": True}
