"""The device side of sync: ``SyncEngine`` over httpx (push the outbox, pull pages), and its errors."""
from mobile.sync.engine import ChangeOutcome, SyncEngine, SyncSummary
from mobile.sync.errors import AuthExpired, BadAnswer, ResyncRequired, ServerUnreachable, SyncError
from mobile.sync.inprocess import InProcessTransport

__all__ = ["AuthExpired", "ChangeOutcome", "BadAnswer", "InProcessTransport", "ResyncRequired", "ServerUnreachable", "SyncEngine", "SyncError",
           "SyncSummary"]
