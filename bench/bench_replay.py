"""One recorded sync replayed into each side alone: the server's merge of the pushes, the phone's apply of the pulls.

    .venv/bin/python bench/bench_replay.py record [--records 10000] [--updates 1000] [--folder bench/.replay]
    .venv/bin/python bench/bench_replay.py replay [--code DIR] [--reps 3] [--http] [--folder bench/.replay]

``record`` runs the peer bench's workload (bench/peers/workload.py) once
through two real phones (DeviceStore, SyncEngine) and a real `doorstep serve`
on SQLite, as bench/bench_peers.py does, and keeps: the server database before
a_push and after it, the request bodies of a_push and c_push, and the answers
phone 2 got in b_pull and c_pull.

``replay`` times, with the code of ``--code`` (default: this checkout; give an
older worktree to compare two versions, alternating the runs, on the same
recording):

- a_push, c_push: each recorded body parsed (``PushRequest``) and merged by
  ``server.services.sync_push.push_changes`` on a copy of the database it was
  sent to (no HTTP, no phone): process CPU and wall time per change;
- with ``--http``, a_push and c_push instead: the recorded bodies posted as
  they were sent to a real `doorstep serve` of ``--code`` (HTTP, the request
  guard, the app's lifespan and its WAL checkpoints included): the server
  process's CPU and the wall time;
- b_pull, c_pull: a fresh phone store's ``SyncEngine.sync`` against a transport
  that gives the recorded answers in order (no server): process CPU and wall time per row.

The best of ``--reps`` runs is printed. The recording is in the folder
(git-ignored); a recording stays valid while the wire protocol and the server
schema stay the same.
"""
from __future__ import annotations

import argparse
import gzip
import os
import pickle
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
PIN = "480516"


def record(folder: Path, records: int, updates: int) -> None:
    """Run the workload once through real phones and a real server; keep what each side was sent."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(BENCH))
    from peers.doorstep_server import Database, DoorstepServer, migrate, seed
    from peers.doorstep_side import Phone, enter, fields_of
    from peers.workload import generate

    from mobile.sync import SyncSummary

    quiet = lambda _stage, _fraction: None  # noqa: E731
    shutil.rmtree(folder, ignore_errors=True)
    run = folder / "run"
    (run / "server").mkdir(parents=True)
    database = Database("sqlite", run)
    url = database.create()
    migrate(url, run / "server", run / "upgrade.log")
    password = seed(url, run / "server")
    server = DoorstepServer(url, run / "server", run / "server.log")
    logins = [server.login(password, "phone-1"), server.login(password, "phone-2")]
    server.stop()
    shutil.copy(run / "server.sqlite3", folder / "before_a_push.sqlite3")
    shutil.copytree(run / "server", folder / "server-data")
    workload = generate(records, updates)
    server = DoorstepServer(url, run / "server", run / "server.log")
    phones = [Phone(run / "phone-1", server.base_url, logins[0]), Phone(run / "phone-2", server.base_url, logins[1])]
    kept: dict[str, list] = {"a_push": [], "c_push": [], "b_pull": [], "c_pull": []}
    step = {"now": ""}

    def recording(phone: Phone) -> None:
        send = phone.transport.handle_request

        def handle(request: httpx.Request) -> httpx.Response:
            response = send(request)
            if step["now"] not in kept:
                return response
            if step["now"].endswith("push"):
                kept[step["now"]].append((dict(request.headers), request.content))
                return response
            raw = b"".join(response.stream)
            response.close()
            headers = [(k, v) for k, v in response.headers.items() if k.lower() != "transfer-encoding"]
            kept[step["now"]].append((request.method, request.url.path, response.status_code, headers, raw))
            return httpx.Response(response.status_code, headers=headers, stream=httpx.ByteStream(raw))

        phone.transport.handle_request = handle

    try:
        for phone in phones:
            recording(phone)
        enter(phones[0], workload.rows)
        step["now"] = "a_push"
        phones[0].engine.push(SyncSummary(), quiet)
        step["now"] = ""
        phones[0].engine.pull(SyncSummary(), quiet)
        server.stop()
        shutil.copy(run / "server.sqlite3", folder / "after_a_push.sqlite3")
        server = DoorstepServer(url, run / "server", run / "server.log")
        for phone in phones:
            phone.engine.client.base_url = server.base_url
        step["now"] = "b_pull"
        phones[1].engine.sync()
        now = datetime.now(timezone.utc)
        for doc in workload.updates:
            phones[0].store.save("resident", fields_of(doc), row_id=doc["_id"], now=now)
        step["now"] = "c_push"
        phones[0].engine.push(SyncSummary(), quiet)
        step["now"] = "c_pull"
        phones[1].engine.sync()
    finally:
        for phone in phones:
            phone.close()
        server.stop()
    with open(folder / "recording.pickle", "wb") as out:
        pickle.dump({"logins": logins, "records": records, "updates": updates, **kept}, out)
    shutil.rmtree(run, ignore_errors=True)
    print(f"recorded {records:,} residents, {updates:,} edits: " + ", ".join(
        f"{name} {len(items)} requests" for name, items in kept.items()) + f" in {folder}")


def _bodies(kept: list) -> list[bytes]:
    from shared.compression import zstd_inflate

    out = []
    for headers, content in kept:
        encoding = headers.get("content-encoding")
        out.append(gzip.decompress(content) if encoding == "gzip" else
                   zstd_inflate(content, 64 << 20) if encoding == "zstd" else content)
    return out


def replay_pushes(folder: Path, recording: dict, name: str, database: str, login: dict) -> tuple[int, float, float]:
    """(changes, CPU seconds, wall seconds) of merging one step's recorded push bodies on a copy of ``database``."""
    from server.db import make_engine
    from server.services.scope import load_scope
    from server.services.sync_push import push_changes
    from server.settings import get_settings
    from shared import sync_protocol as proto

    work = folder / "work.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copy(folder / database, work)
    url = f"sqlite:///{work.resolve()}"
    engine = make_engine(url, settings=get_settings(database_url=url, data_dir=folder / "server-data"))
    changes, cpu, wall = 0, 0.0, 0.0
    try:
        with engine.connect() as conn:
            scope = load_scope(conn, login["user"]["id"])
            conn.commit()
            for body in _bodies(recording[name]):
                request = proto.PushRequest.model_validate_json(body)
                started, clock = time.process_time(), time.perf_counter()
                answer = push_changes(conn, login["user"]["id"], login["device_id"], scope, request,
                                      datetime.now(timezone.utc))
                cpu += time.process_time() - started
                wall += time.perf_counter() - clock
                changes += len(answer.results)
                refused = [r for r in answer.results if r.status == "rejected"]
                if refused:
                    raise AssertionError(f"{name}: {len(refused)} refused, e.g. {refused[0]}")
    finally:
        engine.dispose()
    return changes, cpu, wall


def replay_pushes_http(folder: Path, recording: dict, name: str, database: str, login: dict,
                       code: Path) -> tuple[int, float, float]:
    """(changes, server process CPU seconds, wall seconds) of posting one step's recorded push bodies, as
    recorded (compressed), to a real `doorstep serve` of ``code`` on a copy of ``database``: what the
    in-process replay leaves out (HTTP, the request guard, the app's lifespan: its WAL checkpoints)."""
    sys.path.insert(0, str(BENCH))
    from peers.doorstep_server import doorstep, server_env
    from peers.procs import Launched, free_port, wait_http

    run = folder / "http"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir()
    shutil.copy(folder / database, run / "server.sqlite3")
    shutil.copytree(folder / "server-data", run / "server-data")
    url = f"sqlite:///{(run / 'server.sqlite3').resolve()}"
    port = free_port()
    server = Launched("doorstep serve", doorstep("serve", "--host", "127.0.0.1", "--port", str(port), "--url", url,
                                                 "--no-upgrade"),
                      run / "server.log", cwd=code, env=server_env(url, run / "server-data", root=code))
    changes = 0
    try:
        wait_http(f"http://127.0.0.1:{port}/api/v1/auth/me", server)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300,
                          headers={"Authorization": f"Bearer {login['token']}"}) as client:
            cpu, clock = server.cpu(), time.perf_counter()
            for headers, content in recording[name]:
                sent = {k: v for k, v in headers.items() if k.lower() in ("content-type", "content-encoding")}
                answer = client.post("/api/v1/sync/push", content=content, headers=sent)
                if answer.status_code != 200:
                    raise AssertionError(f"{name}: {answer.status_code} {answer.text[:300]}")
                changes += len(answer.json()["results"])
            return changes, server.cpu() - cpu, time.perf_counter() - clock
    finally:
        server.stop()


class Recorded(httpx.BaseTransport):
    """An httpx transport that answers with the recorded answers, in order (and checks each request's path)."""

    def __init__(self, answers: list) -> None:
        self.answers = list(answers)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.answers:
            raise AssertionError(f"a request beyond the recording: {request.method} {request.url.path}")
        method, path, status, headers, raw = self.answers.pop(0)
        if (method, path) != (request.method, request.url.path):
            raise AssertionError(f"asked {request.method} {request.url.path}, recorded {method} {path}")
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(raw))

def replay_pulls(folder: Path, recording: dict) -> dict[str, tuple[int, float, float]]:
    """{step: (rows, CPU seconds, wall seconds)} of a fresh phone's sync through the recorded b_pull, then c_pull, answers."""
    from mobile.services.sign_in import session_meta
    from mobile.store import DeviceStore, MemoryKeyStore
    from mobile.sync import SyncEngine

    login = recording["logins"][1]
    phone = folder / "phone"
    shutil.rmtree(phone, ignore_errors=True)
    store = DeviceStore.open(phone, MemoryKeyStore())
    out = {}
    try:
        store.provision(PIN)
        with store.transaction():
            for key, value in session_meta(login, "http://recorded", datetime.now(timezone.utc)).items():
                store.set_meta(key, value)
        for name in ("b_pull", "c_pull"):
            transport = Recorded(recording[name])
            with SyncEngine(store, "http://recorded", login["token"],
                            transport=transport) as engine:
                started, clock = time.process_time(), time.perf_counter()
                summary = engine.sync()
                out[name] = (summary.pulled, time.process_time() - started, time.perf_counter() - clock)
    finally:
        store.close()
        shutil.rmtree(phone, ignore_errors=True)
    return out


def replay(folder: Path, code: Path, reps: int, http: bool = False) -> None:
    sys.path.insert(0, str(code))  # the checkout whose server and phone code is timed
    from shared.collector import tune_collector

    tune_collector()  # as `doorstep serve` and the app do
    with open(folder / "recording.pickle", "rb") as source:
        recording = pickle.load(source)
    best: dict[str, tuple[int, float, float]] = {}
    for rep in range(reps):
        login = recording["logins"][0]
        if http:
            figures = {"a_push": replay_pushes_http(folder, recording, "a_push", "before_a_push.sqlite3", login, code),
                       "c_push": replay_pushes_http(folder, recording, "c_push", "after_a_push.sqlite3", login, code)}
        else:
            figures = {"a_push": replay_pushes(folder, recording, "a_push", "before_a_push.sqlite3", login),
                       "c_push": replay_pushes(folder, recording, "c_push", "after_a_push.sqlite3", login),
                       **replay_pulls(folder, recording)}
        print(f"run {rep + 1}: " + "  ".join(f"{name} {cpu:.3f} s" for name, (_n, cpu, _w) in figures.items()),
              file=sys.stderr, flush=True)
        for name, figure in figures.items():
            if name not in best or figure[1] < best[name][1]:
                best[name] = figure
    print(f"code: {code}  (best of {reps}; {recording['records']:,} residents, {recording['updates']:,} edits)")
    print("| step | side timed | changes or rows | CPU s | µs each | wall s |")
    print("|---|---|---:|---:|---:|---:|")
    for name, (count, cpu, wall) in best.items():
        side = ("server over HTTP" if http else "server merge") if name.endswith("push") else "phone apply"
        print(f"| {name} | {side} | {count:,} | {cpu:.3f} | {1e6 * cpu / max(count, 1):.0f} | {wall:.3f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record", help="run the workload once and keep what each side was sent")
    rec.add_argument("--records", type=int, default=10000)
    rec.add_argument("--updates", type=int, default=1000)
    rep = commands.add_parser("replay", help="time each side alone on the recording")
    rep.add_argument("--code", type=Path, default=ROOT, help="the checkout to time (default: this one)")
    rep.add_argument("--reps", type=int, default=3)
    rep.add_argument("--http", action="store_true",
                     help="post the push bodies to a real `doorstep serve` of --code instead (no pulls)")
    for sub in (rec, rep):
        sub.add_argument("--folder", type=Path, default=BENCH / ".replay")
    args = parser.parse_args(argv)
    if args.command == "record":
        record(args.folder, args.records, args.updates)
    else:
        if not (args.folder / "recording.pickle").exists():
            parser.error(f"no recording in {args.folder}: run `bench/bench_replay.py record` first")
        replay(args.folder, args.code.resolve(), args.reps, args.http)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DOORSTEP_LOG_LEVEL", "warning")
    raise SystemExit(main())
