"""Sign-in → PIN → worklist; unlock with the PIN offline; the idle lock; wrong PINs."""
from __future__ import annotations

from mobile.services.sign_in import SignInService
from tests.mobile.conftest import PIN
from tests.mobile.flows import ctx as _ctx
from tests.mobile.flows import set_pin, sign_in
from tests.mobile.ui import button, field, tap, texts, type_into


def test_a_new_phone_signs_in_sets_a_pin_and_lands_on_its_worklist(make_app, cloud):
    app = make_app().start()
    assert app.page.route == "/sign-in"
    view = sign_in(app)
    assert app.page.route == "/pin/new"
    assert "coord_a1，您好" in texts(view)
    view = set_pin(app)
    assert app.page.route == "/"
    shown = texts(view)
    # the first sync brought grid a1's household (and only it): never visited, so it is on the list
    assert "幸福一网格小区" in shown and "从未走访" in shown
    assert "光明一网格小区" not in shown and "幸福二网格小区" not in shown
    assert "待办 1 户" in shown


def test_wrong_password_and_unreachable_server_are_said_plainly(make_app, cloud):
    app = make_app().start()
    view = sign_in(app, password="wrong")
    assert app.page.route == "/sign-in" and "用户名或密码错误" in texts(view)
    cloud.transport.online = False
    view = sign_in(app)
    assert app.page.route == "/sign-in" and "无法连接服务器" in texts(view)
    type_into(field(view, "服务器地址"), "ftp://")
    tap(button(view, "登录"))
    assert "服务器地址格式不对" in texts(app.page.view)


def test_after_many_wrong_passwords_the_phone_says_how_long_to_wait(make_app, cloud):
    app = make_app().start()
    for _ in range(5):  # the free failures of an account
        assert "用户名或密码错误" in texts(sign_in(app, password="wrong"))
    view = sign_in(app)  # even the right password waits now
    assert app.page.route == "/sign-in" and "登录失败次数过多，请 2 秒后再试" in texts(view)


def test_a_weak_or_mismatched_pin_is_refused(make_app):
    app = make_app().start()
    sign_in(app)
    for pin, again, why in (("123456", "123456", "连续"), ("111111", "111111", "同一个"),
                            ("2468", "2468", "6 位"), ("135792", "135793", "不一致")):
        view = set_pin(app, pin, again)
        assert app.page.route == "/pin/new" and why in texts(view)


def test_the_phone_locks_when_idle_and_unlocks_offline_with_the_pin(make_app, clock, cloud):
    app = make_app().start()
    sign_in(app)
    set_pin(app)
    service = _ctx(app).service(SignInService)  # the app's idle loop calls lock_if_idle every few seconds
    assert not service.lock_if_idle()
    clock.advance(minutes=6)  # default lock time is 5 minutes
    assert service.lock_if_idle()
    view = app.open("/search")  # any screen now leads to the unlock screen
    assert app.page.route == "/unlock"
    type_into(field(view, "PIN"), "000000")
    tap(button(view, "解锁"))
    assert "PIN 错误，还可以再试 4 次" in texts(app.page.view)
    cloud.transport.online = False  # unlocking needs no server
    type_into(field(app.page.view, "PIN"), PIN)
    tap(button(app.page.view, "解锁"))
    assert app.page.route == "/" and "幸福一网格小区" in texts(app.page.view)


def test_five_wrong_pins_wipe_the_phone_and_send_it_back_to_sign_in(make_app):
    app = make_app().start()
    sign_in(app)
    set_pin(app)
    _ctx(app).service(SignInService).lock()
    app.open("/search")
    for _ in range(5):
        type_into(field(app.page.view, "PIN"), "000000")
        tap(button(app.page.view, "解锁"))
    assert app.page.route == "/sign-in"
    assert not _ctx(app).session.store.is_provisioned()
