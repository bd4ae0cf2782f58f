"""Steps a coordinator takes through the screens, shared by the view tests."""
from __future__ import annotations

from tests.mobile.conftest import PIN, SERVER
from tests.mobile.ui import button, field, tap, type_into
from tests.server.factories import PASSWORD


def sign_in(app, username="coord_a1", password=PASSWORD):
    view = app.page.view
    type_into(field(view, "服务器地址"), SERVER)
    type_into(field(view, "用户名"), username)
    type_into(field(view, "密码"), password)
    tap(button(view, "登录"))
    return app.page.view


def set_pin(app, pin=PIN, again=PIN):
    view = app.page.view
    type_into(field(view, "设置 PIN（6 位数字）"), pin)
    type_into(field(view, "再次输入 PIN"), again)
    tap(button(view, "确定"))
    return app.page.view


def ready(app, username="coord_a1"):
    """Start the app, sign in, set the PIN (the first sync runs): the role's home is showing.

    A coordinator lands on the worklist (/), a manager on the coverage (/manager).
    """
    app.start()
    sign_in(app, username)
    set_pin(app)
    assert app.page.route == ctx(app).home, app.page.route
    return app


def ctx(app):
    """The page's AppContext (services, session), as the screens get it."""
    return app.page.on_route_change.__self__.ctx
