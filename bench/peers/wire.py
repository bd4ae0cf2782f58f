"""A byte-counting TCP relay on loopback that also tells HTTP/1.1 bodies from headers (the bench's wire meter).

``WireMeter(target_port).start()`` listens on a free port and relays every
connection to ``127.0.0.1:target_port`` from a background thread; it counts,
per direction, all bytes and the body bytes as they cross the socket
(Content-Length or de-chunked data; compressed bodies stay compressed), like
``SyncEngine.bytes_sent``/``bytes_received`` do for Doorstep. ``GET /`` on
``control_port`` answers the counters as JSON, so a client in another process
can read them between its steps.
"""
from __future__ import annotations

import asyncio
import json
import threading
from collections import deque

from .procs import free_port


class BodyMeter:
    """Follows one direction of an HTTP/1.1 connection and counts the bytes that belong to bodies."""

    def __init__(self, responses: bool, methods: deque) -> None:
        self.responses = responses
        self.methods = methods  # request methods not answered yet (shared by both directions)
        self.state, self.buffer, self.left = "head", b"", 0
        self.body = self.messages = 0

    def feed(self, data: bytes) -> None:
        while data:
            if self.state == "until-close":
                self.body += len(data)
                return
            if self.state in ("fixed", "chunk-data", "chunk-crlf"):
                take = min(self.left, len(data))
                if self.state != "chunk-crlf":
                    self.body += take
                self.left -= take
                data = data[take:]
                if not self.left:
                    self.state = {"fixed": "head", "chunk-data": "chunk-crlf", "chunk-crlf": "chunk-size"}[self.state]
                    self.left = 2 if self.state == "chunk-crlf" else 0
                continue
            self.buffer += data
            end_mark = b"\r\n" if self.state == "chunk-size" else b"\r\n\r\n"
            if self.state == "trailer" and self.buffer.startswith(b"\r\n"):
                end_mark = b"\r\n"
            end = self.buffer.find(end_mark)
            if end < 0:
                return
            piece, data, self.buffer = self.buffer[:end], self.buffer[end + len(end_mark):], b""
            if self.state == "head":
                self._head(piece)
            elif self.state == "chunk-size":
                size = int(piece.split(b";")[0].strip() or b"0", 16)
                self.state, self.left = ("chunk-data", size) if size else ("trailer", 0)
            else:  # the trailer ended: the message is complete
                self.state = "head"

    def _head(self, head: bytes) -> None:
        lines = head.split(b"\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip().lower()
        if self.responses:
            status = int(lines[0].split()[1])
            if 100 <= status < 200:
                return  # an interim answer: the real one follows
            method = self.methods.popleft() if self.methods else b"GET"
            self.messages += 1
            if method == b"HEAD" or status in (204, 304):
                return
        else:
            self.methods.append(lines[0].split(b" ", 1)[0])
            self.messages += 1
        if b"chunked" in headers.get(b"transfer-encoding", b""):
            self.state = "chunk-size"
        elif b"content-length" in headers:
            self.left = int(headers[b"content-length"])
            self.state = "fixed" if self.left else "head"
        elif self.responses:
            self.state = "until-close"


class WireMeter:
    """The relay and its counters: ``up``/``down`` all bytes, ``up_body``/``down_body``, requests, connections."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.control_port = free_port()
        self.counts = {"up": 0, "down": 0, "up_body": 0, "down_body": 0, "requests": 0, "connections": 0}
        self._meters: list[tuple[BodyMeter, BodyMeter]] = []
        self._servers: list[asyncio.Server] = []
        self._writers: list[asyncio.StreamWriter] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wire-meter", daemon=True)

    def start(self) -> "WireMeter":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the wire meter did not start")
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    async def _close_all(self) -> None:
        for server in self._servers:
            server.close()
        for writer in self._writers:
            writer.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def snapshot(self) -> dict[str, int]:
        out = dict(self.counts)
        out["up_body"] += sum(up.body for up, _down in self._meters)
        out["down_body"] += sum(down.body for _up, down in self._meters)
        out["requests"] += sum(up.messages for up, _down in self._meters)
        return out

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._servers = [self._loop.run_until_complete(asyncio.start_server(handler, "127.0.0.1", port))
                         for handler, port in ((self._relay, self.port), (self._control, self.control_port))]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.run_until_complete(self._close_all())
            self._loop.close()

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.counts["connections"] += 1
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.close()
            return
        self._writers += [client_writer, server_writer]
        methods: deque = deque()
        meters = (BodyMeter(False, methods), BodyMeter(True, methods))
        self._meters.append(meters)
        await asyncio.gather(self._pump(client_reader, server_writer, "up", meters[0]),
                             self._pump(server_reader, client_writer, "down", meters[1]))

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, key: str,
                    meter: BodyMeter) -> None:
        try:
            while data := await reader.read(65536):
                self.counts[key] += len(data)
                meter.feed(data)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        body = json.dumps(self.snapshot()).encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()
