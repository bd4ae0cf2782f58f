"""The README's "Set up for your office", run as written: from an empty database to a coordinator's phone syncing.

The commands are read out of the README's block, so the README and this test cannot drift apart: each one runs
in a fresh folder against a new SQLite file (the last one, ``doorstep serve``, as a process), then a coordinator
from the staff file signs in with the one-time password, chooses their own, and pulls their grid.
"""
from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.browser.processes import ROOT, doorstep, free_port, stop, wait_for_port

README = ROOT / "README.md"


def setup_commands() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Set up for your office", 1)[1]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    return [shlex.split(line)[1:] for line in block.splitlines() if line.strip().startswith("doorstep ")]


def run(workdir: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "doorstep.cli", *args], cwd=workdir, env=env, text=True,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=300)


@pytest.fixture
def office(tmp_path):
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    env = dict(os.environ, DOORSTEP_DATA_DIR=str(tmp_path / "data"), DOORSTEP_ADMIN_PASSWORD="office admin 2026")
    env.pop("DOORSTEP_DATABASE_URL", None)
    return tmp_path, env


def test_the_readme_commands_take_an_empty_database_to_a_signed_in_phone(office):
    workdir, env = office
    commands = setup_commands()
    assert [c[:2] for c in commands] == [["admin", "init"], ["admin", "import-areas"], ["admin", "import-areas"],
                                         ["admin", "import-staff"], ["import", "docs/ledger-template.xlsx"],
                                         ["serve", "--host"]]
    said = {}
    for args in commands[:-1]:
        done = run(workdir, args, env)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        said[" ".join(args)] = done.stdout
    assert "已创建系统管理员 admin" in said["admin init"] and "下一步" in said["admin init"]
    assert "试运行" in said[" ".join(commands[1])] and "将新建网格「永安社区第一网格」" in said[" ".join(commands[1])]
    passwords = workdir / "passwords.txt"
    assert stat.S_IMODE(passwords.stat().st_mode) == 0o600
    one_time = {line.split("\t")[0]: line.split("\t")[2] for line in passwords.read_text().splitlines()[1:]}
    assert set(one_time) == {"zhangwei", "liuyang", "wangli"}
    assert not any(p in said[" ".join(commands[3])] for p in one_time.values())  # not on the screen as well
    assert "导入" in said[" ".join(commands[4])]
    # run again: nothing changes, and the first administrator's init says so
    again = run(workdir, ["admin", "init"], env)
    assert again.returncode == 0 and "未做任何更改" in again.stdout
    assert "0 项更改" in run(workdir, commands[3][:2] + ["docs/staff-template.xlsx"], env).stdout

    port = free_port()
    serve = commands[-1] + ["--port", str(port)]
    serve[serve.index("0.0.0.0")] = "127.0.0.1"  # the test listens on loopback only
    log = workdir / "serve.log"
    with open(log, "ab") as handle:
        process = subprocess.Popen([sys.executable, "-m", "doorstep.cli", *serve], cwd=workdir, env=env,
                                   stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    try:
        wait_for_port(port, process, log, "doorstep serve")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=60) as client:
            first = client.post("/auth/login", json={"username": "zhangwei", "password": one_time["zhangwei"]})
            assert (first.status_code, first.json()["code"]) == (403, "auth.password_change_required")
            signed_in = client.post("/auth/login", json={"username": "zhangwei", "password": one_time["zhangwei"],
                                                         "new_password": "zhang wei 2026", "device_name": "手机"})
            assert signed_in.status_code == 200, signed_in.text
            assert [a["name"] for a in signed_in.json()["user"]["areas"]] == ["永安社区第一网格"]
            token = signed_in.json()["token"]
            pulled = client.get("/sync/pull", headers={"Authorization": f"Bearer {token}"})
            assert pulled.status_code == 200
            rows = pulled.json()["rows"]
            assert {"area", "household", "resident", "visit"} <= {r["table"] for r in rows}  # the ledger's, their grid
            grids = {r["fields"]["grid_id"] for r in rows if r["table"] == "household"}
            assert grids == {signed_in.json()["user"]["areas"][0]["id"]}
            assert all(r["fields"]["imported"] for r in rows if r["table"] == "visit")  # from paper
    finally:
        stop(process)


def test_serve_and_demo_on_an_empty_database_say_what_to_do_next(office):
    workdir, env = office
    port = free_port()
    log = workdir / "serve.log"
    process = doorstep("serve", "--host", "127.0.0.1", "--port", str(port), "--url",
                       f"sqlite:///{workdir / 'empty.sqlite3'}", log=log)
    try:
        wait_for_port(port, process, log, "doorstep serve")
    finally:
        stop(process)
    said = log.read_text()
    assert "还没有设置完成" in said and "doorstep admin init" in said and "doorstep admin import-areas" in said


def test_bad_rows_are_named_by_line_and_column_and_nothing_is_stored(office):
    workdir, env = office
    assert run(workdir, ["admin", "init"], env).returncode == 0
    bad = workdir / "areas.csv"
    bad.write_text("区县,街道,街道统计代码,社区,网格\n新抚区,永安街道,2104,永安社区,一网格\n新抚区,永安街道,,,二网格\n"
                   "新抚区,南站街道,,南站社区,南站一网格\n", encoding="utf-8")
    refused = run(workdir, ["admin", "import-areas", str(bad)], env)
    assert refused.returncode == 1
    assert "第 2 行「街道统计代码」：统计用区划代码应为 12 位数字" in refused.stderr
    assert "第 3 行「社区」：请填写社区名称" in refused.stderr
    assert "未保存任何内容" in refused.stderr
    assert "区县 0" in run(workdir, ["admin", "status"], env).stdout
    skipped = run(workdir, ["admin", "import-areas", str(bad), "--skip-bad-rows"], env)
    assert skipped.returncode == 1 and "跳过出错的 2 行" in skipped.stdout
    status = run(workdir, ["admin", "status"], env).stdout
    assert "街道 1" in status and "网格 1" in status  # only 南站's line


def test_demo_without_demo_data_says_how_to_set_up_an_office(tmp_path):
    import time

    log = tmp_path / "demo.log"
    process = doorstep("demo", "--empty", "--data-dir", str(tmp_path / "data"), "--server-port", str(free_port()),
                       "--app-port", str(free_port()), "--no-browser", log=log)
    try:
        deadline = time.monotonic() + 240
        while "Ctrl+C" not in log.read_text() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.5)
        said = log.read_text()
    finally:
        stop(process)
    assert "Ctrl+C" in said, said[-2000:]
    assert "No demo data" in said and "Next steps" in said and "doorstep admin init" in said
    assert "zhangwei" not in said  # no demo logins on an empty database
