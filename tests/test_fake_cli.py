"""The fakes' command lines as a user runs them: defaults in --help, a port in use, and the start
line naming the URL and the credentials to point a sync at."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
# a hung fake must not hold the run for the suite's 300 s
pytestmark = pytest.mark.timeout(30)


def fields(pattern: str, line: str) -> tuple[str, ...]:
    match = re.fullmatch(pattern, line)
    assert match is not None, f"start line {line!r} does not match {pattern!r}"
    return match.groups()


def ticket_tailor_orders(line: str) -> int:
    url, key = fields(r"(\S+) accepts API key (\S+) \(the HTTP Basic user\)", line)
    assert key == "sk_test_fake"
    return len(httpx.get(f"{url}/v1/orders", auth=(key, "")).raise_for_status().json()["data"])


def ticketsource_events(line: str) -> int:
    url, key = fields(r"(\S+) accepts API key (\S+) \(a Bearer token\)", line)
    assert key == "skl-test-fake"
    response = httpx.get(f"{url}/events", headers={"Authorization": f"Bearer {key}"})
    return len(response.raise_for_status().json()["data"])


def korusticket_orders(line: str) -> int:
    pattern = r"(\S+) accepts client id (\S+), client secret (\S+), token URL (\S+)"
    url, client_id, secret, token_url = fields(pattern, line)
    assert (client_id, secret) == ("korus-test-client", "korus-test-secret")
    assert token_url.startswith(url)
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    token = httpx.post(token_url, data=form).raise_for_status().json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.get(f"{url}/v1/booking/orders", headers=headers)
    return response.raise_for_status().json()["totalItems"]


@dataclass(frozen=True)
class Fake:
    module: str
    port: int  # the default
    small: tuple[str, ...]  # options for an account of `records` records, quick to generate
    records: int
    # the records one authenticated request lists, given the start line
    listed: Callable[[str], int]


FAKES = [
    Fake("fakes.ticket_tailor", 8765, ("--orders", "3"), 3, ticket_tailor_orders),
    Fake("fakes.ticketsource", 8766, ("--events", "2"), 2, ticketsource_events),
    Fake(
        "fakes.korusticket",
        8767,
        ("--orders", "3", "--reservations", "1"),
        3,
        korusticket_orders,
    ),
]
each_fake = pytest.mark.parametrize("fake", FAKES, ids=[fake.module for fake in FAKES])


def command(fake: Fake, *args: str) -> list[str]:
    return [sys.executable, "-m", fake.module, *fake.small, *args]


@contextmanager
def started(fake: Fake) -> Iterator[str]:
    """Runs the fake on a free port, yielding its start line; it is killed on the way out."""
    with subprocess.Popen(
        command(fake, "--port", "0"), stdout=subprocess.PIPE, text=True, cwd=ROOT
    ) as process:
        try:
            assert process.stdout is not None
            yield process.stdout.readline().rstrip("\n")
        finally:
            process.kill()


@each_fake
def test_help_shows_the_default_of_every_option(fake: Fake) -> None:
    result = subprocess.run(
        command(fake, "--help"), capture_output=True, text=True, cwd=ROOT, check=True
    )
    usage, _, options = result.stdout.partition("options:")
    named = re.findall(r"\[(--[a-z-]+) [A-Z_]+\]", usage)
    # one entry per option, whatever argparse wrapped
    entries = re.split(r" (?=--[a-z-]+ [A-Z_]+ )", " ".join(options.split()))[1:]
    by_name = {entry.split()[0]: entry for entry in entries}
    assert list(by_name) == named
    assert [name for name, entry in by_name.items() if "(default: " not in entry] == []
    assert f"(default: {fake.port})" in by_name["--port"]


@each_fake
def test_a_port_in_use_is_one_line_on_stderr_and_exit_1(fake: Fake) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            command(fake, "--port", str(port)), capture_output=True, text=True, cwd=ROOT
        )
    assert result.returncode == 1
    assert result.stderr == f"error: port {port} on 127.0.0.1 is in use; pick another with --port\n"
    assert result.stdout == ""


@each_fake
def test_start_line_names_the_url_and_credentials_that_work(fake: Fake) -> None:
    with started(fake) as line:
        assert line.startswith("http://127.0.0.1:")
        assert fake.listed(line) == fake.records
