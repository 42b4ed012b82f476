"""The portal as it runs in production, for the proxy tests: gunicorn (gunicorn.conf.py, DEBUG off)
on the test database, behind Debian's nginx with deploy/nginx/afterschool.conf and a self-signed
certificate, everything on unprivileged ports of 127.0.0.1 with its files in a temporary folder.

nginx reaches gunicorn from 127.0.0.2 (proxy_bind), so a test can tell the browser's address
(127.0.0.1) from the proxy's."""

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.support.services import need_service, server_env, stop_process

ROOT = Path(__file__).resolve().parents[2]
SITE_TEMPLATE = ROOT / "deploy" / "nginx" / "afterschool.conf"
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PROXY_ADDRESS = "127.0.0.2"  # where nginx connects to gunicorn from
SECRET = "deploy-test-" + "s3cr3t-K3y-" * 5


def nginx_binary() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    need_service("nginx (bin/ensure-nginx)", Path(found).exists())
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, path: str, process: subprocess.Popen, what: str) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited at start")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not start")


# --- Certificate and configuration -------------------------------------------------------------------


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (its own CA: pass it as --cafile), made by openssl."""
    need_service("openssl", shutil.which("openssl") is not None)
    cert, key = folder / "portal.crt", folder / "portal.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "3650",
            "-subj",
            "/CN=127.0.0.1",
        ]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def render_site(values: dict[str, str], *, drop: tuple[str, ...] = ()) -> str:
    """deploy/nginx/afterschool.conf with its ${AFTERSCHOOL_…} placeholders filled (what envsubst
    does), the lines containing any of `drop` left out, and nginx connecting from PROXY_ADDRESS."""
    text = SITE_TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace("${AFTERSCHOOL_" + name + "}", value)
    assert "${AFTERSCHOOL_" not in text, "a placeholder of the template is not filled"
    lines = [line for line in text.splitlines() if not any(d in line for d in drop)]
    text = "\n".join(lines) + "\n"
    return text.replace(
        "proxy_pass http://afterschool_portal;",
        f"proxy_pass http://afterschool_portal;\n        proxy_bind {PROXY_ADDRESS};",
    )


def main_config(prefix: Path, site: Path) -> str:
    """A whole nginx.conf around the site: its pid, logs and temporary files under prefix."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers read the test's private temp folder
    temps = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}worker_processes 1;
daemon off;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {prefix / "access.log"};
{temps}
    include {site};
}}
"""


class Proxy:
    """nginx in front of a portal at `upstream`, over HTTPS at .origin and plain HTTP at .http_port."""

    def __init__(
        self,
        folder: Path,
        *,
        upstream: str,
        static_root: Path,
        https_port: int = 0,
        drop: tuple[str, ...] = (),
    ):
        self.nginx = nginx_binary()
        self.prefix = folder
        self.prefix.mkdir(parents=True, exist_ok=True)
        self.cert, self.key = self_signed_certificate(self.prefix)
        self.https_port, self.http_port = https_port or free_port(), free_port()
        self.origin = f"https://127.0.0.1:{self.https_port}"
        site = self.prefix / "afterschool.conf"
        site.write_text(
            render_site(
                {
                    "SERVER_NAME": "127.0.0.1",
                    "ORIGIN": self.origin,
                    "HTTP_LISTEN": f"127.0.0.1:{self.http_port}",
                    "HTTPS_LISTEN": f"127.0.0.1:{self.https_port}",
                    "CERT": str(self.cert),
                    "CERT_KEY": str(self.key),
                    "UPSTREAM": upstream,
                    "STATIC_ROOT": str(static_root),
                },
                drop=drop,
            )
        )
        self.conf = self.prefix / "nginx.conf"
        self.conf.write_text(main_config(self.prefix, site))
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Proxy":
        args = [
            self.nginx,
            "-e",
            str(self.prefix / "error.log"),
            "-p",
            str(self.prefix),
            "-c",
            str(self.conf),
        ]
        self.process = subprocess.Popen(args, env=server_env())
        wait_for(self.http_port, "/", self.process, "nginx")
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            stop_process(self.process)


# --- The portal --------------------------------------------------------------------------------------


def database_url() -> str:
    """The test database as a DATABASE_URL, for a server process to share it (transactional tests)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def portal_env(*, static_root: Path, media_root: Path, origins: str = "", **overrides) -> dict:
    """A production portal's environment (DEBUG off, behind one TLS proxy) on the test database."""
    env = {
        **server_env(),
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DEBUG": "0",
        "TESTING": "0",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": origins,
        "BEHIND_TLS_PROXY": "1",
        "PROXY_COUNT": "1",
        "STATIC_ROOT": str(static_root),
        "MEDIA_ROOT": str(media_root),
        "REPORTS_ROOT": str(media_root / "reports"),
        # No worker in the test: the web process runs imports and reports itself.
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "OTP_REQUIRED": "0",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "afterschool.settings",
    }
    env.update(overrides)
    return env


def collect_static(static_root: Path) -> None:
    """collectstatic into static_root, as production does before nginx serves it."""
    env = portal_env(static_root=static_root, media_root=static_root.parent)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )


class Portal:
    """gunicorn with gunicorn.conf.py on 127.0.0.1:<free port>, its access log in folder."""

    def __init__(self, folder: Path, *, static_root: Path, origins: str = ""):
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.upstream = f"127.0.0.1:{self.port}"
        self.access_log = folder / "gunicorn-access.log"
        self.env = portal_env(
            static_root=static_root,
            media_root=folder / "media",
            origins=origins,
            GUNICORN_BIND=self.upstream,
            GUNICORN_WORKERS="2",
            GUNICORN_ACCESS_LOG=str(self.access_log),
        )
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Portal":
        args = [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), "afterschool.wsgi"]
        self.process = subprocess.Popen(args, cwd=ROOT, env=self.env)
        wait_for(self.port, "/healthz", self.process, "gunicorn")
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            stop_process(self.process)
