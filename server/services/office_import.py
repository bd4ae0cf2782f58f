"""Importing the office's area tree and staff from spreadsheets: a plan first (what would change), then one transaction.

Rules, so that importing a file twice changes nothing:
- an area is the same area when its level, parent and code agree (its name
  when the row gives no code); a changed name or statistical code is updated;
- a user is the same user when the user name agrees; an existing user keeps
  their password (a one-time password goes only to new accounts), and their
  areas become the file's;
- a grid has one responsible coordinator: a grid given to a coordinator is
  taken from whoever held it (``grid_assignment.move_grid``); a file giving
  one grid to two people is an error.

A file with any bad row stores nothing unless ``skip_bad_rows`` (then the
good rows are stored and the bad ones listed). New areas go into the change
log, so phones pull them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.engine import Engine

from server.demo.rows import stamp_rows
from server.security import hash_password, one_time_password
from server.services.assignments import set_user_areas
from server.services.audit import record_event
from server.services.change_log import LogEntry, record_changes
from server.services.grid_assignment import move_grid
from server.services.ledger_parse import RowError
from server.services.office_sheets import (
    AREA_COLUMNS,
    AREA_REQUIRED,
    ROLES,
    STAFF_COLUMNS,
    STAFF_REQUIRED,
    STAT_CODE,
    USERNAME,
    BadCell,
    bad,
    cell,
    is_yes,
    read_sheet,
    split_areas,
)
from shared.hlc import HybridClock
from shared.models import Area, UserAccount, UserArea, new_id
from shared.vocab import AreaLevel, Role

_AREA, _USER, _USER_AREA = Area.__table__, UserAccount.__table__, UserArea.__table__
LEVELS = ("district", "street", "community", "grid")
LEVEL_ZH = {"district": "区县", "street": "街道", "community": "社区", "grid": "网格"}
ROLE_ZH = {"coordinator": "协管员", "manager": "管理员", "admin": "系统管理员"}
# which area levels each role may hold (server.services.accounts.ROLE_AREA_LEVELS)
ROLE_LEVELS = {"coordinator": {"grid", "community"}, "manager": {"community", "street", "district"},
               "admin": set(LEVELS)}
SETUP_DEVICE = "office-setup"


@dataclass
class Plan:
    """What a file would change: lines of Chinese for people, errors by line and column, and the work to do."""

    changes: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    unchanged: int = 0
    passwords: list[tuple[str, str, str]] = field(default_factory=list)  # (username, display name, one-time)
    work: list = field(default_factory=list)

    @property
    def bad_lines(self) -> int:
        return len({e.line for e in self.errors})


# --- areas ------------------------------------------------------------------------------------


def _existing_areas(conn: Connection) -> dict[tuple, dict]:
    """(level, parent id, code or name) -> the area."""
    found: dict[tuple, dict] = {}
    for row in conn.execute(select(_AREA).where(_AREA.c.deleted.is_(False))).mappings():
        row = dict(row)
        if row["code"]:
            found[(row["level"], row["parent_id"], "code", row["code"])] = row
        found[(row["level"], row["parent_id"], "name", row["name"])] = row
    return found


def plan_areas(conn: Connection, path: Path) -> Plan:
    """Read the areas file and compare it with the database (reads only)."""
    sheet = read_sheet(path, AREA_COLUMNS, AREA_REQUIRED)
    existing = _existing_areas(conn)
    conn.commit()
    plan = Plan()
    planned: dict[tuple, dict] = {}  # (level, parent key, name) -> the area as the file says it (first line)
    for line, raw in sheet.rows:
        try:
            plan.errors += _plan_area_row(plan, line, raw, existing, planned)
        except BadCell as error:
            plan.errors.append(bad(line, AREA_COLUMNS, error.key, "text.control_char", "含有不可见的控制字符"))
    return plan


def _plan_area_row(plan: Plan, line: int, raw: dict, existing: dict, planned: dict) -> list[RowError]:
    errors = []
    path = []
    for level in LEVELS:
        name = cell(raw, level)
        code = cell(raw, f"{level}_code", code=True)
        stat = cell(raw, f"{level}_stat", code=True) if level != "grid" else ""
        if not name:
            if level != "grid":
                errors.append(bad(line, AREA_COLUMNS, level, "required", f"请填写{LEVEL_ZH[level]}名称"))
            elif code:
                errors.append(bad(line, AREA_COLUMNS, level, "required", "填写了网格代码，请同时填写网格名称"))
            break
        if len(name) > 100:
            errors.append(bad(line, AREA_COLUMNS, level, "too_long", "名称不能超过 100 个字"))
        if len(code) > 32:
            errors.append(bad(line, AREA_COLUMNS, f"{level}_code", "too_long", "代码不能超过 32 个字符"))
        if stat and not STAT_CODE.match(stat):
            errors.append(bad(line, AREA_COLUMNS, f"{level}_stat", "stat_code.format",
                              "统计用区划代码应为 12 位数字"))
        path.append({"level": level, "name": name, "code": code, "stat_code": stat})
    if errors:
        return errors
    for parent, child, digits in zip(path, path[1:], (6, 9, 12), strict=False):
        if parent["stat_code"] and child["stat_code"] and parent["stat_code"][:digits] != child["stat_code"][:digits]:
            return [bad(line, AREA_COLUMNS, f"{child['level']}_stat", "stat_code.parent",
                        f"统计代码的前 {digits} 位应与所属{LEVEL_ZH[parent['level']]}的统计代码相同")]
    relocated = is_yes(cell(raw, "relocated"))
    keys, parent_key = [], None
    for item in path:  # check the whole row against earlier lines first: a bad row plans nothing
        key = (item["level"], parent_key, item["name"])
        seen = planned.get(key)
        clash = [k for k in ("code", "stat_code") if seen and item[k] and seen[k] and item[k] != seen[k]]
        if clash:
            column = f"{item['level']}_{'code' if clash[0] == 'code' else 'stat'}"
            return [bad(line, AREA_COLUMNS, column, "area.disagrees",
                        f"与第 {seen['line']} 行同一{LEVEL_ZH[item['level']]}的代码不一致")]
        keys.append((key, parent_key))
        parent_key = key
    for item, (key, parent) in zip(path, keys, strict=True):
        seen = planned.get(key)
        if seen is None:
            seen = planned[key] = {**item, "line": line, "parent": parent, "relocated": False}
            plan.work.append(seen)
        for k in ("code", "stat_code"):
            seen[k] = seen[k] or item[k]
        if item["level"] == "community" and relocated:
            seen["relocated"] = True
    return []


def _resolve_area_plan(plan: Plan, existing: dict) -> None:
    """Match the planned areas with the database, in tree order, and say what changes."""
    ids: dict[tuple, str | None] = {None: None}
    for item in plan.work:
        parent_id = ids[item["parent"]]
        found = None
        if parent_id is not None or item["parent"] is None:
            if item["code"]:
                found = existing.get((item["level"], parent_id, "code", item["code"]))
            found = found or existing.get((item["level"], parent_id, "name", item["name"]))
        item["existing"] = found
        key = (item["level"], item["parent"], item["name"])
        where = LEVEL_ZH[item["level"]] + f"「{item['name']}」"
        if found is None:
            item["id"] = new_id()
            plan.changes.append(f"新建{where}" + (f"（代码 {item['code']}）" if item["code"] else ""))
        else:
            item["id"] = found["id"]
            diff = {k: item[k] for k in ("name", "code", "stat_code") if item[k] and item[k] != found[k]}
            if item["level"] == "community" and item["relocated"] and not found["relocated"]:
                diff["relocated"] = True
            item["diff"] = diff
            if diff:
                plan.changes.append(f"更新{where}：" + "、".join({"name": "名称", "code": "代码", "stat_code": "统计代码",
                                                                  "relocated": "棚改回迁"}[k] for k in diff))
            else:
                plan.unchanged += 1
        ids[key] = item["id"]


def import_areas(engine: Engine, path: Path, *, now: datetime, dry_run: bool = False,
                 skip_bad_rows: bool = False) -> Plan:
    """Plan the areas file and, unless ``dry_run`` or it has errors (and not ``skip_bad_rows``), store it.

    A bad row plans nothing, so ``skip_bad_rows`` stores exactly the good rows' areas."""
    with engine.connect() as conn:
        plan = plan_areas(conn, path)
        _resolve_area_plan(plan, _existing_areas(conn))
        conn.commit()
    if dry_run or (plan.errors and not skip_bad_rows):
        return plan
    with engine.begin() as conn:
        _store_areas(conn, plan, now)
    return plan


def _store_areas(conn: Connection, plan: Plan, now: datetime) -> None:
    clock = HybridClock(SETUP_DEVICE)
    stamp = clock.tick(int(now.timestamp() * 1000))
    by_key = {(i["level"], i["parent"], i["name"]): i for i in plan.work}
    new_rows, entries = [], []
    for item in plan.work:
        ancestors = {"district_id": None, "street_id": None, "community_id": None}
        parent = by_key.get(item["parent"])
        while parent is not None:
            ancestors[f"{parent['level']}_id"] = parent["id"]
            parent = by_key.get(parent["parent"])
        if item["level"] == "district":
            ancestors["district_id"] = item["id"]
        parent_id = by_key[item["parent"]]["id"] if item["parent"] else None
        if item["existing"] is None:
            new_rows.append({"id": item["id"], "version": 0, "deleted": False, "updated_by": None,
                             "level": item["level"], "name": item["name"], "code": item["code"],
                             "stat_code": item["stat_code"], "parent_id": parent_id,
                             "relocated": item["relocated"], **ancestors})
        elif item.get("diff"):
            stamps = dict(item["existing"]["stamps"] or {})
            for value in stamps.values():
                clock.observe(value)
            later = clock.tick(int(now.timestamp() * 1000))
            stamps.update({k: later for k in item["diff"] if k != "stat_code"})
            conn.execute(update(_AREA).where(_AREA.c.id == item["id"]).values(**item["diff"], stamps=stamps))
        else:
            continue
        entries.append(LogEntry("area", item["id"], district_id=ancestors["district_id"]))
    if new_rows:
        stamp_rows("area", new_rows, stamp)
        conn.execute(insert(_AREA), new_rows)
    if entries:
        record_changes(conn, entries)
        record_event(conn, "area.import", table_name="area", detail={
            "created": len(new_rows), "updated": len(entries) - len(new_rows)}, at=now)


# --- staff ----------------------------------------------------------------------------------------


def _area_lookup(conn: Connection) -> dict[str, list[dict]]:
    """Code or name -> the areas so called (a name may be ambiguous; codes should not be)."""
    found: dict[str, list[dict]] = {}
    for row in conn.execute(select(_AREA.c.id, _AREA.c.level, _AREA.c.name, _AREA.c.code)
                            .where(_AREA.c.deleted.is_(False))).mappings():
        for label in {row["code"], row["name"]} - {""}:
            found.setdefault(label, []).append(dict(row))
    return found


def plan_staff(conn: Connection, path: Path) -> Plan:
    sheet = read_sheet(path, STAFF_COLUMNS, STAFF_REQUIRED)
    areas = _area_lookup(conn)
    users = {u["username"]: dict(u) for u in conn.execute(select(_USER)).mappings()}
    held: dict[str, set[str]] = {}
    for user_id, area_id in conn.execute(select(_USER_AREA.c.user_id, _USER_AREA.c.area_id)):
        held.setdefault(user_id, set()).add(area_id)
    conn.commit()
    plan = Plan()
    seen_names: dict[str, int] = {}
    grid_lines: dict[str, int] = {}
    for line, raw in sheet.rows:
        try:
            errors = _plan_staff_row(plan, line, raw, areas, users, held, seen_names, grid_lines)
        except BadCell as error:
            errors = [bad(line, STAFF_COLUMNS, error.key, "text.control_char", "含有不可见的控制字符")]
        plan.errors += errors
    return plan


def _plan_staff_row(plan, line, raw, areas, users, held, seen_names, grid_lines) -> list[RowError]:
    username = cell(raw, "username", code=True).lower()
    display = cell(raw, "display_name")
    role = ROLES.get(cell(raw, "role").lower())
    errors = []
    if not USERNAME.match(username):
        errors.append(bad(line, STAFF_COLUMNS, "username", "username.format",
                          "用户名应为 3 到 64 位的英文字母、数字或 . _ -"))
    elif username in seen_names:
        errors.append(bad(line, STAFF_COLUMNS, "username", "username.duplicate_in_file",
                          f"与第 {seen_names[username]} 行的用户名重复"))
    if not display or len(display) > 64:
        errors.append(bad(line, STAFF_COLUMNS, "display_name", "required", "请填写姓名（不超过 64 个字）"))
    if role is None:
        errors.append(bad(line, STAFF_COLUMNS, "role", "role.unknown", "角色应为 协管员、管理员 或 系统管理员"))
    area_ids = []
    for label in split_areas(cell(raw, "areas", code=True)):
        found = areas.get(label, [])
        if not found:
            errors.append(bad(line, STAFF_COLUMNS, "areas", "area.unknown", f"找不到区域「{label}」（先导入区域）"))
        elif len(found) > 1:
            errors.append(bad(line, STAFF_COLUMNS, "areas", "area.ambiguous", f"有多个叫「{label}」的区域，请填写代码"))
        elif role and found[0]["level"] not in ROLE_LEVELS[role]:
            errors.append(bad(line, STAFF_COLUMNS, "areas", "area.level",
                              f"{ROLE_ZH[role]}不能负责{LEVEL_ZH[found[0]['level']]}「{label}」"))
        else:
            area_ids.append(found[0]["id"])
            if role == "coordinator" and found[0]["level"] == "grid":
                if found[0]["id"] in grid_lines:
                    errors.append(bad(line, STAFF_COLUMNS, "areas", "grid.taken_in_file",
                                      f"网格「{label}」已在第 {grid_lines[found[0]['id']]} 行分给别人：一个网格只有一个责任人"))
    if not area_ids and not errors and role != "admin":
        errors.append(bad(line, STAFF_COLUMNS, "areas", "required", "请填写负责区域（网格、社区或街道的代码或名称）"))
    if errors:
        return errors
    seen_names[username] = line
    if role == "coordinator":
        for area_id in area_ids:
            grid_lines.setdefault(area_id, line)
    area_ids = sorted(set(area_ids))
    found = users.get(username)
    if found is None:
        plan.changes.append(f"新建账号 {username}（{ROLE_ZH[role]}，{len(area_ids)} 个区域）")
        plan.work.append({"line": line, "username": username, "display_name": display, "role": role,
                          "area_ids": area_ids, "existing": None})
        return []
    diff = []
    if found["display_name"] != display:
        diff.append("姓名")
    if found["role"] != role:
        diff.append("角色")
    if held.get(found["id"], set()) != set(area_ids):
        diff.append("负责区域")
    if diff:
        plan.changes.append(f"更新账号 {username}：" + "、".join(diff) + "（密码不变）")
        plan.work.append({"line": line, "username": username, "display_name": display, "role": role,
                          "area_ids": area_ids, "existing": found})
    else:
        plan.unchanged += 1
    return []


def import_staff(engine: Engine, path: Path, *, now: datetime, dry_run: bool = False,
                 skip_bad_rows: bool = False) -> Plan:
    """Plan the staff file and, unless ``dry_run`` or it has errors (and not ``skip_bad_rows``), store it.

    New accounts get one-time passwords (``plan.passwords``), to be changed at the first sign-in.
    """
    with engine.connect() as conn:
        plan = plan_staff(conn, path)
    if dry_run or (plan.errors and not skip_bad_rows):
        return plan
    with engine.begin() as conn:
        for item in plan.work:
            _store_user(conn, plan, item, now)
    return plan


def _store_user(conn: Connection, plan: Plan, item: dict, now: datetime) -> None:
    if item["existing"] is None:
        user_id, password = new_id(), one_time_password()
        conn.execute(insert(_USER).values(id=user_id, username=item["username"], display_name=item["display_name"],
                                          role=item["role"], password_hash=hash_password(password), active=True,
                                          must_change_password=True, created_at=now))
        plan.passwords.append((item["username"], item["display_name"], password))
        action = "user.create"
    else:
        user_id = item["existing"]["id"]
        conn.execute(update(_USER).where(_USER.c.id == user_id)
                     .values(display_name=item["display_name"], role=item["role"]))
        action = "user.update"
    if item["role"] == Role.coordinator.value:
        levels = dict(conn.execute(select(_AREA.c.id, _AREA.c.level).where(_AREA.c.id.in_(item["area_ids"]))).all())
        for area_id in item["area_ids"]:
            if levels.get(area_id) == AreaLevel.grid.value:
                move_grid(conn, area_id, user_id, at=now)  # the grid's one responsible coordinator
    # the rest of the assignment, with what the user's phone leaves and joins (server.services.assignments)
    set_user_areas(conn, user_id, item["area_ids"], at=now)
    record_event(conn, action, table_name="user_account", row_id=user_id,
                 detail={"role": item["role"], "areas": len(item["area_ids"]), "source": "import-staff"}, at=now)
