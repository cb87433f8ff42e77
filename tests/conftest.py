"""Shared fixtures: where ../shared/data is, a small synthetic demo world, a temporary store."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

os.environ.setdefault("KGMINE_NO_PROGRESS", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("KGMINE_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def needs_browser() -> None:
    """Skip when Chromium / chromedriver / selenium are missing; under CI=true fail instead."""
    from kgmine.report.browser import browser_unavailable

    reason = browser_unavailable()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ../shared/data; skips the test with a reason when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (set KGMINE_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def small_world():
    """A small seeded synthetic demo world (300 products, 200 users), shared by the session."""
    from kgmine.demo.world import generate_world

    return generate_world(n_products=300, n_users=200, seed=7)


SMALL_DEMO = ["--products", "300", "--users", "200", "--epochs", "15"]


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> Path:
    """One reduced `kgmine demo` run (300 products, 200 users) shared by every test that reads a run."""
    from typer.testing import CliRunner

    from kgmine.cli import app

    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(app, ["demo", "--out", str(out), *SMALL_DEMO])
    assert result.exit_code == 0, result.output
    return out


@contextmanager
def running_explorer(explorer) -> Iterator[str]:
    """``explorer`` (:func:`kgmine.serve.open_explorer`) served by uvicorn on a free local port in a thread;
    yields its base URL and stops the server on exit."""
    import socket
    import threading
    import time

    import uvicorn

    from kgmine.serve import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(explorer, close_on_shutdown=True),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the explorer server did not start within 30 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
