"""PouchDB's side of the peer bench: npm packages in a cache folder, `pouchdb-server` on loopback, pouch.js as the phones."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from .procs import Launched, free_port, wait_http
from .wire import WireMeter

PACKAGES = {"pouchdb-server": "4.2.0", "pouchdb-node": "9.0.0", "pouchdb-adapter-memory": "9.0.0"}
CLIENT = Path(__file__).with_name("pouch.js")


def install(cache: Path, say) -> str | None:
    """The npm packages in ``cache/node`` (once); None when ready, else why PouchDB cannot run here."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed"
    folder = cache / "node"
    marker = folder / (".installed-" + "-".join(f"{k}@{v}" for k, v in PACKAGES.items()))
    if not marker.exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text('{"name": "doorstep-peer-bench", "private": true}\n')
        say("installing " + ", ".join(f"{k}@{v}" for k, v in PACKAGES.items()) + f" into {folder} (npm)")
        # --ignore-scripts: leveldown ships prebuilt binaries; the sqlite3 that pouchdb-server pulls in (unused
        # here) would try to download one at install time.
        try:
            done = subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error",
                                   *(f"{k}@{v}" for k, v in PACKAGES.items())], cwd=folder, capture_output=True,
                                  text=True, timeout=900)
        except subprocess.TimeoutExpired:
            return "npm install took more than 15 minutes"
        if done.returncode:
            return "npm install failed: " + (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        marker.touch()
    probe = subprocess.run(["node", "-e", "require('pouchdb-node'); require('pouchdb-adapter-memory')"],
                           env=node_env(cache), capture_output=True, text=True, timeout=60)
    if probe.returncode:
        return "the installed PouchDB does not load: " + (probe.stderr.strip().splitlines() or ["?"])[-1]
    return None


def node_env(cache: Path) -> dict[str, str]:
    return {**os.environ, "NODE_PATH": str(cache / "node" / "node_modules")}


def versions(cache: Path) -> dict[str, str]:
    modules = cache / "node" / "node_modules"
    found = {}
    for name in (*PACKAGES, "express-pouchdb", "pouchdb-server/node_modules/pouchdb-core", "memdown"):
        try:
            found[name] = json.loads((modules / name / "package.json").read_text())["version"]
        except (OSError, ValueError, KeyError):
            continue
    return found


def run(kind: str, cache: Path, rows: Path, updates: Path, folder: Path, timeout: float, *,
        metered: bool = False) -> dict:
    """One run on a fresh `pouchdb-server` (``memory``: --in-memory; ``leveldb``: files in the run's folder)."""
    shutil.rmtree(folder, ignore_errors=True)
    data = folder / "data"
    data.mkdir(parents=True)
    (data / "config.json").write_text(json.dumps({"log": {"level": "warning", "file": str(data / "log.txt")}}))
    port = free_port()
    argv = ["node", str(cache / "node" / "node_modules" / "pouchdb-server" / "bin" / "pouchdb-server"),
            "--host", "127.0.0.1", "--port", str(port), "--dir", str(data), "--config", str(data / "config.json"),
            "--no-stdout-logs"] + (["--in-memory"] if kind == "memory" else [])
    server = Launched(f"pouchdb-server ({kind})", argv, folder / "server.log", cwd=data, env=node_env(cache))
    meter = None
    try:
        wait_http(f"http://127.0.0.1:{port}/", server)
        target = f"http://127.0.0.1:{port}"
        extra = []
        if metered:
            meter = WireMeter(port).start()
            target = f"http://127.0.0.1:{meter.port}"
            extra = ["--meter", f"http://127.0.0.1:{meter.control_port}/"]
        out = folder / "result.json"
        client = ["node", str(CLIENT), "--server", target, "--db", "peers", "--rows", str(rows), "--updates",
                  str(updates), "--out", str(out), "--server-pid", str(server.pid), "--timeout", str(timeout), *extra]
        with open(folder / "client.log", "wb") as log:
            code = subprocess.run(client, env=node_env(cache), stdin=subprocess.DEVNULL, stdout=log,
                                  stderr=subprocess.STDOUT, timeout=6 * timeout + 120).returncode
        if code:
            tail = (folder / "client.log").read_text(errors="replace")[-1500:]
            raise RuntimeError(f"pouch.js failed ({code}):\n{tail}")
        result = json.loads(out.read_text())
    finally:
        if meter is not None:
            meter.stop()
        server.stop()
    shutil.rmtree(folder, ignore_errors=True)
    return result
