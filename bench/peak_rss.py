"""Runs a module as __main__ and writes its peak RSS in MB to a file when it exits.

`python -m bench.peak_rss OUT MODULE [ARGS...]`. The parent's `wait4` cannot be used: the
kernel counts the forking parent's memory into a child's `ru_maxrss`, and the bench process
holds the whole fake API. VmHWM starts afresh at exec; worker processes that dlt starts are
counted through RUSAGE_CHILDREN.
"""

from __future__ import annotations

import atexit
import resource
import runpy
import sys
from pathlib import Path


def peak_rss_mb() -> float:
    own = next(
        int(line.split()[1])
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("VmHWM:")
    )
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024  # both in kB


if __name__ == "__main__":
    out, module, *args = sys.argv[1:]
    atexit.register(lambda: Path(out).write_text(f"{peak_rss_mb():.1f}"))
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
