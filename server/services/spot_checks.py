"""Spot checks (抽查): communities drawn, people drawn within them, the call list, the results and their summary.

As the seeds' inspectors do (they visit a sample of communities, 20 of 138,
and call or visit about 1% of the registered unemployed there during the
on-site assessment), a sample with ``community_share`` first draws that share
of the area's communities, then about ``rate`` of the registered unemployed
in P of each drawn community; without it, people are drawn from the whole
area. Draws use ``random.Random(seed)`` over ids sorted, so the same seed over
the same population draws the same communities and people; the seed is stored
on every drawn row and in the audit event. About ``rate`` is rounded half up,
at least one per community with anyone to draw.

A result is confirmed (属实: reached, the service recorded is what the resident
says), not_confirmed (有出入: reached, a discrepancy, noted) or unreachable;
the resident may rate the service 1–5 (optional). ``sample_summary`` adds
them up per community and per coordinator (``shared.report_tallies``).
"""
from __future__ import annotations

import csv
import io
import random
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from sqlalchemy import Connection, insert, select, update

from server.errors import ApiError
from server.services.audit import record_event
from server.services.coverage import covers, visible_areas
from server.services.coverage_lists import Grids, address_of
from server.services.coverage_sql import HOUSEHOLD, RESIDENT, in_ids, resident_rows
from server.services.scope import Scope
from shared import coverage as cov
from shared import report_tallies as tally
from shared.models import Area, SpotCheck, new_id

SPOT = SpotCheck.__table__
AREA = Area.__table__
METHODS = ("phone", "home")
COMMUNITY = "community"  # ``method`` of a drawn community (its id is stored as ``resident_id``)
RESULTS = ("confirmed", "not_confirmed", "unreachable")
LABELS_ZH = {"phone": "电话核查", "home": "入户核查", COMMUNITY: "社区抽查", "confirmed": "属实",
             "not_confirmed": "有出入", "unreachable": "联系不上", None: ""}


def sample_size(population: int, rate: float) -> int:
    """About ``rate`` of the population, rounded half up, at least 1 (0 only for an empty population)."""
    if population == 0:
        return 0
    return min(population, max(1, int(population * rate + 0.5)))


def draw(population: Sequence[str], rate: float, seed: int) -> list[str]:
    """The drawn ids, in drawing order; the same seed and population give the same draw."""
    ordered = sorted(population)
    return random.Random(seed).sample(ordered, sample_size(len(ordered), rate))


def draw_sample(conn: Connection, scope: Scope, area_id: str, period: cov.Period, *, user_id: str, now: datetime,
                rate: float = 0.01, community_share: float | None = None, seed: int | None = None,
                method: str = "phone") -> dict[str, Any]:
    """Draw and record a sample of the registered unemployed in P (and optionally a share of the communities)."""
    if method not in METHODS:
        raise ApiError(422, "spot_check.method", "The method is phone or home.")
    grids = Grids(conn, scope, area_id)
    seed = secrets.randbelow(2**31) if seed is None else seed
    population: list[str] = []
    if grids.ids:
        rows = resident_rows(grids.ids, period)
        population = list(conn.execute(rows.query.with_only_columns(rows.person.c.id).where(rows.columns["base"]))
                          .scalars())
    communities = sorted(a["id"] for a in grids.areas.values() if a["level"] == COMMUNITY)
    drawn_communities = draw(communities, community_share, seed) if community_share else []
    if community_share:  # people within the communities drawn, about ``rate`` of each
        community_of = dict(conn.execute(select(RESIDENT.c.id, RESIDENT.c.community_id)
                                         .where(in_ids(RESIDENT.c.id, population, "ids"))).all()) if population else {}
        grid_community = {a["id"]: a["community_id"] or a["parent_id"] for a in grids.areas.values()
                          if a["level"] == "grid"}
        grid_of = dict(conn.execute(select(RESIDENT.c.id, RESIDENT.c.grid_id)
                                    .where(in_ids(RESIDENT.c.id, population, "ids"))).all()) if population else {}
        members: dict[str, list[str]] = {}
        for rid in population:
            members.setdefault(community_of.get(rid) or grid_community.get(grid_of.get(rid)), []).append(rid)
        picked = [(rid, cid) for cid in drawn_communities for rid in draw(members.get(cid, []), rate, seed)]
        population = [rid for cid in drawn_communities for rid in members.get(cid, [])]
    else:
        picked = [(rid, None) for rid in draw(population, rate, seed)]
    people = [rid for rid, _ in picked]
    sample_id = new_id()
    rows = [{"id": new_id(), "sample_id": sample_id, "resident_id": rid, "area_id": area_id, "seed": seed,
             "drawn_at": now, "method": method, "community_id": cid} for rid, cid in picked]
    rows += [{"id": new_id(), "sample_id": sample_id, "resident_id": cid, "area_id": area_id, "seed": seed,
              "drawn_at": now, "method": COMMUNITY, "community_id": cid} for cid in drawn_communities]
    if rows:
        conn.execute(insert(SPOT), rows)
    record_event(conn, "spot_check.draw", user_id=user_id, table_name="spot_check", row_id=sample_id, at=now, detail={
        "area_id": area_id, "period": period.as_dict(), "seed": seed, "rate": rate, "population": len(population),
        "drawn": len(people), "community_share": community_share, "communities": len(communities),
        "drawn_communities": len(drawn_communities)})
    conn.commit()
    return {"sample_id": sample_id, "seed": seed, "population": len(population), "drawn": len(people),
            "communities": len(communities), "drawn_communities": len(drawn_communities)}


def _sample_rows(conn: Connection, scope: Scope, sample_id: str) -> list[Any]:
    rows = conn.execute(select(SPOT).where(SPOT.c.sample_id == sample_id).order_by(SPOT.c.drawn_at, SPOT.c.id)) \
        .mappings().all()
    if not rows:
        raise ApiError(404, "not_found", "Sample not found.")
    visible_areas(conn, scope, rows[0]["area_id"])  # 403 unless the sample's area is the caller's
    return rows


def sample_items(conn: Connection, scope: Scope, sample_id: str) -> dict[str, Any]:
    """The drawn people (name, phone, address, community, grid, coordinators) and communities, with results."""
    rows = _sample_rows(conn, scope, sample_id)
    grids = Grids(conn, scope, rows[0]["area_id"])
    people = {r["id"]: r for r in conn.execute(
        select(RESIDENT, HOUSEHOLD.c.address, HOUSEHOLD.c.building, HOUSEHOLD.c.unit, HOUSEHOLD.c.room)
        .join(HOUSEHOLD, HOUSEHOLD.c.id == RESIDENT.c.household_id)
        .where(RESIDENT.c.id.in_([r["resident_id"] for r in rows if r["method"] != COMMUNITY]))).mappings()}
    items = []
    for row in rows:
        item = {"id": row["id"], "kind": "community" if row["method"] == COMMUNITY else "person",
                "method": row["method"], "result": row["result"], "notes": row["notes"], "rating": row["rating"],
                "verified_at": row["verified_at"].isoformat() if row["verified_at"] else None}
        if row["method"] == COMMUNITY:
            item.update(community_id=row["resident_id"], community=grids.name(row["resident_id"]))
        else:
            person = people.get(row["resident_id"])
            if person is None or not scope.allows_grid(person["grid_id"]):
                item.update(resident_id=row["resident_id"], name="", phone="", address="", community="", grid="",
                            coordinators=[])
            else:
                item.update(resident_id=person["id"], name=person["name"], phone=person["phone"] or "",
                            address=address_of(person), grid=grids.name(person["grid_id"]),
                            community=grids.community_name(person["grid_id"]),
                            coordinators=grids.coordinator_names(person["grid_id"]))
        items.append(item)
    items.sort(key=lambda i: (i["kind"] != "person", i["community"], i.get("grid", ""), i.get("address", ""),
                              i["id"]))
    first = rows[0]
    return {"sample_id": sample_id, "seed": first["seed"], "area_id": first["area_id"],
            "drawn_at": first["drawn_at"].isoformat(), "items": items}


def list_samples(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    """The samples drawn in areas the caller covers, newest first, with how many were verified."""
    rows = conn.execute(select(SPOT.c.sample_id, SPOT.c.area_id, SPOT.c.seed, SPOT.c.drawn_at, SPOT.c.result,
                               AREA.c.id, AREA.c.parent_id, AREA.c.community_id, AREA.c.street_id,
                               AREA.c.district_id, AREA.c.name)
                        .join(AREA, AREA.c.id == SPOT.c.area_id)).mappings().all()
    samples: dict[str, dict[str, Any]] = {}
    for row in rows:
        if not covers(scope, row):
            continue
        sample = samples.setdefault(row["sample_id"], {
            "sample_id": row["sample_id"], "area_id": row["area_id"], "area": row["name"], "seed": row["seed"],
            "drawn_at": row["drawn_at"].isoformat(), "drawn": 0, "verified": 0})
        sample["drawn"] += 1
        sample["verified"] += row["result"] is not None
    return sorted(samples.values(), key=lambda s: s["drawn_at"], reverse=True)


def record_result(conn: Connection, scope: Scope, item_id: str, *, result: str, notes: str, user_id: str,
                  now: datetime, method: str | None = None, rating: int | None = None) -> dict[str, Any]:
    """Record the outcome of one verification, and the resident's 1–5 rating if given (recording again corrects it)."""
    if result not in RESULTS:
        raise ApiError(422, "spot_check.result", "The result is confirmed, not_confirmed or unreachable.")
    if rating is not None and (result == "unreachable" or not 1 <= rating <= 5):
        raise ApiError(422, "spot_check.rating", "A rating is 1 to 5, from a resident who was reached.")
    row = conn.execute(select(SPOT).where(SPOT.c.id == item_id)).mappings().first()
    if row is None:
        raise ApiError(404, "not_found", "Spot check not found.")
    visible_areas(conn, scope, row["area_id"])
    values = {"result": result, "notes": notes, "verified_by": user_id, "verified_at": now, "rating": rating}
    if method is not None and row["method"] != COMMUNITY:
        if method not in METHODS:
            raise ApiError(422, "spot_check.method", "The method is phone or home.")
        values["method"] = method
    conn.execute(update(SPOT).where(SPOT.c.id == item_id).values(**values))
    record_event(conn, "spot_check.result", user_id=user_id, table_name="spot_check", row_id=item_id, at=now,
                 detail={"result": result, "rated": rating is not None})
    conn.commit()
    return {"id": item_id, "result": result, "verified_at": now.isoformat()}


def sample_summary(sample: dict[str, Any]) -> dict[str, Any]:
    """A sample's results per community and per coordinator: drawn, checked, reached, confirmed, discrepancies, ratings."""
    groups: dict[str, dict[str, tally.SpotCheckSummary]] = {"communities": {}, "coordinators": {}}
    for item in sample["items"]:
        if item["kind"] != "person":
            continue
        summary = tally.spot_check_summary(item)
        keys = {"communities": [item["community"]], "coordinators": item["coordinators"] or ["（未分配）"]}
        for group, names in keys.items():
            for name in names:
                groups[group][name] = groups[group].get(name, tally.SpotCheckSummary()) + summary
    total = sum((s for s in groups["communities"].values()), tally.SpotCheckSummary())

    def shaped(s: tally.SpotCheckSummary) -> dict[str, Any]:
        return {"drawn": s.drawn, "checked": s.checked, "reached": s.reached, "confirmed": s.confirmed,
                "discrepancies": s.discrepancies, "reached_rate": s.reached_rate.as_dict(),
                "confirmed_rate": s.confirmed_rate.as_dict(), "ratings": s.ratings,
                "average_rating": s.average_rating}

    return {"sample_id": sample["sample_id"], "total": shaped(total),
            **{group: [{"name": name, **shaped(s)} for name, s in sorted(items.items())]
               for group, items in groups.items()}}


CALL_LIST_HEADERS = ("类型", "姓名", "手机号", "地址", "社区", "网格", "协管员", "核查方式", "核查结果", "居民评价", "备注")


def call_list_rows(sample: dict[str, Any]) -> list[list[str]]:
    rows = []
    for item in sample["items"]:
        if item["kind"] == "community":
            rows.append(["社区", "", "", "", item["community"], "", "", LABELS_ZH[COMMUNITY],
                         LABELS_ZH[item["result"]], "", item["notes"]])
        else:
            rows.append(["个人", item["name"], item["phone"], item["address"], item["community"], item["grid"],
                         "、".join(item["coordinators"]), LABELS_ZH[item["method"]], LABELS_ZH[item["result"]],
                         item["rating"] or "", item["notes"]])
    return rows


def call_list_csv(sample: dict[str, Any]) -> bytes:
    """The call list as CSV, UTF-8 with a byte-order mark so that Excel shows the Chinese right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CALL_LIST_HEADERS)
    writer.writerows(call_list_rows(sample))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def call_list_xlsx(sample: dict[str, Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "抽查名单"
    sheet.append(list(CALL_LIST_HEADERS))
    for row in call_list_rows(sample):
        sheet.append(row)
    sheet.append([])
    sheet.append(["随机种子", str(sample["seed"]), "抽取时间", sample["drawn_at"]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
