"""The app's observable state: what every screen may read (who is signed in, lock, sync progress)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

import flet as ft

# Phases of the app, in the order a new phone goes through them.
SIGNED_OUT = "signed_out"  # no data key yet: sign in with the server
SET_PIN = "set_pin"  # signed in, choosing the PIN that wraps the data key
LOCKED = "locked"  # data on the phone, waiting for the PIN
READY = "ready"  # unlocked
REAUTH = "reauth"  # unlocked, but the server must see the password first (offline too long, or signed out)


@ft.observable
@dataclass
class AppState:
    """One per page. Services write it; views read it and subscribe to redraw.

    Listeners are held weakly (flet.Observable): a view keeps a reference to
    the callback it subscribes.
    """

    phase: str = SIGNED_OUT
    user: Optional[dict[str, Any]] = None
    server_url: str = ""
    lock_minutes: int = 5
    last_activity: Optional[datetime] = None
    pending: int = 0  # outbox entries not yet acknowledged by the server
    last_sync_at: Optional[datetime] = None
    syncing: bool = False
    sync_step: str = ""
    sync_progress: Optional[float] = None  # 0..1 while syncing, None otherwise
    sync_summary: Optional[dict[str, Any]] = None
    sync_error: str = ""
    open_conflicts: int = 0
    extras: dict[str, Any] = field(default_factory=dict)  # for screens added later

    @property
    def user_id(self) -> Optional[str]:
        return (self.user or {}).get("id")

    @property
    def role(self) -> Optional[str]:
        """coordinator | manager | admin (shared.vocab.Role), None before sign-in."""
        return (self.user or {}).get("role")

    @property
    def display_name(self) -> str:
        user = self.user or {}
        return user.get("display_name") or user.get("username") or ""
