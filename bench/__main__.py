"""`make bench`: sync performance per source, measured against baselines taken in the same run.

Each sync runs as its own process (so its peak RSS is its own) against a fake API seeded in
this process, into DuckDB. Prints requests, rows, rows/s, peak RSS and the bytes of pipeline
state the run stored, and the ratios the project targets.

Every source: the time `make models` takes over its full sync's warehouse, beside that sync's.
Ticket Tailor: a full sync, a no-change incremental run, dlt's generic rest_api on the same data
(bench/baseline.py) and a full sync at a tenth of the orders, for memory growth.
TicketSource: a full sync and a no-change run at `--dates` dates, a full sync at `--scale`
times the data (memory growth, and state bytes per run: 100,000 customers by default), and a
full sync of a small account with 50 ms latency on every request, whose extract time is
compared with requests x latency / concurrency.
KorusTicket: a full sync and a no-change run (catalog interval not due) at `--korus-orders`,
with tokens that live `--korus-token-ttl` seconds (30: shorter than the client's one-minute
renewal margin), to count token requests per token lifetime.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from fakes.korusticket import KorusTicketFake
from fakes.server import FakeServer
from fakes.ticket_tailor import TicketTailorFake
from fakes.ticketsource import TicketSourceFake
from sources.ticketsource import settings as ticketsource_settings

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".bench"
API_KEY = "sk_bench_0000_not_a_real_key"
TICKETSOURCE_KEY = "skl-bench-0000-not-a-real-key"
KORUS_ID, KORUS_SECRET = "korus-bench-client", "korus-bench-secret-not-real"
# requests that fan out from a parent: venues, dates, bookings, seats, notes
CHILD_PATH = re.compile(r"/(events|dates|bookings|customers)/[^/]+/\w+")
# a Ticket Tailor id in a path: `/v1/vouchers/vo_1/codes`
ID_IN_PATH = re.compile(r"/[a-z]+_\d+(?=/|$)")
LATENCY = 0.05


@dataclass
class Run:
    name: str
    seconds: float
    requests: int
    rows: int
    peak_rss_mb: float
    child_requests: int = 0
    extract_seconds: float = 0.0
    state_bytes: int = 0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--source", choices=("all", "ticket_tailor", "ticketsource", "korusticket"), default="all"
    )
    parser.add_argument("--orders", type=int, default=100_000, help="Ticket Tailor orders")
    parser.add_argument("--no-baseline", action="store_true", help="skip the rest_api run")
    parser.add_argument("--dates", type=int, default=2_000, help="TicketSource dates")
    parser.add_argument("--scale", type=int, default=10, help="TicketSource memory growth run")
    parser.add_argument("--korus-orders", type=int, default=10_000, help="KorusTicket orders")
    parser.add_argument(
        "--korus-token-ttl", type=int, default=30, help="KorusTicket token lifetime, seconds"
    )
    args = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    if args.source in ("all", "ticket_tailor"):
        bench_ticket_tailor(args.orders, baseline=not args.no_baseline)
    if args.source in ("all", "ticketsource"):
        bench_ticketsource(args.dates, args.scale)
    if args.source in ("all", "korusticket"):
        bench_korusticket(args.korus_orders, args.korus_token_ttl)
    return 0


def bench_ticket_tailor(orders: int, baseline: bool) -> None:
    with served(ticket_tailor_fake(orders)) as fake:
        full = sync_run("full sync", fake, "ticket_tailor", "ours")
        full_endpoints = requests_per_endpoint(fake)
        no_change = sync_run("no-change run", fake, "ticket_tailor", "ours")
        no_change_endpoints = requests_per_endpoint(fake)
        minimum, formula = minimum_pages(fake)
        rest_api = baseline_run(fake) if baseline else None
    models = models_run("ours")
    with served(ticket_tailor_fake(orders // 10)) as fake:
        small = sync_run(f"full sync, {orders // 10:,} orders", fake, "ticket_tailor", "small")

    print_runs(f"Ticket Tailor, {orders:,} orders", [full, no_change, small, rest_api])
    print_endpoints(full_endpoints, no_change_endpoints)
    print(f"minimum pages for a full sync = {formula}")
    print_models(models, full)
    report("full-sync requests / minimum pages", full.requests / minimum, 1.15)
    report("no-change requests / full-sync requests", no_change.requests / full.requests, 0.05)
    if rest_api:
        report("full sync time / rest_api time", full.seconds / rest_api.seconds, 0.25)
    report(
        f"peak RSS {orders:,} / {orders // 10:,} orders",
        full.peak_rss_mb / small.peak_rss_mb,
        1.5,
    )


def bench_ticketsource(dates: int, scale: int) -> None:
    with served(ticketsource_fake(dates)) as fake:
        full = sync_run("full sync", fake, "ticketsource", "ts")
        no_change = sync_run("no-change run", fake, "ticketsource", "ts")
    models = models_run("ts")
    with served(ticketsource_fake(dates * scale)) as fake:
        large = sync_run(f"full sync, {dates * scale:,} dates", fake, "ticketsource", "ts-large")
        large_customers = len(fake.customers)
    with served(ticketsource_fake(dates // 10)) as fake:
        fake.latency = LATENCY
        slow = sync_run(
            f"full sync, {dates // 10:,} dates, {LATENCY * 1000:.0f} ms latency",
            fake,
            "ticketsource",
            "ts-slow",
        )

    print_runs(f"TicketSource, {dates:,} dates", [full, no_change, large, slow])
    print_models(models, full)
    print(f"child requests: full {full.child_requests:,}, no-change {no_change.child_requests:,}")
    print(f"state bytes per run at {large_customers:,} customers: {large.state_bytes:,}")
    report(
        "no-change child requests / full-sync child requests",
        no_change.child_requests / full.child_requests,
        0.10,
    )
    ideal = slow.requests * LATENCY / ticketsource_settings.CONCURRENCY
    print(
        f"fan-out at {LATENCY * 1000:.0f} ms: extract {slow.extract_seconds:.1f} s for "
        f"{slow.requests:,} requests; requests x latency / concurrency = {ideal:.1f} s"
    )
    report(
        "fan-out extract time / (requests x latency / concurrency)",
        slow.extract_seconds / ideal,
        1.3,
    )
    report(
        f"peak RSS {dates * scale:,} / {dates:,} dates", large.peak_rss_mb / full.peak_rss_mb, 1.5
    )


def bench_korusticket(orders: int, token_ttl: int) -> None:
    with served(korusticket_fake(orders, token_ttl)) as fake:
        full = sync_run("full sync", fake, "korusticket", "korus")
        full_tokens = fake.token_requests
        no_change = sync_run("no-change run", fake, "korusticket", "korus")
        tokens = fake.token_requests - full_tokens
    models = models_run("korus")
    print_runs(f"KorusTicket, {orders:,} orders, {token_ttl} s tokens", [full, no_change])
    print_models(models, full)
    print(f"token requests: full {full_tokens}, no-change {tokens}")
    # a token is renewed after two thirds of its life (or a minute before it ends)
    lifetimes = 1 + int(full.seconds / (token_ttl * 2 / 3))
    report("full-sync token requests / token lifetimes in the run", full_tokens / lifetimes, 1.0)
    report("no-change requests / full-sync requests", no_change.requests / full.requests, 0.05)


def ticket_tailor_fake(orders: int) -> TicketTailorFake:
    fake = TicketTailorFake(api_key=API_KEY, seed=42)
    fake.seed_data(orders=orders, events=50, upcoming_events=5, days=365)
    return fake


def requests_per_endpoint(fake: FakeServer) -> Counter[str]:
    """The requests of the last run by endpoint (ids as `{id}`), with the filter that tells a
    walk's purpose (`event_id`, `status`, ...)."""
    counts = Counter[str]()
    for _, path, query in fake.requests:
        filters = sorted(set(query) - {"limit", "starting_after", "ending_before"})
        endpoint = ID_IN_PATH.sub("/{id}", path)
        counts[endpoint + (f" ?{','.join(filters)}" if filters else "")] += 1
    return counts


def print_endpoints(full: Counter[str], no_change: Counter[str]) -> None:
    print(f"{'requests per endpoint':<58}{'full':>8}{'no-change':>11}")
    for endpoint in sorted(full.keys() | no_change.keys()):
        print(f"{endpoint:<58}{full[endpoint]:>8,}{no_change[endpoint]:>11,}")
    print()


def minimum_pages(fake: TicketTailorFake) -> tuple[int, str]:
    """The fewest pages that list every record once, at 100 a page (a list of none still costs
    one): each list walked once, tickets free inside their orders, plus one walk of the tickets
    of each event holding tickets without an order. With the terms, as a formula."""
    whole_lists = {
        name: len(getattr(fake, name))
        for name in (
            "events",
            "event_series",
            "orders",
            "check_ins",
            "holds",
            "products",
            "membership_types",
            "issued_memberships",
            "discounts",
            "vouchers",
        )
    }
    terms = {name: pages(n) for name, n in whole_lists.items()}
    codes = Counter(code["voucher_id"] for code in fake.voucher_codes.values())
    terms["voucher codes (per voucher)"] = sum(pages(codes[v]) for v in fake.vouchers)
    signups = Counter(signup["event_series_id"] for signup in fake.waitlist_signups.values())
    terms["waitlist signups (per series)"] = sum(pages(signups[s]) for s in fake.event_series)
    tickets = Counter(ticket["event_id"] for ticket in fake.issued_tickets.values())
    orderless = {t["event_id"] for t in fake.issued_tickets.values() if t["order_id"] is None}
    terms[f"tickets of the {len(orderless)} events with tickets without an order"] = sum(
        pages(tickets[event_id]) for event_id in orderless
    )
    formula = " + ".join(f"{n:,} ({name})" for name, n in terms.items())
    return sum(terms.values()), f"{formula} = {sum(terms.values()):,}"


def pages(records: int) -> int:
    return max(1, math.ceil(records / 100))


def ticketsource_fake(dates: int) -> TicketSourceFake:
    """Ten dates an event, ten bookings a date, over two years and the next two months."""
    fake = TicketSourceFake(api_key=TICKETSOURCE_KEY, seed=42)
    fake.seed_data(
        events=max(1, dates // 10),
        dates_per_event=10,
        bookings_per_date=10,
        past_days=730,
        future_days=60,
    )
    return fake


def korusticket_fake(orders: int, token_ttl: int) -> KorusTicketFake:
    """One catalog; orders over 90 days, a fifth as many reservations."""
    fake = KorusTicketFake(
        client_id=KORUS_ID, client_secret=KORUS_SECRET, seed=42, token_ttl=token_ttl
    )
    fake.seed_data(orders=orders, reservations=orders // 5, days=90)
    return fake


@contextmanager
def served(fake: FakeServer) -> Iterator[FakeServer]:
    with fake.serve():
        yield fake


def sync_run(name: str, fake: FakeServer, source: str, label: str) -> Run:
    prefix = f"SOURCES__{source.upper()}__"
    env = {f"{prefix}BASE_URL": fake.url}
    if source == "korusticket":
        env[f"{prefix}CLIENT_ID"], env[f"{prefix}CLIENT_SECRET"] = KORUS_ID, KORUS_SECRET
        env[f"{prefix}TOKEN_URL"] = fake.url + fake.token_path
    else:
        env[f"{prefix}API_KEY"] = TICKETSOURCE_KEY if source == "ticketsource" else API_KEY
    return measure(name, fake, ["pipelines.sync", source, "--no-models"], env, label, source)


def models_run(label: str) -> float:
    """`make models` over a run's warehouse (every model and test): its seconds."""
    env = {
        **os.environ,
        "DESTINATION__DUCKDB__CREDENTIALS": str(WORK / f"{label}.duckdb"),
        "DLT_DATA_DIR": str(WORK / f"{label}-dlt"),
    }
    print("bench: models (dbt build) ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    process = subprocess.run(
        [sys.executable, "-m", "pipelines.models"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if process.returncode != 0:
        raise SystemExit(f"bench: models failed:\n{process.stderr[-3000:]}")
    return time.monotonic() - started


def print_models(seconds: float, full: Run) -> None:
    print(
        f"models (dbt build, every model and test) on the full sync's warehouse: {seconds:.1f} s,"
        f" {seconds / full.seconds:.2f} x the full sync's {full.seconds:.1f} s"
    )


def baseline_run(fake: TicketTailorFake) -> Run:
    command = ["bench.baseline", fake.url, API_KEY]
    return measure("rest_api baseline, full", fake, command, {}, "rest_api", "baseline")


def measure(
    name: str, fake: FakeServer, module: list[str], env: dict, label: str, dataset: str
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
    state_before = state_bytes(warehouse, dataset)
    fake.reset_log()
    print(f"bench: {name} ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    process = subprocess.run(
        [sys.executable, "-m", "bench.peak_rss", str(peak_file), *module],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    if process.returncode != 0:
        raise SystemExit(f"bench: {name} failed:\n{process.stderr[-3000:]}")
    extract = re.search(r"extract ([\d.]+) s", process.stdout)
    return Run(
        name,
        seconds,
        len(fake.requests),
        count_rows(warehouse, dataset) - rows_before,
        float(peak_file.read_text()),
        child_requests=sum(bool(CHILD_PATH.fullmatch(path)) for _, path, _ in fake.requests),
        extract_seconds=float(extract.group(1)) if extract else 0.0,
        state_bytes=state_bytes(warehouse, dataset) - state_before,
    )


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


def state_bytes(warehouse: Path, dataset: str) -> int:
    """Bytes of pipeline state the dataset holds: dlt adds a copy each run that changes it."""
    if not warehouse.exists():
        return 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        try:
            [(size,)] = con.sql(
                f"select coalesce(sum(strlen(state)), 0) from {dataset}._dlt_pipeline_state"
            ).fetchall()
        except duckdb.CatalogException:
            return 0
    return size


def print_runs(title: str, runs: list[Run | None]) -> None:
    print(f"\n{title} (fake API on loopback, DuckDB)\n")
    print(
        f"{'run':<44}{'seconds':>9}{'requests':>10}{'rows':>10}{'rows/s':>9}{'peak RSS':>11}"
        f"{'state':>12}"
    )
    for run in filter(None, runs):
        print(
            f"{run.name:<44}{run.seconds:>9.1f}{run.requests:>10,}{run.rows:>10,}"
            f"{run.rows_per_second:>9,.0f}{run.peak_rss_mb:>8,.0f} MB{run.state_bytes:>10,} B"
        )
    print()


def report(what: str, ratio: float, target: float) -> None:
    verdict = "meets" if ratio <= target else "MISSES"
    print(f"{what:<58}{ratio:>8.3f}  ({verdict} target <= {target})")


if __name__ == "__main__":
    sys.exit(main())
