"""PIPL on the resident form: the notice is shown before collecting, and the consent records when, what, by whom."""
from __future__ import annotations

import flet as ft
from sqlalchemy import select

from shared.models import Resident
from shared.privacy import CONSENT_LABEL_ZH, NOTICE_VERSION, NOTICE_ZH
from tests.mobile.flows import ctx, ready
from tests.mobile.test_views_resident_form import open_new
from tests.mobile.ui import button, field, tap, texts, type_into, walk


def consent_box(view):
    return next(c for c in walk(view) if isinstance(c, ft.Checkbox) and c.label == CONSENT_LABEL_ZH)


def test_the_notice_comes_first_and_the_consent_is_recorded_with_notice_and_coordinator(make_app, cloud):
    app = ready(make_app())
    view, _home = open_new(app, cloud)
    shown = texts(view).splitlines()
    notice_at = shown.index(NOTICE_ZH)
    assert notice_at < shown.index("基本信息")  # before the first section of fields
    type_into(field(view, "姓名"), "赵敏")
    box = consent_box(view)
    box.value = True
    box.on_change(type("E", (), {"control": box})())
    tap(button(view, "保存"))
    session = ctx(app).session
    person = next(r for r in session.store.rows("resident") if r["name"] == "赵敏")
    me = session.user["id"]
    assert person["consent_given_at"] is not None and person["consent_notice"] == NOTICE_VERSION
    assert person["consent_recorded_by"] == me and person["consent_scope"]
    again = app.open(f"/resident/{person['id']}")
    assert NOTICE_ZH not in texts(again) and f"告知书 {NOTICE_VERSION}" in texts(again)
    tap(button(app.open("/sync"), "立即同步"))
    with cloud.engine.connect() as conn:
        stored = conn.execute(select(Resident.__table__).where(Resident.__table__.c.id == person["id"])
                              ).mappings().one()
    assert (stored["consent_notice"], stored["consent_recorded_by"]) == (NOTICE_VERSION, me)
    assert stored["consent_given_at"] is not None
