"""A real PostgreSQL streaming replica of the test server, for the read-replica test: a base backup
of 127.0.0.1:5432 (pg_basebackup) started by pg_ctl on a free port in a temporary directory, as the
user PostgreSQL runs as (`postgres` when the tests run as root). Replication connections from
127.0.0.1 are allowed by bin/start-services. Any failure raises: the test must not skip on PostgreSQL."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass

PRIMARY_HOST, PRIMARY_PORT = "127.0.0.1", 5432


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else (shutil.which(name) or name)


def _as_server_user() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args: list[str], timeout: int = 300, log: str = "") -> None:
    done = subprocess.run(_as_server_user() + args, capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        tail = open(log).read()[-800:] if log and os.path.exists(log) else ""
        raise RuntimeError(f"{os.path.basename(args[0])} failed: {done.stderr.strip()[-800:]} {tail}")


@dataclass
class Standby:
    directory: str
    port: int

    @property
    def data(self) -> str:
        return os.path.join(self.directory, "data")

    def stop(self) -> None:
        subprocess.run(
            _as_server_user() + [_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


def standby_start() -> Standby:
    directory = tempfile.mkdtemp(prefix="afterschool-replica-")
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(directory, user.pw_uid, user.pw_gid)
    standby = Standby(directory=directory, port=_free_port())
    try:
        _run(
            [_bin("pg_basebackup"), "-h", PRIMARY_HOST, "-p", str(PRIMARY_PORT), "-U", "postgres"]
            + ["-D", standby.data, "-X", "stream", "-R", "-c", "fast"]
        )
        # Debian keeps the configuration outside the data directory: the standby gets its own.
        for name, text in (
            ("postgresql.conf", "hot_standby = on\nfsync = off\n"),
            ("pg_hba.conf", "local all all trust\nhost all all 127.0.0.1/32 trust\n"),
            ("pg_ident.conf", ""),
        ):
            path = os.path.join(standby.data, name)
            with open(path, "w") as handle:
                handle.write(text)
            if os.geteuid() == 0:
                os.chown(path, user.pw_uid, user.pw_gid)
        options = f"-p {standby.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={directory}"
        _run(
            [
                _bin("pg_ctl"),
                "-D",
                standby.data,
                "-l",
                f"{directory}/log",
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
            log=f"{directory}/log",
        )
    except Exception:
        standby.stop()
        raise
    return standby


def replay_wait(primary, replica, timeout: float = 30.0) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    with primary.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (lsn,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.1)
    raise RuntimeError("the replica did not catch up")
