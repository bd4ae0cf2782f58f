"""A city's end of day: N coordinators sign in, push a day's work and pull, through nginx, 2+ servers, pgbouncer, PostgreSQL.

    .venv/bin/python bench/load/run.py [--coordinators 500] [--servers 2] [--ramp 120] [--concurrency 100]

Each simulated coordinator sends the same HTTP messages a phone sends
(``shared.sync_protocol``): one sign-in, one push of its day (30 visits and 20
edits of its residents, one batch as the phone's outbox sends it), then pulls
pages until the server has nothing more. Coordinators arrive evenly over
``--ramp`` seconds, at most ``--concurrency`` at once; a failed request is
retried (the push is idempotent by ``seq``) and counted as an error. The run
prints p50/p95/p99 per request kind, errors, the CPU of the servers, nginx,
pgbouncer and PostgreSQL, and checks that every acknowledged change is on the
server exactly once. Everything runs on loopback and is stopped at the end;
the run gives up after ``--deadline`` seconds (default 600).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack import Stack  # noqa: E402
from world import PASSWORD, Coordinator, build_city  # noqa: E402

from shared.hlc import HybridClock  # noqa: E402
from shared.models import Resident, Visit, new_id  # noqa: E402

VISITS, EDITS = 30, 20
SERVICES = ["vacancy_information", "policy_consultation", "guidance_training_information"]


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    visits_acked: set[str] = field(default_factory=set)
    notes_acked: dict[str, str] = field(default_factory=dict)  # resident id -> last acknowledged notes
    finished: int = 0

    def error(self, kind: str, what: str) -> None:
        self.errors[kind] += 1
        if len(self.error_samples) < 10:
            self.error_samples.append(f"{kind}: {what[:200]}")


async def timed(tally: Tally, kind: str, send, attempts: int = 5) -> httpx.Response:
    """Send (retrying transport errors and 5xx, as the phone's engine does); record each attempt's latency."""
    for attempt in range(attempts):
        started = time.perf_counter()
        try:
            response = await send()
        except httpx.TransportError as error:
            tally.error(kind, f"{error.__class__.__name__}: {error}")
        else:
            tally.latencies[kind].append(time.perf_counter() - started)
            if response.status_code < 500 and response.status_code != 429:
                return response
            tally.error(kind, f"HTTP {response.status_code}: {response.text}")
        await asyncio.sleep(min(5.0, 0.5 * 2 ** attempt))
    raise RuntimeError(f"{kind} failed {attempts} times")


def day_of_work(person: Coordinator, device_id: str, rng: random.Random, now: datetime) -> tuple[list, dict]:
    """The phone's outbox at the end of a day: visits to households and edits of residents' notes."""
    clock = HybridClock(device_id)
    changes, notes = [], {}
    seq = 0
    start = now - timedelta(hours=8)
    for index in range(VISITS):
        seq += 1
        when = start + timedelta(minutes=15 * index)
        stamp = clock.tick(int(when.timestamp() * 1000))
        home = person.households[index % len(person.households)]
        fields = {"household_id": home, "grid_id": person.grid.id, "coordinator_id": person.user_id,
                  "visited_at": when.isoformat(), "outcome": "met" if index % 5 else "not_home",
                  "resident_ids": [], "services": rng.sample(SERVICES, 2) if index % 5 else [],
                  "guidance_given": bool(index % 5), "guidance_notes": "介绍岗位" if index % 5 else ""}
        changes.append({"seq": seq, "table": "visit", "row_id": new_id(), "fields": fields,
                        "stamps": {k: stamp for k in fields}})
    for index in range(EDITS):
        seq += 1
        resident = person.residents[index % len(person.residents)]
        stamp = clock.tick(int((start + timedelta(minutes=15 * index + 5)).timestamp() * 1000))
        text = f"第{index}次走访 求职意愿更新"
        changes.append({"seq": seq, "table": "resident", "row_id": resident, "fields": {"notes": text},
                        "stamps": {"notes": stamp}, "base": {"notes": None}, "base_values": {"notes": ""}})
        notes[resident] = text
    return changes, notes


async def coordinator_day(person: Coordinator, client: httpx.AsyncClient, tally: Tally, cursor: int,
                          rng: random.Random) -> None:
    login = await timed(tally, "login", lambda: client.post(
        "/api/v1/auth/login", json={"username": person.username, "password": PASSWORD, "device_name": "load"}))
    if login.status_code != 200:
        tally.error("login", f"HTTP {login.status_code}: {login.text}")
        return
    body = login.json()
    headers = {"authorization": f"Bearer {body['token']}"}
    changes, notes = day_of_work(person, body["device_id"], rng, datetime.now(timezone.utc))
    payload = json.dumps({"device_id": body["device_id"], "changes": changes}, ensure_ascii=False).encode()
    push = await timed(tally, "push", lambda: client.post(
        "/api/v1/sync/push", content=payload, headers={**headers, "content-type": "application/json"}))
    if push.status_code != 200:
        tally.error("push", f"HTTP {push.status_code}: {push.text}")
        return
    answers = {r["seq"]: r["status"] for r in push.json()["results"]}
    for change in changes:
        status = answers.get(change["seq"])
        if status in ("applied", "duplicate"):
            if change["table"] == "visit":
                tally.visits_acked.add(change["row_id"])
        else:
            tally.error("push", f"change {change['table']} answered {status}")
    for change in changes:
        if change["table"] == "resident" and answers.get(change["seq"]) == "applied":
            tally.notes_acked[change["row_id"]] = notes[change["row_id"]]
    while True:
        pull = await timed(tally, "pull", lambda c=cursor: client.get(
            "/api/v1/sync/pull", params={"cursor": c, "limit": 500}, headers={**headers, "accept-encoding": "gzip"}))
        if pull.status_code != 200:
            tally.error("pull", f"HTTP {pull.status_code}: {pull.text}")
            return
        page = pull.json()
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    tally.finished += 1


async def end_of_day(stack: Stack, people: list[Coordinator], ramp: float, concurrency: int,
                     deadline: float, seed: int) -> Tally:
    tally = Tally()
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=stack.proxy_url, timeout=60, limits=limits) as client:
        async def one(index: int, person: Coordinator) -> None:
            await asyncio.sleep(ramp * index / max(1, len(people)))
            async with gate:
                try:
                    await coordinator_day(person, client, tally, 0, random.Random(seed + index))
                except Exception as error:  # noqa: BLE001 - counted, the run goes on
                    tally.error("coordinator", f"{error.__class__.__name__}: {error}")
        await asyncio.wait_for(asyncio.gather(*(one(i, p) for i, p in enumerate(people))), deadline)
    return tally


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def check_counts(url: str, people: list[Coordinator], tally: Tally) -> dict[str, int]:
    """Every acknowledged visit is on the server once; every acknowledged edit holds its value."""
    engine = create_engine(url)
    visit, resident = Visit.__table__, Resident.__table__
    with engine.connect() as conn:
        stored = conn.execute(select(visit.c.id, func.count()).group_by(visit.c.id)).all()
        counts = dict(stored)
        notes = dict(conn.execute(select(resident.c.id, resident.c.notes)
                                  .where(resident.c.id.in_(list(tally.notes_acked)))).all()) if tally.notes_acked else {}
    engine.dispose()
    return {
        "visits acknowledged": len(tally.visits_acked),
        "visits stored": sum(counts.values()),
        "acknowledged visits missing": sum(1 for v in tally.visits_acked if v not in counts),
        "visits stored twice": sum(1 for n in counts.values() if n > 1),
        "edits acknowledged (residents)": len(tally.notes_acked),
        "acknowledged edits lost": sum(1 for r, t in tally.notes_acked.items() if notes.get(r) != t),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coordinators", type=int, default=500)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--ramp", type=float, default=120.0, help="seconds over which coordinators arrive")
    parser.add_argument("--concurrency", type=int, default=100, help="coordinators syncing at once, at most")
    parser.add_argument("--pool-size", type=int, default=20, help="pgbouncer server connections")
    parser.add_argument("--deadline", type=float, default=600.0, help="give up after this many seconds")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not 1 <= args.coordinators <= 20_000 or not 1 <= args.servers <= 8:
        parser.error("--coordinators 1..20000, --servers 1..8")
    stack = Stack(servers=args.servers, pool_size=args.pool_size)
    try:
        started = time.perf_counter()
        stack.start()
        people = build_city(create_engine(stack.direct_url), args.coordinators)
        print(f"stack up and city loaded in {time.perf_counter() - started:.1f} s: {args.servers} servers behind "
              f"nginx, pgbouncer (transaction pooling, {args.pool_size} connections), PostgreSQL; "
              f"{len(people)} coordinators", flush=True)
        before = stack.cpu()
        started = time.perf_counter()
        tally = asyncio.run(end_of_day(stack, people, args.ramp, args.concurrency, args.deadline, args.seed))
        wall = time.perf_counter() - started
        after = stack.cpu()
        print(f"\nend of day: {tally.finished}/{len(people)} coordinators done in {wall:.1f} s "
              f"(arrivals over {args.ramp:.0f} s, at most {args.concurrency} at once)")
        print(f"{'request':8} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>7}")
        for kind in ("login", "push", "pull"):
            values = tally.latencies[kind]
            print(f"{kind:8} {len(values):7d} {percentile(values, .5) * 1000:8.0f} {percentile(values, .95) * 1000:8.0f} "
                  f"{percentile(values, .99) * 1000:8.0f} {max(values, default=0) * 1000:8.0f} {tally.errors[kind]:7d}")
        if tally.errors.get("coordinator"):
            print(f"coordinators that gave up: {tally.errors['coordinator']}")
        for sample in tally.error_samples:
            print(f"  error: {sample}")
        print("CPU seconds during the day: " + ", ".join(f"{k} {after[k] - before[k]:.1f}" for k in after))
        counts = check_counts(stack.direct_url, people, tally)
        print("counts: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        lost = counts["acknowledged visits missing"] + counts["visits stored twice"] + counts["acknowledged edits lost"]
        errors = sum(tally.errors.values())
        print(f"result: {errors} errors, {lost} lost or doubled")
        return 0 if lost == 0 else 1
    except Exception:
        print(stack.logs(), file=sys.stderr)
        raise
    finally:
        stack.stop()


if __name__ == "__main__":
    raise SystemExit(main())
