"""A private PostgreSQL cluster for one test (initdb in a temporary folder), to restart without disturbing others.

The shared server at 127.0.0.1:5432 serves every other test; a test that
restarts PostgreSQL gets its own cluster from the same binaries (Debian's
``/usr/lib/postgresql/<version>/bin``), run as the ``postgres`` user when the
tests run as root (initdb refuses root).
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.browser.processes import free_port


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def cluster_unavailable() -> str | None:
    """Why no private cluster can be made here (None when one can)."""
    if _bin_dir() is None:
        return "no PostgreSQL server binaries (initdb) on this machine: apt-get install postgresql"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a postgres user: initdb refuses to run as root"
    return None


class PrivateCluster:
    """A cluster in its own folder under the system's temporary folder (the postgres user must reach it)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="doorstep-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.bin = _bin_dir()

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(prefix + list(args), capture_output=True, text=True, timeout=120)
        if check and done.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stdout}{done.stderr}"
                               f"{self._log_tail()}")
        return done

    def _log_tail(self) -> str:
        try:
            return "\n" + (self.folder / "log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def start(self) -> "PrivateCluster":
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8")
        self._ctl("start")
        return self

    def _ctl(self, action: str, mode: str = "fast") -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-w",
                  "-m", mode, "-o", options, action)

    def restart(self, mode: str = "fast") -> None:
        """``fast``: each backend rolls back and ends; ``immediate``: every backend is cut at once (as a crash),
        and the server recovers from its log when it starts again."""
        self._ctl("restart", mode)

    def stop(self) -> None:
        if self.data.exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
