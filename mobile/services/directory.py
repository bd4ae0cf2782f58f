"""The colleagues of my areas (names and roles from the server's directory), kept sealed on the phone.

Fetched after each sync; a failure keeps the last copy. Screens ask
``name_of`` for who recorded a step or wrote a value, instead of an id.
"""
from __future__ import annotations

from typing import Any, Optional

import httpx

from mobile.services.session import Session

DIRECTORY_PATH = "/api/v1/directory"
META_KEY = "colleagues"  # user id -> {"display_name", "role"}
ROLE_WORDS = {"coordinator": "协管员", "manager": "管理员", "admin": "系统管理员"}


def refresh_colleagues(session: Session) -> bool:
    """Fetch the directory and keep it (sealed in the store's meta); False when the server could not say."""
    url, token = session.meta("server_url", ""), session.meta("token", "")
    try:
        with session.http_client(url, token) as client:
            response = client.get(DIRECTORY_PATH)
    except httpx.HTTPError:
        return False
    if response.status_code != 200:
        return False
    try:
        rows = response.json()
        found = {str(r["id"]): {"display_name": str(r["display_name"])[:64], "role": str(r.get("role", ""))}
                 for r in rows}
    except (ValueError, KeyError, TypeError):
        return False  # a malformed answer changes nothing
    session.store.set_meta(META_KEY, found)
    return True


def name_of(session: Session, user_id: Optional[str]) -> Optional[str]:
    """"刘洋（协管员）" for a colleague in the directory, None for someone unknown."""
    entry: Any = (session.meta(META_KEY, {}) or {}).get(user_id or "")
    if not isinstance(entry, dict) or not entry.get("display_name"):
        return None
    role = ROLE_WORDS.get(entry.get("role", ""), "")
    return f"{entry['display_name']}（{role}）" if role else entry["display_name"]
