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
Webhooks: the receiver (`python -m pipelines.webhooks`) taking `--deliveries` signed envelopes
from 16 keep-alive client threads (deliveries/s, p50/p99 latency of a 200, rows stored), against
as many `GET /healthz` on the same server; then, at `--webhook-orders`, a sync applying the
deliveries from cancelling long-past orders (>= 1,000), against a no-change run: its extra
requests and seconds per 1,000 deliveries, and whether the warehouse shows the cancellations.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import httpx
import orjson

from fakes.korusticket import KorusTicketFake
from fakes.server import FakeServer
from fakes.ticket_tailor import TicketTailorFake
from fakes.ticket_tailor.webhooks import SIGNATURE_HEADER, send, signature_header
from fakes.ticketsource import TicketSourceFake
from pipelines.webhooks import process as receiver_process
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
WEBHOOK_SECRET = "whsec_bench_0000_not_a_real_secret"
WEBHOOK_PATH = "/webhooks/ticket_tailor"
CLIENT_THREADS = 16
# deliveries the sync part applies at least, from orders of events ended this long ago
MIN_DELIVERIES, OLD_EVENT_DAYS = 1_000, 30
APPLIED = re.compile(r"webhook deliveries applied: ([\d,]+)")


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
    stdout: str = ""

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


@dataclass
class Load:
    """Requests sent by CLIENT_THREADS threads at once: the wall time, each one's latency, and
    the CPU this process spent sending them (a client near one core is the limit, not the
    server)."""

    name: str
    seconds: float
    client_cpu_seconds: float
    latencies: list[float] = field(repr=False)

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--source",
        choices=("all", "ticket_tailor", "ticketsource", "korusticket", "webhooks"),
        default="all",
    )
    parser.add_argument("--orders", type=int, default=100_000, help="Ticket Tailor orders")
    parser.add_argument("--no-baseline", action="store_true", help="skip the rest_api run")
    parser.add_argument("--dates", type=int, default=2_000, help="TicketSource dates")
    parser.add_argument("--scale", type=int, default=10, help="TicketSource memory growth run")
    parser.add_argument("--korus-orders", type=int, default=10_000, help="KorusTicket orders")
    parser.add_argument(
        "--korus-token-ttl", type=int, default=30, help="KorusTicket token lifetime, seconds"
    )
    parser.add_argument(
        "--deliveries", type=int, default=5_000, help="webhook deliveries sent to the receiver"
    )
    parser.add_argument(
        "--webhook-orders", type=int, default=20_000, help="Ticket Tailor orders, webhook sync"
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
    if args.source in ("all", "webhooks"):
        bench_webhooks(args.deliveries, args.webhook_orders)
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


def bench_webhooks(deliveries: int, orders: int) -> None:
    bench_receiver(deliveries)
    bench_webhook_sync(orders)


def bench_receiver(deliveries: int) -> None:
    bodies = delivery_bodies(deliveries)
    receiver = start_receiver(WORK / "receiver-dlt", WORK / "receiver.log")
    try:
        print(f"bench: {deliveries:,} webhook deliveries ...", file=sys.stderr, flush=True)
        posts = load(f"POST {WEBHOOK_PATH}", bodies, post_delivery(receiver.url))
        print(f"bench: {deliveries:,} GET /healthz ...", file=sys.stderr, flush=True)
        healthz = load("GET /healthz (baseline)", [b""] * deliveries, get_healthz(receiver.url))
        stored = stored_rows(receiver.store)
    finally:
        receiver.stop()
    if stored != deliveries:
        raise SystemExit(f"bench: the receiver stored {stored:,} of {deliveries:,} deliveries")

    print_loads(
        f"Webhook receiver, {deliveries:,} deliveries from {CLIENT_THREADS} threads",
        [posts, healthz],
    )
    print(f"stored: {stored:,} rows in {receiver.store.name}")
    print_log_problems(receiver)
    report(
        "webhook p99 latency / healthz p99 latency",
        posts.percentile(99) / healthz.percentile(99),
        20,
    )
    report("healthz req/s / deliveries/s", healthz.per_second / posts.per_second, 5)


def bench_webhook_sync(orders: int) -> None:
    label = "webhooks"
    # the sync's own DLT_DATA_DIR (see `measure`): the store sits beside its pipeline state
    receiver = start_receiver(WORK / f"{label}-dlt", WORK / f"{label}-receiver.log")
    try:
        with served(ticket_tailor_fake(orders)) as fake:
            full = webhook_sync_run("full sync", fake, label)
            no_change = webhook_sync_run("no-change run", fake, label)
            cancelled = cancel_old_orders(fake, MIN_DELIVERIES)
            envelopes = fake.take_webhooks()
            deliver(receiver, envelopes)
            applied = webhook_sync_run(f"run applying {len(envelopes):,} deliveries", fake, label)
    finally:
        receiver.stop()
    check_applied(applied, len(envelopes))
    check_cancelled(WORK / f"{label}.duckdb", cancelled)

    named = Counter(envelope["resource_url"].split("/")[-2] for envelope in envelopes)
    resources = len({envelope["resource_url"] for envelope in envelopes})
    extra_requests = applied.requests - no_change.requests
    extra_seconds = applied.seconds - no_change.seconds
    per_1000 = MIN_DELIVERIES / len(envelopes)
    print_runs(
        f"Webhook deliveries applied by a sync, {orders:,} orders", [full, no_change, applied]
    )
    print(
        f"deliveries: {len(envelopes):,} from cancelling {len(cancelled):,} orders of events "
        f"ended over {OLD_EVENT_DAYS} days ago, naming {resources:,} distinct resources ("
        + ", ".join(f"{n:,} {kind}" for kind, n in sorted(named.items()))
        + f"); applied: {len(envelopes):,}; all {len(cancelled):,} orders 'cancelled' in the "
        "warehouse"
    )
    print(
        f"per 1,000 deliveries over the no-change run: {extra_requests * per_1000:,.0f} requests, "
        f"{extra_seconds * per_1000:.2f} s"
    )
    print_log_problems(receiver)
    report(
        "sync with 1,000 deliveries time / no-change time",
        (no_change.seconds + extra_seconds * per_1000) / no_change.seconds,
        2.0,
    )
    report("extra requests / distinct resources named", extra_requests / resources, 1.05)


def delivery_bodies(deliveries: int) -> list[bytes]:
    """Envelopes as the fake fires them, serialized once: a refund of each of as many orders
    (distinct ids, real order payloads). Signed only when sent, so `t` is fresh."""
    fake = ticket_tailor_fake(deliveries)
    for order_id in list(fake.orders)[:deliveries]:
        fake.refund_order(order_id, 100)
    return [orjson.dumps(envelope) for envelope in fake.take_webhooks()]


def post_delivery(url: str) -> Callable[[httpx.Client, bytes], tuple[float, httpx.Response]]:
    def post(client: httpx.Client, body: bytes) -> tuple[float, httpx.Response]:
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature_header(WEBHOOK_SECRET, body),
        }
        started = time.perf_counter()
        response = client.post(url + WEBHOOK_PATH, content=body, headers=headers)
        return time.perf_counter() - started, response

    return post


def get_healthz(url: str) -> Callable[[httpx.Client, bytes], tuple[float, httpx.Response]]:
    def get(client: httpx.Client, _: bytes) -> tuple[float, httpx.Response]:
        started = time.perf_counter()
        response = client.get(url + "/healthz")
        return time.perf_counter() - started, response

    return get


def load(
    name: str,
    items: list[bytes],
    send_one: Callable[[httpx.Client, bytes], tuple[float, httpx.Response]],
) -> Load:
    """Sends every item from CLIENT_THREADS threads, a keep-alive client each, all starting
    together; anything but a 200 stops the bench."""
    start = threading.Barrier(CLIENT_THREADS + 1, timeout=60)

    def client_thread(share: list[bytes]) -> list[float]:
        latencies = []
        with httpx.Client(timeout=60, trust_env=False) as client:
            start.wait()
            for item in share:
                latency, response = send_one(client, item)
                if response.status_code != 200:
                    raise RuntimeError(f"{name}: {response.status_code} {response.text[:500]}")
                latencies.append(latency)
        return latencies

    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        shares = [items[i::CLIENT_THREADS] for i in range(CLIENT_THREADS)]
        futures = [pool.submit(client_thread, share) for share in shares]
        start.wait()
        cpu, started = time.process_time(), time.perf_counter()
        try:
            latencies = [latency for future in futures for latency in future.result()]
        except RuntimeError as exc:
            raise SystemExit(f"bench: {exc}") from None
        seconds = time.perf_counter() - started
    return Load(name, seconds, time.process_time() - cpu, latencies)


def print_loads(title: str, loads: list[Load]) -> None:
    print(f"\n{title} (uvicorn on loopback)\n")
    print(f"{'requests':<44}{'seconds':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'client CPU':>12}")
    for run in loads:
        print(
            f"{run.name:<44}{run.seconds:>9.2f}{run.per_second:>9,.0f}"
            f"{run.percentile(50) * 1000:>9.2f}{run.percentile(99) * 1000:>9.2f}"
            f"{run.client_cpu_seconds:>10.1f} s"
        )
    print()


def start_receiver(data_dir: Path, log: Path) -> receiver_process.ReceiverProcess:
    """The receiver with the bench secret, keeping its deliveries under `data_dir` (a sync's
    DLT_DATA_DIR, for the sync to apply them)."""
    env = {
        **os.environ,
        "DLT_DATA_DIR": str(data_dir),
        "SOURCES__TICKET_TAILOR__WEBHOOK_SECRET": WEBHOOK_SECRET,
        "RUNTIME__DLTHUB_TELEMETRY": "false",
    }
    try:
        return receiver_process.start_receiver(env, log)
    except receiver_process.ReceiverFailed as exc:
        raise SystemExit(f"bench: {exc}") from None


def stored_rows(store: Path) -> int:
    """Deliveries the store holds, read as any other reader would (read-only)."""
    with closing(sqlite3.connect(f"file:{store}?mode=ro", uri=True)) as db:
        [(rows,)] = db.execute("select count(*) from deliveries").fetchall()
    return rows


def print_log_problems(receiver: receiver_process.ReceiverProcess) -> None:
    """The receiver's warnings and errors, if any: a bench that quietly refused some would
    measure the wrong thing."""
    lines = receiver.log.read_text().splitlines()
    problems = [
        line
        for line in lines
        if any(word in line for word in (" WARNING ", " ERROR ", " CRITICAL ", "Traceback"))
    ]
    print(f"receiver log: {len(lines):,} lines, {len(problems):,} warnings or errors")
    for line in problems[:5]:
        print(f"  {line}")


def webhook_sync_run(name: str, fake: TicketTailorFake, label: str) -> Run:
    secret = {"SOURCES__TICKET_TAILOR__WEBHOOK_SECRET": WEBHOOK_SECRET}
    return sync_run(name, fake, "ticket_tailor", label, secret)


def cancel_old_orders(fake: TicketTailorFake, envelopes: int) -> list[str]:
    """Cancels completed orders of events ended over OLD_EVENT_DAYS ago, oldest first, until
    they fired `envelopes` webhooks: changes no incremental sweep re-reads, only a delivery."""
    fake.take_webhooks()
    ended_before = fake.now - OLD_EVENT_DAYS * 86400
    cancelled = []
    for order in list(fake.orders.values()):
        if len(fake.webhooks) >= envelopes:
            return cancelled
        ended = order["event_summary"]["end_date"]["unix"]
        if order["status"] == "completed" and ended < ended_before:
            fake.cancel_order(order["id"])
            cancelled.append(order["id"])
    if len(fake.webhooks) < envelopes:
        raise SystemExit(f"bench: too few old orders to fire {envelopes:,} webhooks")
    return cancelled


def deliver(receiver: receiver_process.ReceiverProcess, envelopes: list[dict]) -> None:
    """Sends each envelope as Ticket Tailor would, one after another; each must be taken."""
    print(f"bench: delivering {len(envelopes):,} webhooks ...", file=sys.stderr, flush=True)
    with httpx.Client(timeout=60, trust_env=False) as client:
        for envelope in envelopes:
            response = send(receiver.url + WEBHOOK_PATH, envelope, WEBHOOK_SECRET, client=client)
            if response.status_code != 200:
                raise SystemExit(
                    f"bench: delivery answered {response.status_code}: {response.text}"
                )


def check_applied(run: Run, delivered: int) -> None:
    """The sync must say it applied every delivery, or the run measured something else."""
    found = APPLIED.search(run.stdout)
    applied = int(found.group(1).replace(",", "")) if found else 0
    if applied != delivered:
        raise SystemExit(
            f"bench: {run.name}: applied {applied:,} of {delivered:,} deliveries:\n{run.stdout}"
        )


def check_cancelled(warehouse: Path, order_ids: list[str]) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        statuses = dict(
            con.execute(
                "select id, status from ticket_tailor.orders where id in (select unnest(?))",
                [order_ids],
            ).fetchall()
        )
    wrong = {i: statuses.get(i) for i in order_ids if statuses.get(i) != "cancelled"}
    if wrong:
        sample = ", ".join(f"{i}: {status}" for i, status in list(wrong.items())[:5])
        raise SystemExit(f"bench: {len(wrong):,} cancelled orders are not 'cancelled': {sample}")


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


def sync_run(
    name: str, fake: FakeServer, source: str, label: str, extra_env: dict[str, str] | None = None
) -> Run:
    prefix = f"SOURCES__{source.upper()}__"
    env = {f"{prefix}BASE_URL": fake.url, **(extra_env or {})}
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
        stdout=process.stdout,
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
