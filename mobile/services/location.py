"""The device's GPS position when it has one (flet-geolocator, optional): None whenever it cannot tell."""
from __future__ import annotations

import asyncio
from typing import Any, Optional


async def current_position(page: Any, timeout_s: float) -> Optional[tuple[float, float]]:
    """(latitude, longitude), or None: no geolocator package, no permission, no fix within the timeout."""
    try:
        from flet_geolocator import Geolocator, GeolocatorPermissionStatus
    except ImportError:
        return None
    locator = next((s for s in page.services if isinstance(s, Geolocator)), None)
    if locator is None:
        locator = Geolocator()
        page.services.append(locator)
    try:
        status = await asyncio.wait_for(locator.request_permission(), timeout_s)
        if status in (GeolocatorPermissionStatus.DENIED, GeolocatorPermissionStatus.DENIED_FOREVER):
            return None
        found = await asyncio.wait_for(locator.get_current_position(), timeout_s)
    except Exception:  # noqa: BLE001 - unsupported platform, service off, timeout: all mean "no position"
        return None
    if found is None or found.latitude is None or found.longitude is None:
        return None
    return float(found.latitude), float(found.longitude)
