"""Lost phones and long absences: a phone revoked as lost wipes itself on its next contact; a signed-out one signs
in again and pushes first; a phone offline too long asks for the password online before it opens."""
from __future__ import annotations

import httpx
from sqlalchemy import select

from mobile.services.sign_in import LOST_MESSAGE, SignInService
from shared.models import AuditEvent, Resident
from tests.mobile.conftest import PIN, SERVER
from tests.mobile.flows import ctx, ready
from tests.mobile.ui import button, field, tap, texts, type_into
from tests.server.factories import PASSWORD


def revoke(cloud, device_id: str, *, lost: bool) -> dict:
    token = cloud.login("admin")["token"]
    with httpx.Client(base_url=SERVER, transport=cloud.transport) as client:
        answer = client.post(f"/api/v1/admin/devices/{device_id}/revoke", params={"lost": lost},
                             headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def edit_notes(app, resident_id: str, notes: str) -> None:
    session = ctx(app).session
    session.store.save("resident", {"notes": notes}, row_id=resident_id, now=session.now())


def unlock(app, pin: str = PIN):
    ctx(app).service(SignInService).lock()
    view = app.open("/unlock")  # what the idle watcher does (opening the current route again redraws nothing)
    type_into(field(view, "PIN"), pin)
    tap(button(view, "解锁"))
    return app.page.view


def test_a_phone_revoked_as_lost_deletes_its_key_and_files_on_its_next_sync(make_app, cloud, tmp_path):
    app = ready(make_app())
    session = ctx(app).session
    keys, device_id = session.keystore, session.meta("device_id")
    assert keys.values and (tmp_path / "phone" / "doorstep.sqlite3").is_file()
    edit_notes(app, cloud.world.residents["grid_a1"].id, "白天不在家")
    shown = revoke(cloud, device_id, lost=True)
    assert shown["revoked_at"] and shown["wipe_requested_at"]
    view = app.open("/sync")
    tap(button(view, "立即同步"))
    assert app.page.route == "/sign-in" and LOST_MESSAGE in texts(app.page.view)
    assert keys.values == {}  # the device secret and the PIN count are gone: nothing can open the old data
    store = session.store  # a fresh, empty store in place of the deleted file
    assert not store.is_provisioned() and store.all_rows("resident") == []
    with cloud.engine.connect() as conn:
        told = conn.execute(select(AuditEvent.__table__.c.action)
                            .where(AuditEvent.__table__.c.device_id == device_id)).scalars().all()
    assert "device.wipe_sent" in told


def test_a_signed_out_device_keeps_its_data_signs_in_again_and_pushes_first(make_app, cloud):
    app = ready(make_app())
    resident = cloud.world.residents["grid_a1"].id
    revoke(cloud, ctx(app).session.meta("device_id"), lost=False)  # retired on the server, not lost
    edit_notes(app, resident, "腿脚不便")
    view = app.open("/sync")
    tap(button(view, "立即同步"))
    assert app.page.route == "/reauth" and "登录已失效" in texts(app.page.view)
    assert ctx(app).session.store.pending_count() == 1  # kept
    type_into(field(app.page.view, "密码"), "wrong")
    tap(button(app.page.view, "登录并同步"))
    assert "用户名或密码错误" in texts(app.page.view) and app.page.route == "/reauth"
    type_into(field(app.page.view, "密码"), PASSWORD)
    tap(button(app.page.view, "登录并同步"))
    assert app.page.route == "/"
    assert ctx(app).session.store.pending_count() == 0
    with cloud.engine.connect() as conn:
        notes = conn.execute(select(Resident.__table__.c.notes).where(Resident.__table__.c.id == resident)).scalar()
    assert notes == "腿脚不便"


def test_a_phone_offline_too_long_asks_for_the_password_online_before_it_opens(make_app, cloud, clock):
    app = ready(make_app())
    assert ctx(app).session.meta("offline_days") == 14  # the server's policy, from the login answer
    clock.advance(days=13)
    unlock(app)
    assert app.page.route == "/"  # within the limit: the PIN is enough
    clock.advance(days=2)  # now 15 days since the last contact
    view = unlock(app)
    assert app.page.route == "/reauth" and "超过 14 天" in texts(view)
    assert app.open("/") and app.page.route == "/reauth"  # no screen opens before the server agrees
    assert ctx(app).session.search_index is None
    cloud.transport.online = False
    type_into(field(app.page.view, "密码"), PASSWORD)
    tap(button(app.page.view, "登录并同步"))
    assert app.page.route == "/reauth" and "无法连接服务器" in texts(app.page.view)
    cloud.transport.online = True
    type_into(field(app.page.view, "密码"), PASSWORD)
    tap(button(app.page.view, "登录并同步"))
    assert app.page.route == "/" and "幸福一网格小区" in texts(app.page.view)
    clock.advance(days=10)
    unlock(app)
    assert app.page.route == "/"  # the sign-in counted as contact


def test_a_lost_phone_that_was_offline_hears_it_when_it_asks_to_open(make_app, cloud, clock):
    app = ready(make_app())
    revoke(cloud, ctx(app).session.meta("device_id"), lost=True)
    clock.advance(days=30)
    unlock(app)
    type_into(field(app.page.view, "密码"), PASSWORD)
    tap(button(app.page.view, "登录并同步"))
    assert app.page.route == "/sign-in" and LOST_MESSAGE in texts(app.page.view)
    assert not ctx(app).session.store.is_provisioned()
