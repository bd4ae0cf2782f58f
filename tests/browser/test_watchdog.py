"""A browser call that would wait for ever (no Playwright timeout of its own) fails the test instead of the suite."""
from __future__ import annotations

import time
from contextlib import ExitStack

import pytest

from tests.browser import conftest


def test_an_evaluate_that_never_returns_is_stopped_by_the_watchdog(tmp_path, monkeypatch):
    if not conftest.CHROMIUM.exists():
        pytest.skip(f"Debian's Chromium is not installed at {conftest.CHROMIUM} (apt-get install chromium)")
    monkeypatch.setattr(conftest, "WATCHDOG_S", 3.0)
    with ExitStack() as resources:
        stack = conftest.BrowserStack(tmp_path, resources)
        page = stack.browser.new_page()
        started = time.monotonic()
        with pytest.raises(Exception, match="closed|crash|Target"):
            page.evaluate("new Promise(() => {})")  # a promise that never settles
        assert time.monotonic() - started < 60
        assert conftest.HUNG in stack.journal.step
