"""Doorstep beside PouchDB on one generated workload, in one run: seconds, CPU and bytes per sync step, and the ratios.

    .venv/bin/python bench/bench_peers.py [--records 10000] [--updates 1000] [--runs 1]
        [--peers pouchdb-memory doorstep-sqlite doorstep-postgresql] [--json OUT] [--workdir bench/.peers]

The workload (bench/peers/workload.py, fixed seed, no clock): ``--records``
residents in households of about 2.5 people in one grid of one coordinator,
with Chinese names, valid ID numbers, phones, addresses, employment and ~300
characters of visit notes; then ``--updates`` of them edited again (new notes,
employment, some phones). Both peers get the same documents (JSON lines).

Steps, each timed on its own (``--timeout`` seconds at most):
  a_push      phone 1 sends every household and resident it holds (saved before, untimed)
  a_pullback  phone 1's pull right after that push (reported apart from the four steps)
  b_pull      a fresh phone 2 pulls everything
  c_push      phone 1 sends the edits (saved before, untimed)
  c_pull      phone 2 pulls exactly those edits
then an untimed check: phone 2 holds every resident and every edit, no outbox left.

Peers:
  doorstep-sqlite, doorstep-postgresql  a real `doorstep serve` of this checkout on a free loopback port, on a
      fresh SQLite file or a fresh PostgreSQL database (127.0.0.1:5432, user postgres; made and dropped here,
      ANALYZEd after bulk loads) per run; the phones are the app's DeviceStore and SyncEngine.
  pouchdb-memory, pouchdb-leveldb  `pouchdb-server` from npm (installed once into WORKDIR/node), in memory or
      on LevelDB, a fresh server per run; the phones are pouchdb-node with in-memory databases, replicate().
      Without node/npm (or when the install fails) the PouchDB peers are skipped, and the bench says so.
Bytes are request and response bodies as they cross the socket (responses compressed as sent): Doorstep's
from SyncEngine.bytes_sent/bytes_received, PouchDB's from one extra run through a counting relay
(bench/peers/wire.py), so the relay is not in PouchDB's times. CPU: phone = the client process, server =
the server process, db = the PostgreSQL backends of the run's database (all from /proc). Ratios divide
each Doorstep step by the faster PouchDB variant's same step. Everything it starts it stops, by PID.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's code, whatever the venv has installed

from peers import doorstep_side, pouch_side  # noqa: E402
from peers.doorstep_server import postgres_reachable  # noqa: E402
from peers.report import EXTRA_STEPS, STEPS, phone_table, ratio_table, step_table, summarize  # noqa: E402
from peers.workload import SEED, generate, write_jsonl  # noqa: E402

PEERS = ("pouchdb-memory", "pouchdb-leveldb", "doorstep-sqlite", "doorstep-postgresql")
DEFAULT_PEERS = ("pouchdb-memory", "doorstep-sqlite", "doorstep-postgresql")


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _stop_on_signal(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds through every `finally`: servers stopped, databases dropped


def run_once(peer: str, i: int, args: argparse.Namespace, workload, files: dict[str, Path]) -> dict:
    """Run ``i`` of one peer on a fresh server and fresh phones."""
    family, kind = peer.split("-", 1)
    say(f"{peer}: run {i} of {args.runs}")
    folder = args.workdir / "runs" / f"{peer}-{i}"
    if family == "doorstep":
        run = doorstep_side.run(kind, workload, folder, args.timeout, lambda m: say(f"  {peer}: {m}"))
    else:
        run = pouch_side.run(kind, args.workdir, files["rows"], files["updates"], folder, args.timeout)
    say(f"{peer}: " + "  ".join(f"{s} {run['steps'][s]['seconds']:.2f}s" for s in STEPS))
    return run


def wire_run(peer: str, args: argparse.Namespace, files: dict[str, Path]) -> dict | None:
    """PouchDB's bytes: one more run through the byte counter (kept out of its timed runs)."""
    family, kind = peer.split("-", 1)
    if family != "pouchdb":
        return None
    say(f"{peer}: one more run through the byte counter")
    return pouch_side.run(kind, args.workdir, files["rows"], files["updates"], args.workdir / "runs" / f"{peer}-wire",
                          args.timeout, metered=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000, help="residents (default 10000)")
    parser.add_argument("--updates", type=int, default=1_000, help="residents edited again (default 1000)")
    parser.add_argument("--runs", type=int, default=1,
                        help="timed runs per peer (default 1), peers taking turns run by run; medians are shown")
    parser.add_argument("--peers", nargs="+", choices=PEERS, default=list(DEFAULT_PEERS), metavar="PEER",
                        help=f"any of {', '.join(PEERS)} (default: {' '.join(DEFAULT_PEERS)})")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / ".peers",
                        help="npm packages, workload files and run folders (default bench/.peers, git-ignored)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds one step may take (default 600)")
    args = parser.parse_args()
    if args.records < 1 or not 0 < args.updates <= args.records or args.runs < 1:
        parser.error("need --records >= 1, 1 <= --updates <= --records and --runs >= 1")
    args.workdir = args.workdir.resolve()
    (args.workdir / "workload").mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGHUP, _stop_on_signal)

    workload = generate(args.records, args.updates)
    files = {"rows": args.workdir / "workload" / "rows.jsonl", "updates": args.workdir / "workload" / "updates.jsonl"}
    hashes = {name: write_jsonl(path, getattr(workload, name)) for name, path in files.items()}
    sizes = {name: path.stat().st_size for name, path in files.items()}
    say(f"workload (seed {SEED}): {workload.residents:,} residents in {workload.households:,} households, "
        f"{sizes['rows'] / 1e6:.1f} MB; {len(workload.updates):,} edits, {sizes['updates'] / 1e6:.1f} MB")

    skipped: dict[str, str] = {}
    if any(p.startswith("pouchdb") for p in args.peers):
        why = pouch_side.install(args.workdir, say)
        if why:
            skipped.update({p: f"PouchDB not run: {why}" for p in args.peers if p.startswith("pouchdb")})
    if "doorstep-postgresql" in args.peers:
        why = postgres_reachable()
        if why:
            skipped["doorstep-postgresql"] = f"PostgreSQL at 127.0.0.1:5432 not reachable: {why}"
    for peer, why in skipped.items():
        say(f"skipping {peer}: {why}")

    # Round by round (run 1 of every peer, then run 2, ...): a machine that speeds up or slows down during
    # the bench weighs on every peer alike, so the ratios hold.
    runs: dict[str, list[dict]] = {peer: [] for peer in args.peers if peer not in skipped}
    wires: dict[str, dict | None] = {}
    for i in range(1, args.runs + 1):
        for peer in [p for p in runs if p not in skipped]:
            try:
                runs[peer].append(run_once(peer, i, args, workload, files))
                if i == args.runs:
                    wires[peer] = wire_run(peer, args, files)
            except Exception as error:  # one peer's failure is reported; the others still run
                skipped[peer] = f"failed: {type(error).__name__}: {error}"
                say(f"{peer} {skipped[peer]} (its folder under {args.workdir / 'runs'} is kept)")
    results = {peer: {"runs": done, "wire": wires.get(peer), "summary": summarize(done, wires.get(peer))}
               for peer, done in runs.items() if peer not in skipped}
    summary = {peer: r["summary"] for peer, r in results.items()}

    print(f"\n{workload.residents:,} residents + {workload.households:,} households "
          f"({len(workload.rows):,} rows, {sizes['rows'] / 1e6:.1f} MB), {len(workload.updates):,} edits; "
          f"{args.runs} run(s) per peer, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}\n")
    if summary:
        print(step_table(summary, STEPS) + "\n")
        print("The pusher's own pull right after its push (part of one sync on Doorstep):\n")
        print(step_table(summary, EXTRA_STEPS) + "\n")
        ratios = ratio_table(summary, STEPS + EXTRA_STEPS)
        if ratios:
            print("Doorstep ÷ the faster PouchDB (above 1: Doorstep is slower or sends more):\n")
            print(ratios + "\n")
        feel = phone_table(summary, STEPS)
        if feel:
            print("Doorstep's phone during each step (a thread that wakes every 10 ms, as the app's screens do "
                  "beside the sync's worker thread; memory above the phone process's size at the step's start):\n")
            print(feel + "\n")
    for peer, why in skipped.items():
        print(f"{peer}: {why}")
    if args.json:
        meta = {"records": args.records, "updates": args.updates, "runs": args.runs, "seed": SEED,
                "workload_sha256": hashes, "workload_bytes": sizes, "cores": os.cpu_count(),
                "load_after": os.getloadavg(), "python": platform.python_version(), "skipped": skipped,
                "pouchdb_versions": pouch_side.versions(args.workdir) if any(
                    p.startswith("pouchdb") for p in results) else {}}
        args.json.write_text(json.dumps({"meta": meta, "peers": results}, indent=1, ensure_ascii=False))
        say(f"figures written to {args.json}")
    return 1 if any(why.startswith("failed") for why in skipped.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
