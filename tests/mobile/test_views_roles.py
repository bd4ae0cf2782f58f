"""Roles in the app: each role's bottom bar (five tabs at most) and where it lands after the PIN."""
from __future__ import annotations

import flet as ft

from mobile.routing import HOME, MAX_NAV_ENTRIES, discover
from mobile.services.sign_in import SignInService
from mobile.views import manager_dashboard
from shared.vocab import Role
from tests.mobile.flows import ctx, ready, set_pin, sign_in
from tests.mobile.ui import button, field, tap, texts, type_into

COORDINATOR_TABS = ["今日", "搜索", "岗位", "同步", "设置"]
MANAGER_TABS = ["统计", "搜索", "同步", "设置"]
ADMIN_TABS = ["统计", "搜索", "同步", "管理", "设置"]


def tabs(view) -> list[str]:
    bar = view.navigation_bar
    assert isinstance(bar, ft.NavigationBar), "no bottom bar on this screen"
    return [d.label for d in bar.destinations]


def test_every_role_has_at_most_five_tabs_and_one_home():
    registry = discover()
    for role in Role:
        entries = registry.nav_for(role.value)
        assert 1 <= len(entries) <= MAX_NAV_ENTRIES, (role, [n.label for n in entries])
        assert sum(n.home for n in entries) <= 1, role
    assert [n.label for n in registry.nav_for("coordinator")] == COORDINATOR_TABS
    assert [n.label for n in registry.nav_for("manager")] == MANAGER_TABS
    assert [n.label for n in registry.nav_for("admin")] == ADMIN_TABS
    assert registry.home_for("coordinator") == HOME
    assert registry.home_for("manager") == registry.home_for("admin") == manager_dashboard.ROUTE
    assert registry.nav_for(None) == [] and registry.home_for(None) == HOME


def test_a_coordinator_lands_on_the_worklist_and_has_no_statistics_tab(make_app):
    app = ready(make_app())
    assert app.page.route == HOME and "今天的走访" in texts(app.page.view)
    assert tabs(app.page.view) == COORDINATOR_TABS
    assert tabs(app.open("/sync")) == COORDINATOR_TABS


def test_a_manager_lands_on_coverage_and_never_on_the_coordinators_worklist(make_app, clock):
    app = make_app().start()
    sign_in(app, "manager_a")
    view = set_pin(app)
    assert app.page.route == manager_dashboard.ROUTE
    assert view.appbar.title.value == "覆盖统计"
    assert tabs(view) == MANAGER_TABS  # no 今日, no 岗位
    # "/" (the worklist) leads a manager to their home
    app.open(HOME)
    assert app.page.route == manager_dashboard.ROUTE
    assert all(v.route != HOME for v in app.page.views)
    # a screen opened from the bar stacks on the manager's home, not on the worklist
    app.open("/sync")
    assert [v.route for v in app.page.views] == [manager_dashboard.ROUTE, "/sync"]
    assert tabs(app.page.view) == MANAGER_TABS
    # after the idle lock, the PIN brings the manager back to where they were, on their home's stack
    clock.advance(minutes=6)
    assert ctx(app).service(SignInService).lock_if_idle()
    view = app.open("/settings")
    assert app.page.route == "/unlock"
    type_into(field(view, "PIN"), "135792")
    tap(button(view, "解锁"))
    assert [v.route for v in app.page.views] == [manager_dashboard.ROUTE, "/sync"]


def test_an_opened_household_stacks_on_the_managers_home(make_app, cloud):
    app = ready(make_app(), "manager_a")
    household = cloud.world.households["grid_a1"]
    app.open(f"/household/{household.id}")
    assert [v.route for v in app.page.views] == [manager_dashboard.ROUTE, f"/household/{household.id}"]
