"""What the coordinator sees when the server answers garbage, and the HTTPS rule for the server address."""
from __future__ import annotations

import gzip

import httpx

from tests.mobile.flows import ready, sign_in
from tests.mobile.ui import button, field, tap, texts, type_into
from tests.sync.test_hostile_server import BOMB


class Garbage(httpx.BaseTransport):
    """Pushes are answered with a decompression bomb, pulls with half a gzip body."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        headers = {"content-encoding": "gzip", "content-type": "application/json"}
        if request.url.path.endswith("/sync/push"):
            return httpx.Response(200, headers=headers, stream=httpx.ByteStream(BOMB))
        if request.url.path.endswith("/sync/pull"):
            return httpx.Response(200, headers=headers, stream=httpx.ByteStream(gzip.compress(b'{"rows": [')[:-4]))
        return self.inner.handle_request(request)


def test_a_broken_server_answer_is_said_in_chinese_on_the_sync_screen_and_the_edit_waits(make_app, cloud):
    app = ready(make_app())
    resident = cloud.world.residents["grid_a1"].id
    view = app.open(f"/resident/{resident}")
    type_into(field(view, "手机号"), "13900000001")
    tap(button(view, "保存"))
    real = cloud.transport.inner
    cloud.transport.inner = Garbage(real)
    try:
        view = app.open("/sync")
        tap(button(view, "立即同步"))
        shown = texts(app.page.view)
        assert "服务器返回的数据有误" in shown and "待上传的修改：1 条" in shown
    finally:
        cloud.transport.inner = real
    tap(button(app.page.view, "立即同步"))
    assert "待上传的修改：0 条" in texts(app.page.view)


def test_a_server_on_the_internet_needs_https_and_gets_it_by_default(make_app):
    app = make_app().start()
    view = app.page.view
    type_into(field(view, "服务器地址"), "http://jy.example.cn")
    type_into(field(view, "用户名"), "coord_a1")
    type_into(field(view, "密码"), "x")
    tap(button(view, "登录"))
    assert "必须使用 https://" in texts(app.page.view)
    from mobile.services.session import normalize_server_url

    assert normalize_server_url("jy.example.cn:8443") == "https://jy.example.cn:8443"
    assert normalize_server_url("192.168.1.5:8000") == "http://192.168.1.5:8000"
    assert normalize_server_url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
    sign_in(app)  # the test server's one-word name is on the office network: plain HTTP
    assert app.page.route == "/pin/new"
