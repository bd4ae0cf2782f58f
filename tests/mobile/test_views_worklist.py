"""The worklist through the app: the zero-employment clock and changes made by others, as the coordinator sees them."""
from __future__ import annotations

from datetime import timedelta

from tests.mobile.flows import ctx, ready
from tests.mobile.ui import button, choose, field, tap, texts, type_into


def reasons_of(view, address: str) -> str:
    """The worklist tile of a household: its address line and reasons."""
    lines = texts(view).splitlines()
    if address not in lines:
        return ""
    start = lines.index(address)
    return "\n".join(lines[start:start + 4])


def test_employment_recorded_on_the_form_stops_the_clock_on_the_worklist_and_the_card(make_app, cloud, clock):
    app = ready(make_app())
    session = ctx(app).session
    home = cloud.world.households["grid_a1"]
    person = cloud.world.residents["grid_a1"]
    today = clock().astimezone().date()
    identified = today - timedelta(days=10)
    session.store.save("household", {"zero_employment": True, "zero_employment_identified_on": identified},
                       row_id=home.id, now=session.now())
    assert "零就业 剩 10 天" in reasons_of(app.open("/"), "幸福一网格小区")
    assert "零就业时限剩 10 天" in texts(app.open(f"/household/{home.id}"))

    # the coordinator hears the resident found work 4 days ago (no referral): the form records it
    view = app.open(f"/resident/{person.id}")
    choose(field(view, "就业状态"), "employed")
    type_into(field(view, "就业状态起始日期"), (today - timedelta(days=4)).isoformat())
    tap(button(view, "保存"))
    card = texts(app.open(f"/household/{home.id}"))
    assert "就业" in card and "零就业时限" not in card
    worklist = app.open("/")
    assert "幸福一网格小区" in texts(worklist) and "零就业" not in reasons_of(worklist, "幸福一网格小区")
