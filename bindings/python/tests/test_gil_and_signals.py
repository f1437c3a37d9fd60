"""The GIL is released during waits and network calls; Ctrl-C interrupts a wait."""

from __future__ import annotations

import _thread
import signal
import threading
import time

import pytest

import composio_rs
from composio_rs import Composio


def test_other_threads_run_during_wait(composio: Composio, user_id: str) -> None:
    session = composio.create(user_id, manage_connections=False)
    request = session.authorize("gmail")
    counter = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal counter
        while not stop.is_set():
            counter += 1

    thread = threading.Thread(target=count)
    thread.start()
    try:
        with pytest.raises(composio_rs.ConnectionRequestTimeoutError):
            request.wait_for_connection(timeout=1.5)
    finally:
        stop.set()
        thread.join()
    # A thread spinning in pure Python does far more than this in 1.5 s when it gets the
    # GIL; if the wait held the GIL it would get none until the wait ended.
    assert counter > 100_000, counter


def test_waits_in_threads_overlap(composio: Composio, user_id: str) -> None:
    session = composio.create(user_id, manage_connections=False)
    requests = [session.authorize(slug) for slug in ("gmail", "github", "slack", "notion")]
    errors: list[BaseException] = []

    def wait(r: composio_rs.ConnectionRequest) -> None:
        try:
            r.wait_for_connection(timeout=0.8)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    start = time.perf_counter()
    threads = [threading.Thread(target=wait, args=(r,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    assert len(errors) == 4
    assert all(isinstance(e, composio_rs.ConnectionRequestTimeoutError) for e in errors)
    assert elapsed < 2.0, elapsed


def test_ctrl_c_interrupts_wait(composio: Composio, user_id: str) -> None:
    session = composio.create(user_id, manage_connections=False)
    request = session.authorize("gmail")
    # A process started in the background by a non-interactive shell inherits SIGINT
    # ignored, and then Python has no Ctrl-C handler (interrupt_main does nothing): install
    # the default one for this test.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.3, _thread.interrupt_main)
    start = time.perf_counter()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            request.wait_for_connection(timeout=30.0)
    finally:
        timer.cancel()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.5, f"KeyboardInterrupt took {elapsed:.2f} s"
    # The client still works after the interrupted wait.
    assert composio.connected_accounts.get(request.id).status == "INITIATED"
