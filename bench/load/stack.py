"""The load bench's stack on loopback: a PostgreSQL database, pgbouncer, several `doorstep serve`, nginx in front.

Everything is started by ``Stack.start()`` in a temporary folder and stopped
by ``Stack.stop()`` (also on error): no process outlives the run. pgbouncer
refuses to run as root, so as root it runs as the ``postgres`` user; nginx's
workers run as root then (their files are in the run's own folder).
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN = os.environ.get("DOORSTEP_BENCH_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def postgres_cpu_seconds() -> float:
    """CPU of every PostgreSQL process on this machine (its backends and helpers)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    total += cpu_seconds(int(entry.name))
            except OSError:
                continue
    return total


def _as_postgres_user() -> list[str]:
    """The prefix that runs a command as the ``postgres`` user when we are root (pgbouncer won't run as root)."""
    if os.geteuid() != 0:
        return []
    pwd.getpwnam("postgres")
    return ["runuser", "-u", "postgres", "--"]


@dataclass
class Stack:
    servers: int = 2
    pool_size: int = 20
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="doorstep-load-")))
    database: str = field(default_factory=lambda: f"doorstep_load_{uuid.uuid4().hex[:8]}")
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    proxy_url: str = ""
    direct_url: str = ""

    # ---- start ---------------------------------------------------------------------------------------------
    def start(self) -> "Stack":
        for tool in ("pgbouncer", "nginx"):
            if not (shutil.which(tool) or Path(f"/usr/sbin/{tool}").exists()):
                raise SystemExit(f"{tool} is missing: apt-get install -y pgbouncer nginx")
        os.chmod(self.folder, 0o755)
        self._create_database()
        bouncer_port = self._start_pgbouncer()
        pooled_url = f"postgresql+psycopg://postgres@127.0.0.1:{bouncer_port}/{self.database}"
        ports = [self._start_server(i, pooled_url) for i in range(self.servers)]
        self.proxy_url = f"http://127.0.0.1:{self._start_nginx(ports)}"
        _wait_http(self.proxy_url + "/api/v1/auth/me", self.processes)
        return self

    def _create_database(self) -> None:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.database}"'))
        admin.dispose()
        self.direct_url = make_url(PG_ADMIN).set(database=self.database).render_as_string(hide_password=False)
        from server.migrate import upgrade

        upgrade(self.direct_url)

    def _start_pgbouncer(self) -> int:
        port = free_port()
        (self.folder / "userlist.txt").write_text('"postgres" ""\n')
        (self.folder / "pgbouncer.ini").write_text(f"""[databases]
{self.database} = host=127.0.0.1 port=5432 dbname={self.database} user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {self.folder / 'userlist.txt'}
pool_mode = transaction
default_pool_size = {self.pool_size}
max_client_conn = 2000
logfile = {self.folder / 'pgbouncer.log'}
pidfile = {self.folder / 'pgbouncer.pid'}
""")
        if os.geteuid() == 0:
            shutil.chown(self.folder / "pgbouncer.ini", "postgres")
            os.chmod(self.folder, 0o777)
        self.processes["pgbouncer"] = subprocess.Popen(
            _as_postgres_user() + ["pgbouncer", str(self.folder / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL, stderr=open(self.folder / "pgbouncer.err", "wb"))
        _wait_port(port, self.processes)
        return port

    def _start_server(self, index: int, url: str) -> int:
        port = free_port()
        env = {**os.environ, "DOORSTEP_DATABASE_URL": url, "DOORSTEP_DATABASE_POOLED": "1",
               "DOORSTEP_LOG_LEVEL": "warning", "DOORSTEP_LOGIN_MAX_FAILURES": "0"}
        self.processes[f"server{index}"] = subprocess.Popen(
            [sys.executable, "-m", "doorstep.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=open(self.folder / f"server{index}.err", "wb"))
        _wait_http(f"http://127.0.0.1:{port}/api/v1/health", self.processes)
        return port

    def _start_nginx(self, ports: list[int]) -> int:
        port = free_port()
        upstream = "\n".join(f"        server 127.0.0.1:{p};" for p in ports)
        user = "user root;\n" if os.geteuid() == 0 else ""
        (self.folder / "nginx.conf").write_text(f"""{user}worker_processes 1;
error_log {self.folder}/nginx-error.log warn;
pid {self.folder}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {self.folder}/nginx-body;
    proxy_temp_path {self.folder}/nginx-proxy;
    fastcgi_temp_path {self.folder}/nginx-fcgi;
    uwsgi_temp_path {self.folder}/nginx-uwsgi;
    scgi_temp_path {self.folder}/nginx-scgi;
    client_max_body_size 16m;
    upstream doorstep {{
        least_conn;
{upstream}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://doorstep;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 120s;
        }}
    }}
}}
""")
        self.processes["nginx"] = subprocess.Popen(
            ["nginx", "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=open(self.folder / "nginx.err", "wb"))
        _wait_port(port, self.processes)
        return port

    # ---- measure -------------------------------------------------------------------------------------------
    def cpu(self) -> dict[str, float]:
        """CPU seconds so far: the server processes (with their children), nginx and pgbouncer, PostgreSQL."""
        figures = {"servers": 0.0, "nginx": 0.0, "pgbouncer": 0.0}
        for name, process in self.processes.items():
            key = "servers" if name.startswith("server") else name
            figures[key] += sum(cpu_seconds(pid) for pid in [process.pid, *_children(process.pid)])
        figures["postgresql"] = postgres_cpu_seconds()
        return figures

    # ---- stop ----------------------------------------------------------------------------------------------
    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                for pid in _children(process.pid):
                    _kill(pid, signal.SIGTERM)
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self.processes.clear()
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    def logs(self) -> str:
        """The tail of every process's error output (for a failed run)."""
        parts = []
        for path in sorted(self.folder.glob("*.err")) + sorted(self.folder.glob("*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-1500:]}")
        return "\n".join(parts)


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _wait_port(port: int, processes: dict[str, subprocess.Popen], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        _check_alive(processes)
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f} s")


def _wait_http(url: str, processes: dict[str, subprocess.Popen], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        _check_alive(processes)
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def _check_alive(processes: dict[str, subprocess.Popen]) -> None:
    for name, process in processes.items():
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}")
