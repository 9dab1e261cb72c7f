"""`make bench`: Ticket Tailor sync performance against dlt's generic rest_api, in one run.

Seeds the fake Ticket Tailor (in this process) and runs each sync as its own process, so its
peak RSS is its own: a full sync, a no-change incremental run, the rest_api baseline (see
bench/baseline.py) on the same data, and a full sync at a tenth of the orders for the memory
growth. Prints requests, rows, rows/s and peak RSS, and the ratios the project targets.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from fakes.ticket_tailor import TicketTailorFake

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".bench"
API_KEY = "sk_bench_0000_not_a_real_key"


@dataclass
class Run:
    name: str
    seconds: float
    requests: int
    rows: int
    peak_rss_mb: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--no-baseline", action="store_true", help="skip the rest_api run")
    args = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()

    with serve_fake(args.orders) as fake:
        full = sync_run("full sync", fake, "ours")
        no_change = sync_run("no-change run", fake, "ours")
        baseline = None if args.no_baseline else baseline_run(fake)
    with serve_fake(args.orders // 10) as fake:
        small = sync_run(f"full sync, {args.orders // 10:,} orders", fake, "small")

    runs = [full, no_change, small] + ([baseline] if baseline else [])
    print(f"\nTicket Tailor, {args.orders:,} orders (fake API on loopback, DuckDB)\n")
    print(f"{'run':<34}{'seconds':>9}{'requests':>10}{'rows':>10}{'rows/s':>9}{'peak RSS':>11}")
    for run in runs:
        print(
            f"{run.name:<34}{run.seconds:>9.1f}{run.requests:>10,}{run.rows:>10,}"
            f"{run.rows_per_second:>9,.0f}{run.peak_rss_mb:>8,.0f} MB"
        )
    print()
    report("no-change requests / full-sync requests", no_change.requests / full.requests, 0.05)
    if baseline:
        report("full sync time / rest_api time", full.seconds / baseline.seconds, 0.25)
    report(
        f"peak RSS {args.orders:,} / {args.orders // 10:,} orders",
        full.peak_rss_mb / small.peak_rss_mb,
        1.5,
    )
    return 0


class serve_fake:
    """A seeded fake Ticket Tailor, served for the runs inside the `with`."""

    def __init__(self, orders: int) -> None:
        self.fake = TicketTailorFake(api_key=API_KEY, seed=42)
        self.fake.seed_data(orders=orders, events=50, upcoming_events=5, days=365)
        self._serving = self.fake.serve()

    def __enter__(self) -> TicketTailorFake:
        self._serving.__enter__()
        return self.fake

    def __exit__(self, *exc: object) -> None:
        self._serving.__exit__(*exc)


def sync_run(name: str, fake: TicketTailorFake, label: str) -> Run:
    env = {
        "SOURCES__TICKET_TAILOR__API_KEY": API_KEY,
        "SOURCES__TICKET_TAILOR__BASE_URL": fake.url,
    }
    return measure(name, fake, ["pipelines.sync", "ticket_tailor"], env, label, "ticket_tailor")


def baseline_run(fake: TicketTailorFake) -> Run:
    command = ["bench.baseline", fake.url, API_KEY]
    return measure("rest_api baseline, full", fake, command, {}, "rest_api", "baseline")


def measure(
    name: str, fake: TicketTailorFake, module: list[str], env: dict, label: str, dataset: str
) -> Run:
    """Runs `python -m MODULE ARGS` as its own process and measures it."""
    warehouse = WORK / f"{label}.duckdb"
    peak_file = WORK / f"{label}.peak_rss"
    env = {
        **os.environ,
        **env,
        "DLT_DATA_DIR": str(WORK / f"{label}-dlt"),
        "DESTINATION__DUCKDB__CREDENTIALS": str(warehouse),
        "RUNTIME__DLTHUB_TELEMETRY": "false",
    }
    rows_before = count_rows(warehouse, dataset)
    fake.reset_log()
    print(f"bench: {name} ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    process = subprocess.run(
        [sys.executable, "-m", "bench.peak_rss", str(peak_file), *module],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seconds = time.monotonic() - started
    if process.returncode != 0:
        raise SystemExit(f"bench: {name} failed:\n{process.stderr[-3000:]}")
    rows = count_rows(warehouse, dataset) - rows_before
    return Run(name, seconds, len(fake.requests), rows, float(peak_file.read_text()))


def count_rows(warehouse: Path, dataset: str) -> int:
    """Rows in the dataset's data tables, child tables included."""
    if not warehouse.exists():
        return 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.sql(
            "select table_name from information_schema.tables "
            f"where table_schema = '{dataset}' and table_name not like '_dlt%'"
        ).fetchall()
        return sum(
            con.sql(f'select count(*) from {dataset}."{table}"').fetchall()[0][0]
            for (table,) in tables
        )


def report(what: str, ratio: float, target: float) -> None:
    verdict = "meets" if ratio <= target else "MISSES"
    print(f"{what:<48}{ratio:>8.3f}  ({verdict} target <= {target})")


if __name__ == "__main__":
    sys.exit(main())
