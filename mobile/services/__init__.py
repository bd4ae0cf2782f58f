"""What the app's views call: sign-in and lock, worklist, search, household card, forms, sync, settings.

Services hold the app's logic and call only ``mobile.store.DeviceStore`` and
``mobile.sync.SyncEngine`` (no SQL, and HTTP only for signing in and out). A
service class takes ``(session, state)``; views get one with
``ctx.service(SomeService)``, which makes it once per page.
"""
