"""Real services a test needs (Redis, PostgreSQL, Chromium, redis-server): reachable or not."""

import os
import socket
import subprocess
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def server_env() -> dict:
    """The environment for a server a test starts (redis-server): without libfaketime, which
    `make test-at` preloads into the suite's process tree. Servers keep the machine's clock, as
    PostgreSQL does; jemalloc's redis-server cannot start under libfaketime at all."""
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}


def need_service(what: str, available: bool):
    """A test that needs a real service: skipped on a laptop without it, failed in CI."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not reachable")
    pytest.skip(f"{what} not reachable")


def tcp_open(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), 1):
            return True
    except OSError:
        return False


def stop_process(process: subprocess.Popen, timeout: float = 20) -> None:
    """Stop a server the test started: politely, then for good."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
