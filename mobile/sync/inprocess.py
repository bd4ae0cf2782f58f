"""A synchronous httpx transport that calls an ASGI app in this process (tests, benchmarks; no sockets).

It hands the response over undecoded, so the client decompresses gzip as it
would from a socket, and it counts the bytes that would cross the wire.
"""
from __future__ import annotations

import asyncio

import httpx


class InProcessTransport(httpx.BaseTransport):
    def __init__(self, app) -> None:
        # like a socket: an error inside the app is a 500 answer, not an exception in the caller
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._runner = asyncio.Runner()
        self.bytes_sent = 0
        self.bytes_received = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        self.bytes_sent += len(body) + sum(len(k) + len(v) + 4 for k, v in request.headers.raw)

        async def call() -> httpx.Response:
            response = await self._asgi.handle_async_request(request)
            raw = b"".join([part async for part in response.stream])
            self.bytes_received += len(raw) + sum(len(k) + len(v) + 4 for k, v in response.headers.raw)
            return httpx.Response(response.status_code, headers=response.headers, stream=httpx.ByteStream(raw))

        return self._runner.run(call())

    def close(self) -> None:
        """Clients come and go over one app: closing a client leaves this transport usable."""

    def shutdown(self) -> None:
        self._runner.close()
