"""Vendor-neutral machinery of the fake APIs: a loopback HTTP server with regex routing, a request
log, latency, rate limiting and fault injection.

A vendor fake subclasses `FakeServer`, registers its handlers with `route()` and overrides
`authorize()`, `error()` and, where its header names differ, `rate_limit_headers()`. Handlers
run holding `self.lock`, which the fake's mutation helpers take too, and their response is
serialised before the lock is released. GET handlers must not change data: a "truncated" fault
cuts the real GET response in half.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import math
import random
import re
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

# an HTTP error status, or one of FAULT_KINDS
Fault = int | str
FAULT_KINDS = ("truncated", "malformed", "disconnect", "slow")
ERROR_STATUSES = frozenset(status.value for status in HTTPStatus if status >= 400)
# the random storm's default mix; "slow" is left out because it makes every test wait
STORM_FAULTS: tuple[Fault, ...] = (429, 500, 502, 503, 504, "truncated", "malformed", "disconnect")
MALFORMED_BODY = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes


@dataclass
class Response:
    status: int
    body: Any  # JSON-serialisable, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)


class FakeError(Exception):
    """Raised by a handler to answer with the vendor's error response."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


Handler = Callable[..., Response]


@dataclass
class Alteration:
    """A change to the body of answers (see `FakeServer.alter`)."""

    change: Callable[[Request, Any], Any]
    path: str | None
    # answers left to change; 0 for no limit, -1 once used up
    times: int

    def applies_to(self, path: str) -> bool:
        if self.times < 0 or not path.startswith(self.path or ""):
            return False
        if self.times:
            self.times = self.times - 1 or -1
        return True


class FakeServer:
    """Serves a vendor fake on 127.0.0.1; see the module docstring for how to subclass it."""

    def __init__(self, seed: int = 0) -> None:
        self.lock = threading.RLock()
        self.url = ""
        self.latency = 0.0
        self.rate_limit = 1_000_000
        self.rate_window = 3600.0
        self.slow_seconds = 2.0
        self.fault_rate = 0.0
        self.fault_kinds: tuple[Fault, ...] = STORM_FAULTS
        self.faults_served = 0
        # requests being answered right now, and the most there were at once
        self.in_flight = 0
        self.peak_in_flight = 0
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._faults: list[tuple[Fault, str | None]] = []
        self._alterations: list[Alteration] = []
        self._storm = random.Random(seed)
        # guards the log, the rate-limit window and the faults, never held while sleeping
        self._meta = threading.Lock()
        self._window_start = time.monotonic()
        self._window_used = 0

    # -- for subclasses

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Sends `method` requests whose whole path matches `pattern` to
        handler(request, *groups)."""
        self._routes.append((method, re.compile(pattern), handler))

    def authorize(self, request: Request) -> Response | None:
        """The response refusing a request, or None to let it through."""
        return None

    def error(self, status: int, message: str) -> Response:
        """An error response in the vendor's shape."""
        return Response(status, {"status": status, "message": message})

    def rate_limit_headers(
        self, limit: int, remaining: int, reset_seconds: int, limited: bool
    ) -> dict[str, str]:
        """The rate-limit headers every response carries, in the vendor's names (Ticket Tailor's
        by default); `limited` when this request is refused. Runs holding the request-log lock,
        so it must not take `self.lock`."""
        reset = str(reset_seconds)
        headers = {
            "X-Rate-Limit-Limit": str(limit),
            "X-Rate-Limit-Remaining": str(remaining),
            "X-Rate-Limit-Reset": reset,
        }
        if limited:
            headers["Retry-After"] = reset
        return headers

    # -- for tests

    @contextmanager
    def serve(self, port: int = 0) -> Iterator[str]:
        """Serves in a daemon thread, yielding the base URL; port 0 picks a free port."""
        httpd = _HTTPServer(port, self)
        thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{httpd.server_address[1]}"
        try:
            yield self.url
        finally:
            httpd.shutdown()
            httpd.close_connections()
            httpd.server_close()
            thread.join()

    def credentials(self) -> str:
        """What a client must send to be let through, for the command line's start line."""
        return "any request"

    def run(self, port: int) -> None:
        """Serves until Ctrl-C, printing one line that starts with the base URL and names the
        credentials accepted (for the fakes' command lines). A port in use exits with a one-line
        error, not a traceback."""
        try:
            with self.serve(port) as url, contextlib.suppress(KeyboardInterrupt):
                print(f"{url} accepts {self.credentials()}", flush=True)
                while True:
                    time.sleep(3600)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            sys.exit(f"error: port {port} on 127.0.0.1 is in use; pick another with --port")

    def inject(self, *faults: Fault, path: str | None = None) -> None:
        """Queues faults, each served instead of the response to one request (whose path starts
        with `path`, if given): an HTTP error status or one of FAULT_KINDS."""
        for fault in faults:
            if fault not in FAULT_KINDS and fault not in ERROR_STATUSES:
                raise ValueError(f"unknown fault {fault!r}")
        with self._meta:
            self._faults.extend((fault, path) for fault in faults)

    def alter(
        self, change: Callable[[Request, Any], Any], path: str | None = None, times: int = 0
    ) -> None:
        """Passes the JSON body of each 200 answer to a GET (whose path starts with `path`, if
        given) through change(request, body) before it is sent: a page cut short, a link
        dropped, a list that shifted. `times` answers, or (0) until `clear_alterations`."""
        with self._meta:
            self._alterations.append(Alteration(change, path, times))

    def clear_alterations(self) -> None:
        with self._meta:
            self._alterations.clear()

    def request_count(self, path_prefix: str | None = None) -> int:
        with self._meta:
            return sum(path.startswith(path_prefix or "") for _, path, _ in self.requests)

    def reset_log(self) -> None:
        with self._meta:
            self.requests.clear()
            self.peak_in_flight = self.in_flight

    def reset_rate_limit(self) -> None:
        """Starts a fresh rate-limit window now."""
        with self._meta:
            self._window_start, self._window_used = time.monotonic(), 0

    # -- request handling

    def _handle(self, http: _Handler) -> None:
        with self._meta:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            self._answer(http)
        finally:
            with self._meta:
                self.in_flight -= 1

    def _answer(self, http: _Handler) -> None:
        parts = urlsplit(http.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        body = http.rfile.read(int(http.headers.get("Content-Length") or 0))
        request = Request(http.command, parts.path, query, http.headers, body)
        with self._meta:
            self.requests.append((request.method, request.path, query))
            headers, limited = self._count_request()
            fault = None if limited else self._next_fault(request.path)
            self.faults_served += fault is not None
        if self.latency:
            time.sleep(self.latency)
        if fault == "disconnect":
            http.close_connection = True
            return
        if fault == "slow":
            time.sleep(self.slow_seconds)
        # serialise under the lock so a concurrent mutation cannot change a record mid-dump
        with self.lock:
            response = self._respond(request, limited, fault)
            if response.status == 200 and request.method == "GET":
                response.body = self._altered(request, response.body)
            payload = response.body
            if not isinstance(payload, bytes):
                payload = orjson.dumps(payload)
        if fault == "truncated":
            payload = payload[: len(payload) // 2]
        headers = {"Content-Type": "application/json", **headers, **response.headers}
        http.send_response(response.status)
        for name, value in headers.items():
            http.send_header(name, value)
        http.send_header("Content-Length", str(len(payload)))
        http.end_headers()
        http.wfile.write(payload)

    def _respond(self, request: Request, limited: bool, fault: Fault | None) -> Response:
        if limited:
            return self.error(429, "Rate limit exceeded: wait for Retry-After seconds")
        if isinstance(fault, int):
            response = self.error(fault, f"Injected fault: HTTP {fault}")
            if fault == 429:
                response.headers["Retry-After"] = "1"
            return response
        if fault == "malformed":
            return Response(200, MALFORMED_BODY, {"Content-Type": "text/html"})
        if fault == "truncated" and request.method != "GET":
            # only GETs are safe to run: the fault must not change data
            return self.error(500, "Injected fault: truncated")
        return self._dispatch(request)

    def _dispatch(self, request: Request) -> Response:
        refused = self.authorize(request)
        if refused is not None:
            return refused
        path_known = False
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            if method != request.method:
                path_known = True
                continue
            try:
                return handler(request, *match.groups())
            except FakeError as exc:
                return self.error(exc.status, exc.message)
        if path_known:
            return self.error(405, f"{request.method} is not allowed on {request.path}")
        return self.error(404, f"No such endpoint: {request.path}")

    def _altered(self, request: Request, body: Any) -> Any:
        with self._meta:
            changes = [a for a in self._alterations if a.applies_to(request.path)]
            self._alterations = [a for a in self._alterations if a.times >= 0]
        for alteration in changes:
            body = alteration.change(request, orjson.loads(orjson.dumps(body)))
        return body

    def _count_request(self) -> tuple[dict[str, str], bool]:
        """Counts a request in the fixed window: its rate-limit headers, and whether it is
        refused."""
        now = time.monotonic()
        if now - self._window_start >= self.rate_window:
            self._window_start, self._window_used = now, 0
        limited = self._window_used >= self.rate_limit
        self._window_used += not limited
        reset_seconds = math.ceil(self._window_start + self.rate_window - now)
        remaining = max(0, self.rate_limit - self._window_used)
        return self.rate_limit_headers(self.rate_limit, remaining, reset_seconds, limited), limited

    def _next_fault(self, path: str) -> Fault | None:
        for i, (fault, prefix) in enumerate(self._faults):
            if prefix is None or path.startswith(prefix):
                del self._faults[i]
                return fault
        if self.fault_rate and self._storm.random() < self.fault_rate:
            return self._storm.choice(self.fault_kinds)
        return None


def command_line(vendor: str, port: int) -> argparse.ArgumentParser:
    """The options every fake's command line has, defaults shown in --help; a fake adds its own
    and passes --port to `FakeServer.run`."""
    parser = argparse.ArgumentParser(
        description=f"Serve a fake {vendor} API on 127.0.0.1 until Ctrl-C.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=port, help="0 picks a free one")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to responses")
    parser.add_argument("--seed", type=int, default=0, help="seeds the generated data")
    return parser


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so clients reuse connections
    disable_nagle_algorithm = True  # headers and body are two writes: don't hold the second back
    server: _HTTPServer

    def do_GET(self) -> None:
        self.server.fake._handle(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Keeps the default per-request line off stderr."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port: int, fake: FakeServer) -> None:
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind also looks up the host's FQDN, which can stall on DNS
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Ends open keep-alive connections so their handler threads finish."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client hanging up mid-response (its timeout, a "disconnect" fault) is not an error
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)
