"""Build the app's routing before the first request: one request, in the process, that no route answers.

FastAPI builds each included router's effective routes (their dependants and
body models) when a request first walks past them: about 0.3 s, paid by the
first request after a start (the first push of a sync, in the peer bench).
``warm_up(app)`` sends a GET no route matches through the whole app, so every
router is walked and built, and the middleware stack too; nothing reaches a
database. It runs on its own event loop in a short-lived thread, since
uvicorn calls the app factory inside its running loop.
"""
from __future__ import annotations

import asyncio
import threading

from fastapi import FastAPI

PROBE_PATH = "/__doorstep_warm_up__"  # matches no route: every router is walked


async def _probe(app: FastAPI) -> int:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": PROBE_PATH, "raw_path": PROBE_PATH.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 0),
             "state": {}}
    await app(scope, receive, send)
    return next(m["status"] for m in sent if m["type"] == "http.response.start")


def warm_up(app: FastAPI) -> int:
    """Send the probe through ``app`` and return its status (404: no route took it)."""
    status: list[int] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            status.append(asyncio.run(_probe(app)))
        except BaseException as error:  # pragma: no cover - raised again below
            failure.append(error)

    thread = threading.Thread(target=run, name="doorstep-warm-up")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return status[0]
