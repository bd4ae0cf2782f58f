"""The SQLite server's WAL checkpoints, in a thread of their own, so that no request's commit waits for one.

In WAL mode every commit appends pages to the ``-wal`` file, and a checkpoint
copies them back into the database file and syncs it. SQLite runs that
checkpoint inside the commit that crosses ``wal_autocheckpoint`` pages: a
10,000-resident push (bench/bench_replay.py) had three commits of 150–220 ms
instead of 6 ms, and the device waited for each answer. Here a thread of the
server process checkpoints after commits, on its own connection (``PASSIVE``:
it never waits for readers or the writer; SQLite's module lets go of the GIL
while it runs), at most once per ``interval_s``, while the requests go on.
The requests' own connections keep a far larger ``wal_autocheckpoint``
(``server.db.SQLITE_FALLBACK_CHECKPOINT_PAGES``), so the WAL stays bounded
should this thread fall behind.

Only a server with a SQLite file starts one (``server.app``: in the app's
lifespan); PostgreSQL has its own checkpointer.
"""
from __future__ import annotations

import logging
import sqlite3
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

INTERVAL_S = 0.5  # at most one checkpoint (and one sync of the database file) per half second


class WalCheckpointer:
    """Checkpoints ``path``'s WAL after commits on ``engine``, from a daemon thread; ``start()`` / ``stop()``."""

    def __init__(self, engine: Engine, path: str, *, interval_s: float = INTERVAL_S) -> None:
        self.engine = engine
        self.path = path
        self.interval_s = interval_s
        self.checkpoints = 0  # completed checkpoints that copied pages (for tests and the log)
        self._committed = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def _on_commit(self, _conn) -> None:
        self._committed.set()

    def start(self) -> None:
        if self._thread is not None:
            return
        event.listen(self.engine, "commit", self._on_commit)
        self._thread = threading.Thread(target=self._run, name="doorstep-wal-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread after one last checkpoint of what was committed."""
        if self._thread is None:
            return
        event.remove(self.engine, "commit", self._on_commit)
        self._stopping.set()
        self._committed.set()
        self._thread.join()
        self._thread = None

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            while True:
                self._committed.wait()
                if self._stopping.is_set():
                    self.checkpoint(connection)
                    return
                self._committed.clear()
                self.checkpoint(connection)
                self._stopping.wait(self.interval_s)  # commits meanwhile are taken by the next round
        finally:
            connection.close()

    def checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            busy, wal_pages, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as error:  # the next commit asks again; SQLite's own checkpoint is the fallback
            log.warning("WAL checkpoint failed: %s", error.__class__.__name__)
            return
        if copied > 0 and not busy:
            self.checkpoints += 1
        log.debug("WAL checkpoint: %s of %s pages copied", copied, wal_pages)
