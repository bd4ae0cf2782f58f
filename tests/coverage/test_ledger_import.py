"""Importing ledgers: good rows in, bad rows reported by line and column, no duplicate people, re-import changes nothing."""
from __future__ import annotations

import csv
import shutil
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, insert, select

from doorstep.cli import main
from server.services.coverage import grid_counts
from server.services.ledger_import import import_file
from server.services.ledger_parse import ImportFileError, decode_csv
from shared import coverage as cov
from shared.models import ChangeLog, Household, Resident, StatusRecord, UserAccount, UserArea, Visit
from shared.validation import make_id_number
from tests.coverage.factories import Ledger
from tests.server.factories import user

DOCS = Path(__file__).resolve().parents[2] / "docs"
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
TABLES = (Household, Resident, StatusRecord, Visit, ChangeLog)


def demo_tree(engine) -> dict[str, dict]:
    """The demo's names used by the template: 永安街道 > 永安社区 > its first and second grids; coordinator zhangwei."""
    ledger = Ledger()
    district = ledger.area("district", "抚阳市新安区")
    street = ledger.area("street", "永安街道", district)
    other_street = ledger.area("street", "榆林街道", district)
    community = ledger.area("community", "永安社区", street)
    twin = ledger.area("community", "永安社区", other_street)  # the same name in another street
    grids = {"g1": ledger.area("grid", "永安社区第一网格", community),
             "g2": ledger.area("grid", "永安社区第二网格", community),
             "twin": ledger.area("grid", "永安社区第一网格", twin)}
    ledger.write(engine)
    account, _ = user("zhangwei", "coordinator", [], "张伟")
    with engine.begin() as conn:
        conn.execute(insert(UserAccount.__table__), [{c.name: getattr(account, c.name)
                                                      for c in UserAccount.__table__.columns}])
        conn.execute(insert(UserArea.__table__), [{"user_id": account.id, "area_id": grids["g1"]["id"]},
                                                  {"user_id": account.id, "area_id": grids["g2"]["id"]}])
    return {"community": community, "coordinator_id": account.id, **grids}


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {m.__tablename__: conn.execute(select(func.count()).select_from(m.__table__)).scalar() for m in TABLES}


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    header = next(csv.reader((DOCS / "ledger-template.csv").read_text(encoding="utf-8-sig").splitlines()))
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            writer.writerow([dict(row).get(h, "") for h in header])
    return path


def person(name: str, number: str, **more: str) -> list[tuple[str, str]]:
    base = {"街道": "永安街道", "社区": "永安社区", "网格": "永安社区第一网格", "地址": "永安小区", "楼栋": "1", "单元": "1",
            "室": "101", "姓名": name, "身份证号": number, "手机号": "13904120000", "就业状态": "失业",
            "失业登记日期": "2026-05-01", "有劳动能力和就业愿望": "是"}
    base.update(more)
    return list(base.items())


@pytest.mark.parametrize("template", ["ledger-template.xlsx", "ledger-template.csv"])
def test_the_shipped_template_imports_and_a_second_import_changes_nothing(any_engine, template, tmp_path):
    tree = demo_tree(any_engine)
    path = shutil.copy(DOCS / template, tmp_path / template)
    report = import_file(any_engine, Path(path), now=NOW)
    assert report.errors == []
    assert (report.rows, report.imported_rows, report.households_created, report.residents_created,
            report.visits_created) == (4, 4, 3, 4, 3)
    # 3 people registered and unemployed: employment + registration + ability each; 赵志刚 flexible + able
    assert report.status_records_created == 3 * 3 + 2
    before = counts(any_engine)
    assert before["change_log"] == 3 + 4 + 11 + 3
    with any_engine.connect() as conn:
        # 张秀英 and 李建国 were met together; only 张秀英's row records guidance: two visits at 10:30
        met = conn.execute(select(Visit.__table__).where(Visit.__table__.c.outcome == "met")
                           .order_by(Visit.__table__.c.guidance_given)).mappings().all()
        assert [(len(v["resident_ids"]), v["guidance_given"]) for v in met] == [(1, False), (1, True)]
        met = met[1]
        assert met["coordinator_id"] == tree["coordinator_id"] and met["version"] > 0
        assert "guidance_training_information" in met["services"]
        stamped = conn.execute(select(Resident.__table__.c.stamps, Resident.__table__.c.version)).all()
        assert all(stamps and version > 0 for stamps, version in stamped)
        november = grid_counts(conn, [tree["g1"]["id"]], cov.Period.month("2026-11"))[tree["g1"]["id"]]
    # 张秀英, 李建国 and 王丽 registered unemployed; the first two met on 5 Nov, 王丽's household not at home
    assert (november.registered, november.visited, november.guided) == (3, 2, 1)
    assert (november.zero_identified, november.zero_overdue) == (1, 1)  # identified 2 Nov, deadline 22 Nov

    again = import_file(any_engine, Path(path), now=NOW.replace(day=26))
    assert again.errors == [] and again.changed == 0
    assert counts(any_engine) == before


def test_bad_rows_are_reported_by_line_and_column_and_good_rows_go_in(sqlite_engine, tmp_path):
    demo_tree(sqlite_engine)
    good = make_id_number("210402", date(1980, 1, 2), 11)
    bad_checksum = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [
        person("张三", good),                                               # line 2: good
        person("李四", bad_checksum),                                       # line 3: checksum
        person("", make_id_number("210402", date(1981, 1, 2), 13)),        # line 4: name missing
        person("王五", make_id_number("210402", date(1982, 1, 2), 15), 手机号="12345"),  # line 5: phone
        person("赵六", make_id_number("210402", date(1983, 1, 2), 17), 社区="不存在社区"),  # line 6: community
        person("钱七", make_id_number("210402", date(1984, 1, 2), 19), 走访日期="2027-01-01"),  # line 7: future
        person("孙八", good, 室="102"),                                      # line 8: same ID as line 2
        person("周九", make_id_number("210402", date(1985, 1, 2), 21), 文化程度="博士后"),  # line 9: unknown code
        person("吴十", make_id_number("210402", date(1986, 1, 2), 23), 室="103"),  # line 10: good
    ]
    report = import_file(sqlite_engine, write_csv(tmp_path / "ledger.csv", rows), now=NOW)
    found = [(e.line, e.column, e.code) for e in report.errors]
    assert found == [
        (3, "身份证号", "id_number.checksum"), (4, "姓名", "required"), (5, "手机号", "phone.length"),
        (6, "社区", "area.unknown"), (7, "走访日期", "date.future"), (8, "身份证号", "id_number.duplicate_in_file"),
        (9, "文化程度", "code.unknown"),
    ]
    assert report.imported_rows == 2 and report.residents_created == 2
    text = "\n".join(str(e) for e in report.errors)
    assert "第 3 行「身份证号」" in text and "与第 2 行的身份证号重复" in text
    for value in (bad_checksum, "12345", "不存在社区", "博士后", "王五", good):
        assert value not in text  # no personal data, no values at all


def test_a_street_disambiguates_communities_of_the_same_name(sqlite_engine, tmp_path):
    demo_tree(sqlite_engine)
    number = make_id_number("210402", date(1980, 3, 3), 31)
    report = import_file(sqlite_engine, write_csv(tmp_path / "a.csv", [person("张三", number, 街道="")]), now=NOW)
    assert [(e.column, e.code) for e in report.errors] == [("社区", "area.ambiguous")]
    report = import_file(sqlite_engine, write_csv(tmp_path / "b.csv", [person("张三", number, 街道="榆林街道")]),
                         now=NOW)
    assert report.errors == [] and report.residents_created == 1


def test_an_existing_person_is_never_duplicated_and_keeps_what_the_server_has(sqlite_engine, tmp_path):
    tree = demo_tree(sqlite_engine)
    number = make_id_number("210402", date(1979, 9, 9), 41)
    ledger = Ledger()
    home = ledger.household(tree["g2"])
    ledger.resident(home, name="张三丰", id_number=number, phone=None, education=None)
    ledger.write(sqlite_engine)
    rows = [person("张三", number, 文化程度="高中", 手机号="13904129999")]
    report = import_file(sqlite_engine, write_csv(tmp_path / "ledger.csv", rows), now=NOW)
    assert report.errors == [] and report.residents_created == 0 and report.residents_updated == 1
    with sqlite_engine.connect() as conn:
        people = conn.execute(select(Resident.__table__).where(Resident.__table__.c.id_number == number)).mappings().all()
        logged = conn.execute(select(ChangeLog.__table__).where(ChangeLog.__table__.c.row_id == people[0]["id"])).all()
    assert len(people) == 1
    assert people[0]["name"] == "张三丰"  # the server's value wins
    assert (people[0]["phone"], people[0]["education"]) == ("13904129999", "senior")  # empty fields filled
    assert people[0]["household_id"] == home["id"]
    assert [entry.version for entry in logged] == [people[0]["version"]] and people[0]["version"] > 0
    assert people[0]["stamps"]["phone"].endswith(".ledger-import")


def test_gbk_and_bom_less_utf8_files_are_read(sqlite_engine, tmp_path):
    demo_tree(sqlite_engine)
    rows = [person("张三", make_id_number("210402", date(1980, 4, 4), 51))]
    for encoding in ("gbk", "utf-8"):
        path = write_csv(tmp_path / f"{encoding}.csv", rows, encoding=encoding)
        assert decode_csv(path.read_bytes()).startswith("街道,社区")
        report = import_file(sqlite_engine, path, now=NOW)
        assert report.errors == [] and report.imported_rows == 1
    assert counts(sqlite_engine)["resident"] == 1


def test_an_id_number_stored_as_an_excel_number_is_refused(sqlite_engine, tmp_path):
    demo_tree(sqlite_engine)
    path = tmp_path / "numbers.xlsx"
    shutil.copy(DOCS / "ledger-template.xlsx", path)
    book = load_workbook(path)
    book.active["P2"].value = 210402197805121228  # what Excel does to an ID typed into a number cell
    book.active["P2"].number_format = "0"
    book.save(path)
    report = import_file(sqlite_engine, path, now=NOW)
    assert [(e.line, e.code) for e in report.errors] == [(2, "id_number.stored_as_number")]
    assert report.imported_rows == 3


def test_a_file_without_the_required_columns_is_refused(sqlite_engine, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("姓名,电话\n张三,13904120000\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="社区"):
        import_file(sqlite_engine, path, now=NOW)


def test_the_command_reports_and_sets_its_exit_status(tmp_path, capsys):
    from sqlalchemy import create_engine

    from shared.models import SQLModel, server_tables

    url = f"sqlite:///{tmp_path / 'doorstep.sqlite3'}"
    engine = create_engine(url)
    SQLModel.metadata.create_all(engine, tables=server_tables())
    demo_tree(engine)
    engine.dispose()
    assert main(["import", str(DOCS / "ledger-template.xlsx"), "--url", url]) == 0
    assert "导入 4 行" in capsys.readouterr().out
    bad = write_csv(tmp_path / "bad.csv", [person("张三", "110101199003071235")])
    assert main(["import", str(bad), "--url", url]) == 1
    assert "第 2 行「身份证号」" in capsys.readouterr().out
    assert main(["import", str(tmp_path / "missing.xlsx"), "--url", url]) == 2


def _history(engine, number):
    with engine.connect() as conn:
        rid = conn.execute(select(Resident.__table__.c.id).where(Resident.__table__.c.id_number == number)).scalar()
        return sorted((r.kind, r.value, r.effective_on) for r in conn.execute(
            select(StatusRecord.__table__).where(StatusRecord.__table__.c.resident_id == rid)))


def _resident(engine, number):
    with engine.connect() as conn:
        return conn.execute(select(Resident.__table__).where(Resident.__table__.c.id_number == number)
                            ).mappings().one()


def test_a_later_ledger_ends_a_registration_changes_a_status_and_updates_a_field_as_dated_changes(
        sqlite_engine, tmp_path):
    demo_tree(sqlite_engine)
    number = make_id_number("210402", date(1975, 4, 4), 51)
    first = [person("张三", number, 台账日期="2026-06-30")]
    assert import_file(sqlite_engine, write_csv(tmp_path / "june.csv", first), now=NOW).errors == []
    later = [person("张三", number, 台账日期="2026-11-20", 手机号="13904121111", 就业状态="就业",
                    就业状态日期="2026-11-10", 工作单位="永安超市", 失业登记注销日期="2026-11-10")]
    path = write_csv(tmp_path / "november.csv", later)
    # the dry run says, per person, what would change, and changes nothing
    before = counts(sqlite_engine)
    said = "\n".join(import_file(sqlite_engine, path, now=NOW, dry_run=True).per_person_zh())
    assert said.startswith("第 2 行 张*：") and "更新 手机号" in said and "失业登记注销（2026-11-10 起）" in said
    assert "就业状态：就业（2026-11-10 起）" in said and "张三" not in said
    assert counts(sqlite_engine) == before and _resident(sqlite_engine, number)["phone"] == "13904120000"

    report = import_file(sqlite_engine, path, now=NOW)
    assert report.errors == [] and report.residents_updated == 1
    person_now = _resident(sqlite_engine, number)
    assert person_now["phone"] == "13904121111"  # the later ledger's value (the field was last changed before)
    assert (person_now["employment_status"], person_now["employment_since"], person_now["employer_name"]) == (
        "employed", date(2026, 11, 10), "永安超市")
    assert person_now["unemployment_registered"] is False
    assert _history(sqlite_engine, number) == [  # the history keeps both the old and the new
        ("ability", "able", date(2026, 5, 1)),
        ("employment", "employed", date(2026, 11, 10)), ("employment", "unemployed", date(2026, 5, 1)),
        ("registration", "deregistered", date(2026, 11, 10)), ("registration", "registered", date(2026, 5, 1)),
    ]
    # an older ledger does not overwrite what a later one (or a phone) changed
    older = [person("张三", number, 台账日期="2026-07-01", 手机号="13904122222")]
    assert import_file(sqlite_engine, write_csv(tmp_path / "july.csv", older), now=NOW).errors == []
    assert _resident(sqlite_engine, number)["phone"] == "13904121111"
    assert import_file(sqlite_engine, path, now=NOW).changed == 0  # and importing November again changes nothing


def test_one_row_per_event_several_visits_and_statuses_of_one_person(sqlite_engine, tmp_path):
    demo_tree(sqlite_engine)
    number = make_id_number("210402", date(1976, 5, 5), 53)
    rows = [person("李四", number, 台账日期="2026-03-01", 走访日期="2026-03-02", 走访结果="已见面"),
            person("李四", number, 台账日期="2026-09-01", 就业状态="灵活就业", 就业状态日期="2026-08-20",
                   走访日期="2026-09-03", 走访结果="已见面", 协管员="zhangwei"),
            person("李四", number, 台账日期="2026-09-01", 室="909")]  # another household: refused
    report = import_file(sqlite_engine, write_csv(tmp_path / "events.csv", rows), now=NOW)
    assert [(e.line, e.code) for e in report.errors] == [(4, "id_number.duplicate_in_file")]
    assert report.residents_created == 1 and report.visits_created == 2
    assert _resident(sqlite_engine, number)["employment_status"] == "flexible"
    assert ("employment", "flexible", date(2026, 8, 20)) in _history(sqlite_engine, number)
    with sqlite_engine.connect() as conn:
        marks = conn.execute(select(Visit.__table__.c.imported)).scalars().all()
    assert marks == [True, True]  # visits from paper are marked as imported
