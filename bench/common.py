"""What the benchmarks share: the context a scenario runs in, the portal's environment, throwaway
PostgreSQL databases with the demo data, gunicorn started with the production config, and the
result row every scenario returns.

Contract (bench/run_all.py): each bench/<name>.py exposes `run(ctx: Context) -> list[dict]`, one
dict per table row made with `row(...)`, and still runs on its own with `python bench/<name>.py`.
"""

import http.client
import os
import subprocess
import sys
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
if not Path(PY).exists():
    PY = sys.executable
GUNICORN = str(Path(PY).parent / "gunicorn")
PG = "postgres://postgres@127.0.0.1:5432/"
DEFAULT_DB = "afterschool_bench"
# BENCH_REDIS_URL: another Redis database when several people bench on one machine (it is flushed).
DEFAULT_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
# The demo at a school's real size: 84 children a class is about 1,000 at s1, as in F4's burst.
DEFAULT_SCALE = 84


@dataclass
class Context:
    """What run_all hands every scenario: a fresh database of its own, a Redis database, the demo's
    children per class, and --quick (short runs while developing)."""

    database_url: str = PG + DEFAULT_DB
    redis_url: str = DEFAULT_REDIS
    scale: int = DEFAULT_SCALE
    quick: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def database(self) -> str:
        return urllib.parse.urlparse(self.database_url).path.lstrip("/")

    def as_json(self) -> dict:
        return asdict(self)


def row(
    scenario: str,
    figure: float | None,
    *,
    floor: float | None = None,
    target: str = "",
    unit: str = "",
    passed: bool | None = None,
    ratio: float | None = None,
    note: str = "",
) -> dict:
    """One line of the results table. ratio defaults to figure / floor."""
    if ratio is None and figure is not None and floor:
        ratio = figure / floor
    return {
        "scenario": scenario,
        "figure": figure,
        "floor": floor,
        "ratio": ratio,
        "target": target,
        "unit": unit,
        "passed": passed,
        "note": note,
    }


def portal_env(ctx: Context, **overrides) -> dict:
    """The environment of a production-like portal process on the bench database."""
    env = {
        **os.environ,
        "DATABASE_URL": ctx.database_url,
        "REDIS_URL": ctx.redis_url,
        "DEBUG": "0",
        "TESTING": "0",
        "SECRET_KEY": "bench-" + "k" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
        # Staff sign in with a second factor in production; the benchmark's sessions are made
        # directly, so the factor is off here (its gate still runs on every request).
        "OTP_REQUIRED": "0",
        "DJANGO_SETTINGS_MODULE": "afterschool.settings",
    }
    env.update(overrides)
    return env


def psql(*sql: str, database: str = "postgres") -> None:
    args = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-q"]
    for statement in sql:
        args += ["-c", statement]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def fresh_database(database_url: str) -> None:
    """Drop and create the (throwaway) database of this URL."""
    name = urllib.parse.urlparse(database_url).path.lstrip("/")
    assert name.startswith("afterschool_bench"), f"refusing to drop {name}: not a bench database"
    _marker(database_url).unlink(missing_ok=True)
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")


def redis_flush(redis_url: str) -> None:
    parsed = urllib.parse.urlparse(redis_url)
    number = parsed.path.lstrip("/") or "0"
    subprocess.run(
        [
            "redis-cli",
            "-h",
            parsed.hostname or "127.0.0.1",
            "-p",
            str(parsed.port or 6379),
            "-n",
            number,
            "flushdb",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def demo_database(ctx: Context, students_per_class: int, *, database_url: str | None = None) -> None:
    """A fresh database with the demo at this many children a class, static files collected."""
    url = database_url or ctx.database_url
    fresh_database(url)
    redis_flush(ctx.redis_url)
    env = portal_env(ctx, DATABASE_URL=url)
    manage = [PY, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [*manage, "seed_demo", "--students-per-class", str(students_per_class)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def django_setup(ctx: Context, settings_module: str = "afterschool.settings", **overrides) -> None:
    """Load Django in this process against the bench database (once per process)."""
    os.environ.update(portal_env(ctx, DJANGO_SETTINGS_MODULE=settings_module, **overrides))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


class Server:
    """gunicorn with gunicorn.conf.py (the production config), optionally pinned to some cores."""

    def __init__(
        self,
        ctx: Context,
        *,
        port: int,
        settings_module: str = "afterschool.settings",
        cores: str | None = None,
        config: dict | None = None,
    ):
        self.ctx, self.port, self.cores = ctx, port, cores
        self.env = portal_env(
            ctx,
            DJANGO_SETTINGS_MODULE=settings_module,
            GUNICORN_BIND=f"127.0.0.1:{port}",
            **{f"GUNICORN_{k.upper()}": str(v) for k, v in (config or {}).items()},
        )
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        args = [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), "afterschool.wsgi"]
        if self.cores:
            args = ["taskset", "-c", self.cores, *args]
        self.process = subprocess.Popen(args, cwd=ROOT, env=self.env)
        for _ in range(150):
            if self.process.poll() is not None:
                raise SystemExit("gunicorn exited at start")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status in (200, 503):
                    return self
            except OSError:
                time.sleep(0.2)
        self.process.kill()
        raise SystemExit("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def gunicorn_model() -> dict:
    """The worker model gunicorn.conf.py sets when nothing overrides it."""
    import runpy

    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("GUNICORN_")}
    try:
        conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        os.environ.update(saved)
    return {
        "worker_class": conf["worker_class"],
        "workers_per_core": conf["workers"] // conf["cores"],
        "threads": conf["threads"] if conf["worker_class"] == "gthread" else 1,
    }


def describe_model(model: dict) -> str:
    if model["worker_class"] == "gthread":
        return f"gthread {model['workers_per_core']}×{model['threads']} a core"
    return f"{model['worker_class']} {model['workers_per_core']} a core"


def machine() -> dict:
    """Date, uname -a, CPU model, cores, PostgreSQL and Redis versions, for RESULTS.md."""

    def out(*args: str) -> str:
        # A tool that hangs (redis-cli under faketime does) leaves the header "unknown", never the run stuck.
        try:
            return subprocess.run(args, capture_output=True, text=True, check=True, timeout=10).stdout.strip()
        except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired):
            return "unknown"

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    pg = out("psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version")
    redis = out("redis-cli", "-h", "127.0.0.1", "INFO", "server")
    redis = next(
        (line.split(":", 1)[1] for line in redis.splitlines() if line.startswith("redis_version")), redis
    )
    return {
        "uname": out("uname", "-a"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "postgresql": pg,
        "redis": redis.strip(),
        "python": sys.version.split()[0],
    }


def _marker(database_url: str) -> Path:
    name = urllib.parse.urlparse(database_url).path.lstrip("/")
    return ROOT / "var" / "bench" / f"{name}.seeded"


def forget_demo(database_url: str) -> None:
    """Seed this database again the next time ensure_demo asks for it."""
    _marker(database_url).unlink(missing_ok=True)


def ensure_demo(ctx: Context, students_per_class: int, *, database_url: str | None = None) -> None:
    """The demo at this scale in the database, seeded unless an earlier scenario of this run did."""
    url = database_url or ctx.database_url
    marker = _marker(url)
    if marker.exists() and marker.read_text() == str(students_per_class):
        return
    marker.unlink(missing_ok=True)
    started = time.perf_counter()
    demo_database(ctx, students_per_class, database_url=url)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(students_per_class))
    print(
        f"  seeded the demo at {students_per_class} a class in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
