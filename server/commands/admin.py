"""``doorstep admin init|status|import-areas|import-staff``: set up a street office from an empty database."""
from __future__ import annotations

import argparse

from server.commands import add_url_option, database_url

PASSWORD_ENV = "DOORSTEP_ADMIN_PASSWORD"


def register(subparsers: argparse._SubParsersAction) -> None:
    admin = subparsers.add_parser("admin", help="set up the office: first administrator, areas, staff")
    actions = admin.add_subparsers(dest="admin_command", required=True)
    init = actions.add_parser(
        "init", help="create the first administrator (password asked twice, or from $DOORSTEP_ADMIN_PASSWORD)",
        description="Creates the schema of a new SQLite database if needed, then the server's administrator. "
                    "Running it again changes nothing.")
    init.add_argument("--username", default="admin", help="the administrator's user name (default admin)")
    init.add_argument("--display-name", default="系统管理员", help="the name shown in the app")
    add_url_option(init)
    init.set_defaults(handler=_init)
    status = actions.add_parser("status", help="how far the set-up has come, and what to do next")
    add_url_option(status)
    status.set_defaults(handler=_status)
    for name, what, template in (("import-areas", "the area tree (district / street / community / grid)",
                                  "docs/areas-template.xlsx"),
                                 ("import-staff", "coordinators and managers with their areas",
                                  "docs/staff-template.xlsx")):
        sub = actions.add_parser(name, help=f"import {what} from .xlsx or .csv (template {template})",
                                 description="Idempotent. A file with a bad row stores nothing (unless "
                                             "--skip-bad-rows). Exit status: 0 done, 1 bad rows, 2 unreadable file.")
        sub.add_argument("file")
        sub.add_argument("--dry-run", action="store_true", help="show what would change, store nothing")
        sub.add_argument("--skip-bad-rows", action="store_true", help="store the good rows, list the bad ones")
        if name == "import-staff":
            sub.add_argument("--passwords-file", help="write the new accounts' one-time passwords to this file "
                                                      "(readable only by you) instead of printing them")
        add_url_option(sub)
        sub.set_defaults(handler=_import_areas if name == "import-areas" else _import_staff)


def _engine(args: argparse.Namespace):
    """The database engine, the schema made first on a SQLite file; None (said why) when it is not ready."""
    import sys

    from server import migrate
    from server.db import make_engine
    from server.settings import get_settings

    url = database_url(args)
    if migrate.current_revision(url) != migrate.head_revision():
        if not get_settings(database_url=url).is_sqlite:
            print("数据库结构不是最新：先运行 `doorstep db upgrade`", file=sys.stderr)
            return None
        migrate.upgrade(url)
    return make_engine(url)


def _ask_password() -> str | None:
    import getpass
    import os
    import sys

    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if not sys.stdin.isatty():
        print(f"请在终端中运行以输入密码，或通过环境变量 {PASSWORD_ENV} 提供", file=sys.stderr)
        return None
    first = getpass.getpass("管理员密码（至少 8 位）：")
    if getpass.getpass("再输入一次：") != first:
        print("两次输入的密码不一致，未做任何更改", file=sys.stderr)
        return None
    return first


def _init(args: argparse.Namespace) -> int:
    import sys

    from server.errors import ApiError
    from server.services.office_setup import AdminExists, create_first_admin, next_steps, setup_status
    from shared.models import utc_now

    engine = _engine(args)
    if engine is None:
        return 2
    try:
        with engine.connect() as conn:
            status = setup_status(conn)
        if status.admins:
            print(f"已有系统管理员（{'、'.join(status.admins)}）：未做任何更改。")
        else:
            password = _ask_password()
            if password is None:
                return 2
            try:
                create_first_admin(engine, args.username.strip().lower(), args.display_name, password, now=utc_now())
            except ApiError:
                print("密码至少 8 位：未做任何更改", file=sys.stderr)
                return 2
            except AdminExists:
                print("已有系统管理员：未做任何更改。")
            else:
                print(f"已创建系统管理员 {args.username.strip().lower()}。")
        with engine.connect() as conn:
            status = setup_status(conn)
    finally:
        engine.dispose()
    _print_steps(next_steps(status))
    return 0


def _print_steps(steps: list[str]) -> None:
    print("下一步：")
    for step in steps:
        print(f"  {step}")


def _status(args: argparse.Namespace) -> int:
    from server.services.office_setup import describe, next_steps, setup_status

    engine = _engine(args)
    if engine is None:
        return 2
    try:
        with engine.connect() as conn:
            status = setup_status(conn)
    finally:
        engine.dispose()
    print(describe(status))
    _print_steps(next_steps(status))
    return 0


def _run_import(args: argparse.Namespace, which: str) -> int:
    import sys
    from pathlib import Path

    from server.services import office_import
    from server.services.ledger_parse import ImportFileError
    from shared.models import utc_now

    path = Path(args.file)
    if not path.is_file():
        print(f"{path}：文件不存在", file=sys.stderr)
        return 2
    secrets_path = Path(args.passwords_file) if getattr(args, "passwords_file", None) else None
    if secrets_path is not None and secrets_path.exists():
        print(f"{secrets_path} 已存在：请换一个文件名（不会覆盖）", file=sys.stderr)
        return 2
    engine = _engine(args)
    if engine is None:
        return 2
    run = office_import.import_areas if which == "areas" else office_import.import_staff
    try:
        plan = run(engine, path, now=utc_now(), dry_run=args.dry_run, skip_bad_rows=args.skip_bad_rows)
    except ImportFileError as error:
        print(f"{path}：{error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    stored = not args.dry_run and (not plan.errors or args.skip_bad_rows)
    for line in plan.changes:
        print(("  " if stored else "  将") + line)
    for error in sorted(plan.errors, key=lambda e: (e.line, e.column)):
        print(f"  {error}", file=sys.stderr)
    if args.dry_run:
        print(f"试运行：将有 {len(plan.changes)} 项更改，{plan.unchanged} 项不变，{plan.bad_lines} 行有错；未保存任何内容。")
    elif plan.errors and not args.skip_bad_rows:
        print(f"有 {plan.bad_lines} 行出错：未保存任何内容。改正后重新导入，或加 --skip-bad-rows 只导入正确的行。",
              file=sys.stderr)
    else:
        print(f"已保存 {len(plan.changes)} 项更改，{plan.unchanged} 项不变" +
              (f"，跳过出错的 {plan.bad_lines} 行。" if plan.errors else "。") if plan.changes or plan.unchanged
              else "没有可导入的行。")
        if plan.passwords:
            _hand_out(plan.passwords, secrets_path)
    return 1 if plan.errors else 0


def _hand_out(passwords: list[tuple[str, str, str]], path) -> None:
    """The one-time passwords, once: on the screen, or in a file only the operator can read."""
    import os

    lines = [f"{username}\t{name}\t{password}" for username, name, password in passwords]
    text = "用户名\t姓名\t初始密码（首次登录时须修改）\n" + "\n".join(lines) + "\n"
    if path is None:
        print("新账号的初始密码（只显示这一次，首次登录时须修改）：")
        print(text, end="")
        return
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"{len(passwords)} 个新账号的初始密码已写入 {path}（只有您能读取；发给本人后请删除）。")


def _import_areas(args: argparse.Namespace) -> int:
    return _run_import(args, "areas")


def _import_staff(args: argparse.Namespace) -> int:
    return _run_import(args, "staff")
