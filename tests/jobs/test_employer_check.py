"""The employer confirms a referral on the server's page: the phone's referral made offline, the slip's URL or its
typed codes, forward-only steps, a hire that stops the zero-employment clock, throttles, expiry, refusals in Chinese."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from types import SimpleNamespace

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import select, update

from mobile.services.jobs import JobsService
from mobile.store.db import DB_FILE_NAME, add_missing_columns, open_engine
from mobile.sync.inprocess import InProcessTransport
from server.app import create_app
from server.services import check_throttle
from server.services.coverage_lists import coordinator_activity
from server.services.scope import load_scope
from server.settings import get_settings
from shared.coverage import Period
from shared.models import AuditEvent, Referral, ReferralEvent
from shared.referrals import EMPLOYER_RECORDER, check_code, format_code
from shared.zero_employment import clock_state
from tests.jobs.test_jobs_service import add_vacancy
from tests.mobile.flows import ctx, ready

_REFERRAL, _EVENT, _AUDIT = Referral.__table__, ReferralEvent.__table__, AuditEvent.__table__


class Employer:
    """A browser on the employer's phone: plain HTTP to the server's page from one address."""

    def __init__(self, app, address: str = "203.0.113.7") -> None:
        transport = InProcessTransport(app)
        transport._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
        self.transport = transport
        self.client = httpx.Client(base_url="http://testserver", transport=transport)

    def open(self, url: str) -> httpx.Response:
        return self.client.get(url)

    def post(self, path: str, **fields: str) -> httpx.Response:
        return self.client.post(path, data=fields)

    def close(self) -> None:
        self.client.close()
        self.transport.shutdown()


@pytest.fixture
def employer(cloud):
    """``employer(address=..., **settings)``: an employer's browser on the cloud's database, settings overridden."""
    made = []

    def make(address: str = "203.0.113.7", **settings) -> Employer:
        app = create_app(get_settings(database_url="sqlite://", **settings), engine=cloud.engine)
        made.append(Employer(app, address))
        return made[-1]
    yield make
    for one in made:
        one.close()


def text(response: httpx.Response) -> str:
    """What the page says, tags dropped."""
    return unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", response.text, flags=re.S)))


def referral_made_offline(phone, cloud, *, zero_employment_days: int | None = None):
    """The coordinator refers 王芳 with the network off, then syncs: (device, referral row, slip)."""
    a1 = phone()
    resident = cloud.world.residents["grid_a1"]
    if zero_employment_days is not None:
        a1.store.save("household", {"zero_employment": True,
                                    "zero_employment_identified_on": a1.jobs.today() - timedelta(days=zero_employment_days)},
                      row_id=resident.household_id, now=a1.session.now())
    vacancy_id = add_vacancy(a1)
    cloud.transport.online = False
    referral_id = a1.jobs.refer(resident.id, vacancy_id, consent=True)
    slip = a1.jobs.slip(referral_id)  # printed offline: the QR code already holds the URL with its token
    cloud.transport.online = True
    a1.sync()
    return a1, a1.jobs.referral(referral_id), slip


def test_the_employer_opens_the_slips_url_confirms_a_hire_and_the_phone_learns_it(phone, cloud, employer):
    a1, referral, slip = referral_made_offline(phone, cloud, zero_employment_days=8)
    resident = cloud.world.residents["grid_a1"]
    today = a1.jobs.today()
    browser = employer()

    page = browser.open(slip.url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'name="viewport"' in page.text
    shown = text(page)
    for expected in ("住家保姆", "幸福家政服务有限公司", today.isoformat(), "王*", format_code(referral["code"]),
                     "已推荐", "已面试", "已录用", "未录用", "入职日期"):
        assert expected in shown
    for private in ("王芳", resident.id_number, "幸福一网格小区", "110101"):
        assert private not in page.text  # no name, ID number or address of the resident

    done = browser.post(f"/r/{referral['code']}", t=referral["check_token"], status="hired",
                        start_on=today.isoformat())
    assert done.status_code == 200, text(done)
    assert "已提交" in text(done) and "这张推荐单的结果已确定" in text(done)
    with cloud.engine.connect() as conn:
        assert conn.execute(select(_REFERRAL.c.status).where(_REFERRAL.c.id == referral["id"])).scalar() == "hired"
        steps = conn.execute(select(_EVENT.c.status, _EVENT.c.recorded_by).where(
            _EVENT.c.referral_id == referral["id"]).order_by(_EVENT.c.stamp)).all()
        assert steps == [("referred", a1.store.user_id), ("interviewed", EMPLOYER_RECORDER),
                         ("hired", EMPLOYER_RECORDER)]
        [audit] = conn.execute(select(_AUDIT.c.detail).where(_AUDIT.c.action == "referral.employer_confirmed",
                                                             _AUDIT.c.row_id == referral["id"])).all()
        assert audit.detail == {"status": "hired", "steps": ["interviewed", "hired"]}

    result = a1.sync()
    assert (result.rejected, result.conflicts) == ([], 0) and result.pulled >= 5  # 2 events, person, record, ...
    card = a1.jobs.card(referral["id"])
    assert card.status == "hired" and card.next_statuses == ()
    assert [(s.status, s.recorded_by) for s in card.steps] == [
        ("referred", "我"), ("interviewed", "用人单位（扫码确认）"), ("hired", "用人单位（扫码确认）")]
    person = a1.store.get("resident", resident.id)
    assert (person["employment_status"], person["employment_since"], person["employer_name"]) == (
        "employed", today, "幸福家政服务有限公司")
    assert [r["value"] for r in a1.store.rows("status_record", resident_id=resident.id)] == ["employed"]
    household = a1.store.get("household", resident.household_id)
    assert (household["zero_employment_resolved_on"], household["zero_employment_met"]) == (today, True)
    assert clock_state(household, today).state == "met"  # the clock stopped, as a coordinator's hire stops it
    assert a1.jobs.vacancy(referral["vacancy_id"])["filled"] == 1


def test_typed_codes_open_it_too_and_a_second_visit_may_only_add_a_later_step(phone, cloud, employer):
    a1, referral, slip = referral_made_offline(phone, cloud)
    browser = employer()
    typed = browser.post("/r", code=format_code(referral["code"]).lower(), c=slip.check_code.lower())
    assert typed.status_code == 200 and "王*" in text(typed) and f'name="c" value="{slip.check_code.lower()}"' in typed.text
    assert browser.post(f"/r/{referral['code']}", c=slip.check_code, status="interviewed").status_code == 200

    again = browser.open(slip.url)
    shown = text(again)
    assert "已记录的结果" in shown and "已面试（用人单位确认）" in shown
    assert 'value="interviewed"' not in again.text and 'value="hired"' in again.text  # later steps only
    twice = browser.post(f"/r/{referral['code']}", t=referral["check_token"], status="interviewed")
    assert twice.status_code == 409 and "已记录为“已面试”，只能补充之后的结果" in text(twice)
    no_reason = browser.post(f"/r/{referral['code']}", t=referral["check_token"], status="not_hired")
    assert no_reason.status_code == 422 and "请选择未录用的原因" in text(no_reason)
    refused = browser.post(f"/r/{referral['code']}", t=referral["check_token"], status="not_hired",
                           reason="filled")
    assert refused.status_code == 200 and "未录用，岗位已招满" in text(refused)
    late = browser.post(f"/r/{referral['code']}", t=referral["check_token"], status="hired",
                        start_on=a1.jobs.today().isoformat())
    assert late.status_code == 409 and "结果已确定，不能再修改" in text(late)
    a1.sync()
    card = a1.jobs.card(referral["id"])
    assert card.status == "not_hired" and card.steps[-1].note == "岗位已招满"


def test_a_hire_needs_a_start_date_within_bounds(phone, cloud, employer):
    a1, referral, _slip = referral_made_offline(phone, cloud)
    browser = employer()
    path, token = f"/r/{referral['code']}", referral["check_token"]
    for start in ("", "2026-13-01", "明天", (a1.jobs.today() - timedelta(days=3)).isoformat(),
                  (a1.jobs.today() + timedelta(days=40)).isoformat()):
        answer = browser.post(path, t=token, status="hired", start_on=start)
        assert answer.status_code == 422 and "入职日期" in text(answer), start
    assert browser.post(path, t=token, status="promoted").status_code == 422
    with cloud.engine.connect() as conn:
        assert conn.execute(select(_REFERRAL.c.status).where(_REFERRAL.c.id == referral["id"])).scalar() == "referred"
    starts = a1.jobs.today() + timedelta(days=10)  # hired today, starting in ten days
    assert browser.post(path, t=token, status="hired", start_on=starts.isoformat()).status_code == 200
    a1.sync()
    person = a1.store.get("resident", cloud.world.residents["grid_a1"].id)
    assert (person["employment_status"], person["employment_since"]) == ("employed", starts)
    assert a1.jobs.card(referral["id"]).status_on == starts


def test_wrong_codes_are_throttled_per_address_and_per_referral(phone, cloud, employer):
    _a1, referral, slip = referral_made_offline(phone, cloud)
    limits = {"check_max_failures_per_referral": 3, "check_max_failures_per_address": 4}
    guesser = employer("198.51.100.1", **limits)
    for _ in range(4):
        answer = guesser.post("/r", code="ZZZZ-ZZZZ", c="000000")
        assert answer.status_code == 404 and "推荐码不正确" in text(answer)
    blocked = guesser.open(slip.url)  # even the right URL: this address is throttled for now
    assert blocked.status_code == 429 and "次数过多" in text(blocked) and "分钟后再试" in text(blocked)
    assert employer("198.51.100.2", **limits).open(slip.url).status_code == 200  # another address is not

    for n in range(3):  # a referral's check code guessed from three addresses
        wrong = employer(f"192.0.2.{n}", **limits).post("/r", code=referral["code"], c="AAAAAA")
        assert wrong.status_code == 403 and "核对码不正确" in text(wrong)
    locked = employer("192.0.2.99", **limits).open(slip.url)
    assert locked.status_code == 429 and "这张推荐单的核对码输错次数过多" in text(locked)
    with cloud.engine.connect() as conn:
        rows = conn.execute(select(_AUDIT.c.table_name, _AUDIT.c.row_id).where(
            _AUDIT.c.action == check_throttle.FAILED)).all()
    assert ("referral", referral["id"]) in rows
    assert all("198.51" not in row_id and "192.0" not in row_id for _table, row_id in rows)  # addresses hashed


def test_an_expired_slip_says_so(phone, cloud, employer):
    _a1, referral, slip = referral_made_offline(phone, cloud)
    with cloud.engine.begin() as conn:
        conn.execute(update(_REFERRAL).where(_REFERRAL.c.id == referral["id"]).values(
            created_at=referral["created_at"] - timedelta(days=61)))
    answer = employer().open(slip.url)
    assert answer.status_code == 410 and "已超过 60 天有效期" in text(answer)
    assert employer(referral_check_days=90).open(slip.url).status_code == 200


@pytest.mark.parametrize("request_args", [
    ("GET", "/r/%E4%B8%AD%E6%96%87", {}), ("GET", "/r/ZZZZZZZZ?t=" + "x" * 5000, {}),
    ("GET", "/r/ZZZZZZZZ", {}), ("GET", "/r", {}), ("GET", "/r/ZZZZZZZZ/more/parts", {}),
    ("POST", "/r", {"content": b"\xff\xfe", "headers": {"content-type": "application/x-www-form-urlencoded"}}),
    ("POST", "/r", {"json": {"code": "x"}}),
    ("POST", "/r", {"data": {"code": "", "c": ""}}),
    ("POST", "/r/ZZZZZZZZ", {"data": {"status": "hired"}}),
    ("POST", "/r/ZZZZZZZZ", {"data": {"t": "x" * 300, "status": "hired", "start_on": "9999-99-99"}}),
    ("POST", "/r/ZZZZZZZZ", {"content": b"a=1&" * 100, "headers": {"content-type": "application/x-www-form-urlencoded"}}),
])
def test_every_refusal_is_a_page_in_chinese_never_a_500(cloud, employer, request_args):
    method, path, kwargs = request_args
    answer = employer().client.request(method, path, **kwargs)
    assert answer.status_code < 500
    assert answer.headers["content-type"].startswith("text/html")
    assert re.search(r"[\u4e00-\u9fff]", text(answer))


def test_managers_see_per_coordinator_referrals_confirmed_by_employers_and_hires(phone, cloud, employer):
    a1, referral, _slip = referral_made_offline(phone, cloud)
    employer().post(f"/r/{referral['code']}", t=referral["check_token"], status="hired",
                    start_on=a1.jobs.today().isoformat())
    month = a1.jobs.today().strftime("%Y-%m")
    with cloud.engine.connect() as conn:
        scope = load_scope(conn, cloud.world.users["manager_a"].id)
        rows = coordinator_activity(conn, scope, cloud.world.areas["street_a"].id, Period.month(month))
    [mine] = [r for r in rows if r["user_id"] == a1.store.user_id]
    assert (mine["referrals"], mine["employer_confirmed"], mine["employer_hires"]) == (1, 1, 1)
    assert all(r["employer_confirmed"] == 0 for r in rows if r["user_id"] != a1.store.user_id)


def test_the_check_code_is_short_and_derived_from_the_token():
    assert len(check_code("8B97JX7Q4P64FKFQCA9S")) == 6
    assert check_code("8B97JX7Q4P64FKFQCA9S") == check_code("8B97JX7Q4P64FKFQCA9S") != check_code("8B97JX7Q4P64FKFQCA9T")


def test_the_slip_points_to_the_servers_public_address_learnt_at_sign_in(cloud, make_app):
    public = "https://jiuye.example.cn"
    app = create_app(get_settings(database_url="sqlite://", slip_base_url=public), engine=cloud.engine)
    original, cloud.transport.inner = cloud.transport.inner, InProcessTransport(app)
    phone_app = make_app("public")
    try:
        ready(phone_app)
    finally:
        cloud.transport.inner.shutdown()
        cloud.transport.inner = original
    jobs = ctx(phone_app).service(JobsService)
    referral_id = jobs.refer(cloud.world.residents["grid_a1"].id, add_vacancy(SimpleNamespace(jobs=jobs)),
                             consent=True)
    referral, slip = jobs.referral(referral_id), jobs.slip(referral_id)
    assert slip.url == f"{public}/r/{referral['code']}?t={referral['check_token']}"
    assert slip.entry_url == f"{public}/r"


def test_a_phone_file_of_an_older_app_gets_the_new_column(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / DB_FILE_NAME}")
    with engine.begin() as conn:  # the referral table as the app before check tokens made it
        conn.exec_driver_sql("CREATE TABLE referral (id VARCHAR(36) PRIMARY KEY, code VARCHAR(16))")
        conn.exec_driver_sql("INSERT INTO referral (id, code) VALUES ('r1', 'ABCD1234')")
    engine.dispose()
    reopened = open_engine(tmp_path)
    with reopened.connect() as conn:
        columns = {row[1] for row in conn.exec_driver_sql("PRAGMA table_info(referral)")}
        assert {"check_token", "grid_id", "status"} <= columns
        assert conn.exec_driver_sql("SELECT code, check_token FROM referral").all() == [("ABCD1234", None)]
    assert add_missing_columns(reopened) == []  # nothing left to add
    reopened.dispose()
