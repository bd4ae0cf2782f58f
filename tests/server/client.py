"""A synchronous in-process client for the app (httpx over ASGI), so tests read like a user's requests.

Starlette's TestClient warns (an error under ``filterwarnings = error``) unless
the httpx2 package is installed; httpx's own ASGI transport needs no extra.
"""
from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI


class ApiClient:
    """Requests to ``app`` without a network; ``token`` (when set) is sent as the bearer token."""

    def __init__(self, app: FastAPI, token: str | None = None, raise_app_exceptions: bool = True,
                 address: str = "127.0.0.1") -> None:
        self.app = app
        self.token = token
        self._runner = asyncio.Runner()
        # ``address`` is the client's IP address as the app sees it (request.client.host)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions, client=(address, 50000))
        self._client = httpx.AsyncClient(transport=transport, base_url="http://testserver")

    def request(self, method: str, url: str, *, token: str | None = None, **kwargs: Any) -> httpx.Response:
        bearer = token if token is not None else self.token
        headers = dict(kwargs.pop("headers", None) or {})
        if bearer:
            headers.setdefault("authorization", f"Bearer {bearer}")
        return self._runner.run(self._client.request(method, url, headers=headers, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def login(self, username: str, password: str, device_name: str = "test phone") -> str:
        """Sign in and keep the token for the following requests."""
        response = self.post("/api/v1/auth/login",
                             json={"username": username, "password": password, "device_name": device_name})
        assert response.status_code == 200, response.text
        self.token = response.json()["token"]
        return self.token

    def close(self) -> None:
        self._runner.run(self._client.aclose())
        self._runner.close()
