"""PIPL requests about one person: who saw their data, their whole card as a file, correction, anonymisation."""
from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import Response

from server.deps import ConnDep, ManagerUser, ScopeDep
from server.errors import error_responses
from server.services import privacy
from shared.models import utc_now

router = APIRouter(prefix="/residents", tags=["privacy"], responses=error_responses(401, 403, 404))


@router.get("/{resident_id}/access-log")
def access_log(resident_id: str, _manager: ManagerUser, scope: ScopeDep, conn: ConnDep) -> list[dict]:
    """Who saw, received, exported or corrected this person's data (reads, pulls to devices), newest first."""
    return privacy.access_log(conn, scope, resident_id)


@router.get("/{resident_id}/export", response_class=Response,
            responses={200: {"content": {"application/json": {}}, "description": "the card as a file"}})
def export_card(resident_id: str, manager: ManagerUser, scope: ScopeDep, conn: ConnDep) -> Response:
    """The person's whole card (一人一卡) as a JSON file, for a request to see or take their data."""
    card = privacy.export_card(conn, scope, manager, resident_id)
    body = json.dumps(card, ensure_ascii=False, indent=1, default=str).encode("utf-8")
    return Response(body, media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="resident-{resident_id[:8]}.json"'})


@router.post("/{resident_id}/correction", responses=error_responses(422))
def correct(resident_id: str, manager: ManagerUser, scope: ScopeDep, conn: ConnDep,
            fields: dict[str, Any] = Body(..., embed=True, max_length=40)) -> dict:
    """Correct fields of the card at the person's request (checked like a phone's edit; phones pull it)."""
    return privacy.correct_resident(conn, scope, manager, resident_id, fields, utc_now())


@router.post("/{resident_id}/anonymise")
def anonymise(resident_id: str, manager: ManagerUser, scope: ScopeDep, conn: ConnDep) -> dict:
    """Delete what identifies the person, keep what the figures count (the person asked, or the time is up)."""
    changed = privacy.anonymise_resident(conn, scope, manager, resident_id, utc_now())
    conn.commit()
    return {"id": resident_id, "anonymised": True, "changed": changed}
