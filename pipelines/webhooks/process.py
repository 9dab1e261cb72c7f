"""The receiver as a child process on a free loopback port: how the demo, the bench and the
tests run it."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from .store import FILE_NAME

ROOT = Path(__file__).resolve().parents[2]


class ReceiverFailed(RuntimeError):
    """The receiver exited, or did not answer /healthz in time; says what it logged."""


@dataclass
class ReceiverProcess:
    """A running `python -m pipelines.webhooks`, its log (None: this process's streams) and
    its deliveries file."""

    url: str
    process: subprocess.Popen
    log: Path | None
    store: Path

    def healthy(self) -> bool:
        """Whether /healthz answers; ReceiverFailed if the process has exited."""
        if self.process.poll() is not None:
            status = self.process.returncode
            raise ReceiverFailed(f"the receiver exited ({status}){self.log_tail()}")
        with contextlib.suppress(httpx.TransportError):
            return httpx.get(self.url + "/healthz", timeout=1, trust_env=False).status_code == 200
        return False

    def stop(self, signum: int = signal.SIGTERM) -> None:
        """SIGTERM, as a service manager stops it (requests in flight finish), or SIGKILL."""
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signum)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self) -> str:
        """The end of what it logged, for an error message."""
        return f":\n{self.log.read_text()[-3000:]}" if self.log else ""


def start_receiver(
    env: Mapping[str, str], log: Path | None = None, timeout: float = 30
) -> ReceiverProcess:
    """Starts the receiver with `env` (its secrets and DLT_DATA_DIR) and returns once /healthz
    answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with open(log, "ab") if log else contextlib.nullcontext() as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.webhooks", "--port", str(port)],
            cwd=ROOT,
            env=dict(env),
            stdout=out,
            stderr=out,
        )
    store = Path(env["DLT_DATA_DIR"]) / "pipelines" / FILE_NAME
    receiver = ReceiverProcess(f"http://127.0.0.1:{port}", process, log, store)
    deadline = time.monotonic() + timeout
    while not receiver.healthy():
        if time.monotonic() > deadline:
            receiver.stop()
            raise ReceiverFailed(f"the receiver did not answer /healthz{receiver.log_tail()}")
        time.sleep(0.05)
    return receiver
