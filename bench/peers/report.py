"""The peer bench's summary per peer and step (medians over runs) and its markdown tables and ratios."""
from __future__ import annotations

import statistics

STEPS = ("a_push", "b_pull", "c_push", "c_pull")
EXTRA_STEPS = ("a_pullback",)
FIGURES = ("seconds", "phone_cpu_s", "server_cpu_s", "db_cpu_s")
PHONE_FIGURES = ("ui_stall_max_ms", "ui_stall_p99_ms", "peak_mb_above_start")  # Doorstep's phone (phone_probe)


def summarize(runs: list[dict], wire: dict | None) -> dict:
    """Per step: the median (and min, max) of each timed figure; rows, requests and bytes of the byte-counting run."""
    out = {}
    for step in STEPS + EXTRA_STEPS:
        seen = [run["steps"][step] for run in runs]
        row: dict = {"runs": len(seen)}
        for key in FIGURES + PHONE_FIGURES:
            values = [s[key] for s in seen if key in s]
            if values:
                row[key] = statistics.median(values)
        row["min_s"], row["max_s"] = min(s["seconds"] for s in seen), max(s["seconds"] for s in seen)
        counted = (wire or runs[0])["steps"][step]
        for key in ("rows", "requests", "bytes_up", "bytes_down", "wire_up", "wire_down"):
            if key in counted:
                row[key] = counted[key]
        out[step] = row
    return out


def _bytes(n: int | None) -> str:
    if n is None:
        return "-"
    if n >= 1e6:
        return f"{n / 1e6:.2f} MB"
    return f"{n / 1e3:.1f} kB" if n >= 1000 else f"{n} B"


def _cpu(row: dict, key: str) -> str:
    return f"{row[key]:.2f}" if key in row else "-"


def step_table(summary: dict[str, dict], steps: tuple[str, ...]) -> str:
    lines = ["| peer | step | seconds | min-max s | rows | requests | up | down | phone CPU s | server CPU s | db CPU s |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for peer, by_step in summary.items():
        for step in steps:
            r = by_step[step]
            spread = f"{r['min_s']:.2f}-{r['max_s']:.2f}" if r["runs"] > 1 else "-"
            lines.append(f"| {peer} | {step} | {r['seconds']:.2f} | {spread} | {r.get('rows', 0):,} | "
                         f"{r.get('requests', 0):,} | {_bytes(r.get('bytes_up'))} | {_bytes(r.get('bytes_down'))} | "
                         f"{_cpu(r, 'phone_cpu_s')} | {_cpu(r, 'server_cpu_s')} | {_cpu(r, 'db_cpu_s')} |")
    return "\n".join(lines)


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else "-"


def ratio_table(summary: dict[str, dict], steps: tuple[str, ...]) -> str | None:
    """Each Doorstep peer's step against the faster PouchDB variant's same step: time, bytes up, bytes down."""
    pouches = [p for p in summary if p.startswith("pouchdb")]
    doorsteps = [p for p in summary if p.startswith("doorstep")]
    if not pouches or not doorsteps:
        return None
    head = "| step | faster PouchDB | its s | " + " | ".join(
        f"{d} s ÷ | {d} up ÷ | {d} down ÷" for d in doorsteps) + " |"
    lines = [head, "|---|---|---:|" + "---:|" * (3 * len(doorsteps))]
    for step in steps:
        best = min(pouches, key=lambda p: summary[p][step]["seconds"])
        ref = summary[best][step]
        cells = []
        for d in doorsteps:
            mine = summary[d][step]
            cells += [_ratio(mine["seconds"], ref["seconds"]), _ratio(mine.get("bytes_up"), ref.get("bytes_up")),
                      _ratio(mine.get("bytes_down"), ref.get("bytes_down"))]
        lines.append(f"| {step} | {best} | {ref['seconds']:.2f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def phone_table(summary: dict[str, dict], steps: tuple[str, ...]) -> str | None:
    """Doorstep's phone during each step: the longest and the 99th-percentile stall of a UI-like thread, and the
    peak memory above the process's size at the step's start (medians over runs)."""
    rows = [(peer, step, by_step[step]) for peer, by_step in summary.items() for step in steps
            if "ui_stall_max_ms" in by_step[step]]
    if not rows:
        return None
    lines = ["| peer | step | longest UI stall ms | p99 UI stall ms | peak MB above start |", "|---|---|---:|---:|---:|"]
    for peer, step, r in rows:
        peak = f"{r['peak_mb_above_start']:.1f}" if "peak_mb_above_start" in r else "-"
        lines.append(f"| {peer} | {step} | {r['ui_stall_max_ms']:.0f} | {r['ui_stall_p99_ms']:.1f} | {peak} |")
    return "\n".join(lines)
