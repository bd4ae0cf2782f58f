"""A route class whose request bodies are parsed by ``shared.json_text`` (orjson) instead of the standard ``json``.

FastAPI reads a JSON body with ``Request.json()``; this class hands each route
a request whose ``json()`` is the value ``server.middleware.RequestGuard``
parsed already (its checks need a parse: one is enough), or the faster parser
on the body, and nothing else changes:
pydantic validates the same Python values, and a body that is not JSON still
raises ``json.JSONDecodeError`` (FastAPI's 400 ``request.invalid_json``).
"""
from __future__ import annotations

from typing import Any, Callable, Coroutine

from fastapi import Request, Response
from fastapi.routing import APIRoute

from server.middleware import PARSED_BODY
from shared import json_text


class FastJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            if PARSED_BODY in self.scope:  # the request guard parsed it already
                self._json = self.scope[PARSED_BODY]
            else:
                self._json = json_text.loads(await self.body())
        return self._json


class FastJSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            return await handler(FastJSONRequest(request.scope, request.receive))

        return route
