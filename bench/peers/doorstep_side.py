"""Doorstep's side of the peer bench: two phones (DeviceStore + SyncEngine) against a fresh `doorstep serve`.

One run: fresh database and server; phone 1 enters every household and its
members through ``DeviceStore.save`` (untimed, one local transaction a
household); then a_push (``SyncEngine.push``), a_pullback (the pull half of
that phone's sync), b_pull (phone 2's first ``sync``), phone 1 saves the edits
(untimed), c_push, c_pull; then the check (untimed). On PostgreSQL the
database is ANALYZEd after the seed and after a_push (untimed: autovacuum is off).
"""
from __future__ import annotations

import shutil
import time
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable

import httpx

from .doorstep_server import Database, DoorstepServer, migrate, seed
from .phone_probe import PhoneProbe
from .procs import deadline, postgres_backends_cpu
from .workload import Workload

PIN = "480516"


class CountingTransport(httpx.HTTPTransport):
    """httpx's own keep-alive transport, counting the requests it sends."""

    requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return super().handle_request(request)


class Phone:
    """A signed-in phone: its encrypted store on disk (the app's Scrypt cost) and its sync engine over HTTP."""

    def __init__(self, folder: Path, base_url: str, login: dict) -> None:
        from mobile.services.sign_in import session_meta
        from mobile.store import DeviceStore, MemoryKeyStore
        from mobile.sync import SyncEngine

        self.store = DeviceStore.open(folder, MemoryKeyStore())
        self.store.provision(PIN)
        with self.store.transaction():  # what the PIN screen keeps after a sign-in
            for key, value in session_meta(login, base_url, datetime.now(timezone.utc)).items():
                self.store.set_meta(key, value)
        self.transport = CountingTransport()
        self.engine = SyncEngine(self.store, base_url, login["token"], transport=self.transport)

    def close(self) -> None:
        self.engine.close()
        self.transport.close()
        self.store.close()


def fields_of(doc: dict) -> dict[str, Any]:
    """A workload document as the phone's form saves it: no PouchDB keys, dates as dates, empty fields left out."""
    fields = {k: v for k, v in doc.items() if k not in ("_id", "type") and v is not None}
    if "birth_date" in fields:
        fields["birth_date"] = date.fromisoformat(fields["birth_date"])
    return fields


def enter(phone: Phone, rows: list[dict]) -> None:
    """Phone 1 enters each household and then its members, one local transaction a household."""
    store, now = phone.store, datetime.now(timezone.utc)
    group: list[dict] = []
    for doc in rows + [{"type": "household"}]:  # the sentinel closes the last group
        if doc["type"] == "household" and group:
            with store.transaction():
                for member in group:
                    store.save(member["type"], fields_of(member), row_id=member["_id"], now=now)
            group = []
        group.append(doc)


def run(kind: str, workload: Workload, folder: Path, timeout: float, say: Callable[[str], None]) -> dict:
    """One run on a fresh database and server; returns each step's figures."""
    from mobile.sync import SyncSummary
    from shared.collector import tune_collector

    shutil.rmtree(folder, ignore_errors=True)
    (folder / "server").mkdir(parents=True)
    database = Database(kind, folder)
    server: DoorstepServer | None = None
    phones: list[Phone] = []
    out: dict[str, Any] = {"steps": {}}
    try:
        t0 = time.perf_counter()
        url = database.create()
        migrate(url, folder / "server", folder / "upgrade.log")
        password = seed(url, folder / "server")
        database.analyze()
        server = DoorstepServer(url, folder / "server", folder / "server.log")
        phone1 = Phone(folder / "phone-1", server.base_url, server.login(password, "phone-1"))
        phones.append(phone1)
        phone2 = Phone(folder / "phone-2", server.base_url, server.login(password, "phone-2"))
        phones.append(phone2)
        out["setup_server_s"] = round(time.perf_counter() - t0, 2)
        tune_collector()  # as the app does once it is built (mobile.cli.run_app)
        t0 = time.perf_counter()
        enter(phone1, workload.rows)
        out["setup_entry_s"] = round(time.perf_counter() - t0, 2)
        say(f"phone 1 entered {len(workload.rows):,} rows in {out['setup_entry_s']:.1f} s (untimed)")
        quiet = lambda _stage, _fraction: None  # noqa: E731

        def step(name: str, phone: Phone, action: Callable[[], SyncSummary], want: int) -> None:
            sent, received, asked = phone.engine.bytes_sent, phone.engine.bytes_received, phone.transport.requests
            db0 = postgres_backends_cpu(database.name) if database.name else {}
            server0, cpu0, t = server.process.cpu(), time.process_time(), time.perf_counter()
            with deadline(timeout, f"doorstep-{kind} {name}"), PhoneProbe() as probe:
                summary = action()
            seconds = time.perf_counter() - t
            figures = {"seconds": seconds, "phone_cpu_s": time.process_time() - cpu0,
                       "server_cpu_s": server.process.cpu() - server0,
                       "bytes_up": phone.engine.bytes_sent - sent, "bytes_down": phone.engine.bytes_received - received,
                       "requests": phone.transport.requests - asked,
                       "rows": summary.pushed if name.endswith("push") else summary.pulled, **probe.figures()}
            if database.name:
                db1 = postgres_backends_cpu(database.name)
                figures["db_cpu_s"] = sum(v - db0.get(pid, 0.0) for pid, v in db1.items())
            if summary.rejected or (want and figures["rows"] != want):
                raise AssertionError(f"{name}: {figures['rows']} rows (want {want}), {len(summary.rejected)} refused")
            out["steps"][name] = figures
            say(f"{name}: {seconds:.2f} s, {figures['rows']:,} rows")

        def push(phone: Phone) -> Callable[[], SyncSummary]:
            def action() -> SyncSummary:
                summary = SyncSummary()
                phone.engine.push(summary, quiet)
                return summary
            return action

        def pull_back(phone: Phone) -> Callable[[], SyncSummary]:
            def action() -> SyncSummary:  # the rest of SyncEngine.sync() after its push
                summary = SyncSummary()
                phone.engine.pull(summary, quiet)
                phone.store.set_meta("last_sync_at", datetime.now(timezone.utc).isoformat())
                phone.store.reclaim_space()  # as sync() ends: the pushed outbox's pages go back to the system
                return summary
            return action

        rows = len(workload.rows)
        step("a_push", phone1, push(phone1), rows)
        database.analyze()
        step("a_pullback", phone1, pull_back(phone1), 0)
        step("b_pull", phone2, phone2.engine.sync, rows + 4)  # and the 4 areas
        t0 = time.perf_counter()
        before, now = phone1.store.pending_count(), datetime.now(timezone.utc)
        for doc in workload.updates:
            phone1.store.save("resident", fields_of(doc), row_id=doc["_id"], now=now)
        if phone1.store.pending_count() - before != len(workload.updates):
            raise AssertionError("an edit was not queued")
        out["setup_updates_s"] = round(time.perf_counter() - t0, 2)
        step("c_push", phone1, push(phone1), len(workload.updates))
        step("c_pull", phone2, phone2.engine.sync, len(workload.updates))
        check(phone1, phone2, workload)
        out["phone_files_mb"] = {f"phone-{i}": round(sum(f.stat().st_size for f in (folder / f"phone-{i}").iterdir()
                                                         if f.is_file()) / 1e6, 1) for i in (1, 2)}
    finally:
        for phone in phones:
            phone.close()
        if server is not None:
            server.stop()
        database.drop()
    shutil.rmtree(folder, ignore_errors=True)
    return out


def check(phone1: Phone, phone2: Phone, workload: Workload) -> None:
    """Phone 2 holds every resident and every edit; both outboxes are empty."""
    held = {row["id"]: row for row in phone2.store.rows("resident")}
    if len(held) != workload.residents:
        raise AssertionError(f"phone 2 holds {len(held)} residents, not {workload.residents}")
    for doc in workload.updates:
        row = held[doc["_id"]]
        if any(row[k] != doc[k] for k in ("notes", "employment_status", "employer_name", "phone")):
            raise AssertionError("phone 2 lacks an edit")
    if phone1.store.pending_count() or phone2.store.pending_count():
        raise AssertionError("an outbox is not empty")
