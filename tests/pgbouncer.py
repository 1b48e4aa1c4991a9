"""A PgBouncer of our own, in transaction pooling mode, on a free loopback port (tests and bench/network.py).

Transaction pooling gives a client's next transaction any server connection, so nothing may live in a
session: PgBouncer refuses the libpq `options` startup parameter (where the tests put their schema's
search_path). Each schema therefore gets a database entry of its own whose `connect_query` sets the
search_path on every server connection PgBouncer opens for it: the same schema, however the
transactions are spread over server connections. Entries are added by rewriting the ini file and
sending SIGHUP (PgBouncer re-reads it).

PgBouncer refuses to run as root; as root it is started with `-u postgres` (or nobody), so its folder is
readable by everyone (it holds no secret: authentication is `trust`, as is the test server's).
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse


def binary() -> str | None:
    """The pgbouncer program, or None when it is not installed (Debian package `pgbouncer`)."""
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/local/sbin/pgbouncer") if os.path.exists(p)), None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PgBouncer:
    """One pgbouncer process in front of the PostgreSQL server of `server_url`."""

    def __init__(self, server_url: str, *, max_client_conn: int = 500, pool_size: int = 20) -> None:
        program = binary()
        if program is None:
            raise FileNotFoundError("pgbouncer is not installed (apt-get install pgbouncer)")
        server = urlparse(server_url)
        self.server = (server.hostname or "127.0.0.1", server.port or 5432, server.path.lstrip("/") or "postgres",
                       server.username or "postgres")
        self.folder = Path(tempfile.mkdtemp(prefix="deskapp-pgbouncer-"))
        self.folder.chmod(0o755)
        self.entries: dict[str, tuple[str, str]] = {}  # alias: (server database, connect_query)
        self.settings = {"max_client_conn": max_client_conn, "default_pool_size": pool_size}
        (self.folder / "users.txt").write_text(f'"{self.server[3]}" ""\n')
        self.port = 0
        self.process: subprocess.Popen | None = None
        for _ in range(5):  # another process may take the free port before pgbouncer binds it
            self.port = _free_port()
            self._write()
            command = [program, str(self.folder / "pgbouncer.ini")]
            if os.geteuid() == 0:
                command[1:1] = ["-u", _unprivileged()]
            self.log = open(self.folder / "pgbouncer.log", "ab")  # closed in stop()
            self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
            if self._wait_listening():
                return
            self.stop(remove=False)
        raise RuntimeError(f"pgbouncer did not start: {self.log_text()[-2000:]}")

    def _write(self) -> None:
        host, port, dbname, user = self.server
        lines = ["[databases]"]
        lines += [f"{alias} = host={host} port={port} dbname={target or dbname} user={user}"
                  + (f" connect_query='{query}'" if query else "") for alias, (target, query) in self.entries.items()]
        lines += [
            "[pgbouncer]", "listen_addr = 127.0.0.1", f"listen_port = {self.port}", "unix_socket_dir =",
            "auth_type = trust", f"auth_file = {self.folder / 'users.txt'}", "pool_mode = transaction",
            f"max_client_conn = {self.settings['max_client_conn']}",
            f"default_pool_size = {self.settings['default_pool_size']}",
            "server_reset_query =", "ignore_startup_parameters = extra_float_digits",
        ]
        path = self.folder / "pgbouncer.ini"
        path.write_text("\n".join(lines) + "\n")
        path.chmod(0o644)
        (self.folder / "users.txt").chmod(0o644)

    def _wait_listening(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def database(self, alias: str, *, dbname: str = "", search_path: str | None = None, extra: str = "") -> str:
        """A URL through PgBouncer to the server's database (or `dbname`), whose server connections get
        `search_path` (and the SET statements of `extra`); the entry is added on first use."""
        query = "; ".join(q for q in (f"SET search_path = {search_path}" if search_path else "", extra) if q)
        if self.entries.get(alias) != (dbname, query):
            self.entries[alias] = (dbname, query)
            self._write()
            assert self.process is not None
            self.process.send_signal(signal.SIGHUP)
            self._wait_for(alias)
        return f"postgresql://{self.server[3]}@127.0.0.1:{self.port}/{alias}"

    def _wait_for(self, alias: str, timeout: float = 10.0) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(f"postgresql://{self.server[3]}@127.0.0.1:{self.port}/{alias}",
                                     connect_timeout=2, prepare_threshold=None) as conn:
                    conn.execute("SELECT 1")
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def drop(self, alias: str) -> None:
        """Forget an entry (its server connections end at the next reload)."""
        if self.entries.pop(alias, None) is not None and self.process and self.process.poll() is None:
            self._write()
            self.process.send_signal(signal.SIGHUP)

    def log_text(self) -> str:
        try:
            return (self.folder / "pgbouncer.log").read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, *, remove: bool = True) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # PgBouncer's "shut down now"
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        if remove:
            shutil.rmtree(self.folder, ignore_errors=True)


def _unprivileged() -> str:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("no unprivileged user (postgres or nobody) to run pgbouncer as")
