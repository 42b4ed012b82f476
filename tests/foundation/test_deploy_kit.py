"""F19: the deploy kit. The systemd units (deploy/systemd) run what README "Production" says, with
exactly one beat, hardened, and pass `systemd-analyze verify`; the log rotation (deploy/logrotate)
rotates every log the units write; .env.production.example names every setting the code reads.
Both tools come from Debian (bin/ensure-deploy-tools, run by `make test`)."""

import getpass
import grp
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.services import need_service

ROOT = Path(__file__).resolve().parent.parent.parent
SYSTEMD = ROOT / "deploy" / "systemd"
LOGROTATE = ROOT / "deploy" / "logrotate" / "afterschool"
SRV = "/srv/afterschool"
SERVICES = ["afterschool-web.service", "afterschool-worker.service", "afterschool-beat.service"]


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A unit file's sections: key -> every value it is given (Environment= repeats)."""
    sections: dict = {}
    current = None
    for line in (SYSTEMD / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(section: dict, key: str) -> str:
    assert len(section.get(key, [])) == 1, f"{key} must be set once"
    return section[key][0]


def tool(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    need_service(name, path is not None)
    return path


def test_the_kit_holds_web_worker_beat_and_a_target():
    assert sorted(p.name for p in SYSTEMD.iterdir()) == sorted([*SERVICES, "afterschool.target"])
    wants = one(unit("afterschool.target")["Unit"], "Wants").split()
    assert sorted(wants) == sorted(SERVICES)


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_runs_the_venv_from_the_checkout_hardened(name):
    sections = unit(name)
    service = sections["Service"]
    assert one(service, "User") == "afterschool"
    assert one(service, "WorkingDirectory") == SRV
    assert one(service, "EnvironmentFile") == f"{SRV}/.env"
    assert one(service, "Restart") == "on-failure"
    assert one(service, "NoNewPrivileges") == "yes"
    assert one(service, "ProtectSystem") == "strict"
    assert one(service, "ReadWritePaths") == f"{SRV}/var"
    argv = shlex.split(one(service, "ExecStart"))
    assert argv[0].startswith(f"{SRV}/.venv/bin/")
    assert (ROOT / ".venv" / "bin" / Path(argv[0]).name).exists(), (
        f"{argv[0]} is not installed by requirements"
    )
    # Every file the process writes is under var/, the one writable path.
    for arg in argv + service.get("Environment", []):
        for path in re.findall(rf"{SRV}/\S+", arg):
            assert path.startswith(f"{SRV}/var/") or path.startswith(f"{SRV}/.venv/bin/"), path
    assert one(sections["Install"], "WantedBy") == "afterschool.target"
    assert one(sections["Unit"], "PartOf") == "afterschool.target"


def test_web_is_gunicorn_with_the_project_settings_and_logs_to_files():
    service = unit("afterschool-web.service")["Service"]
    assert shlex.split(one(service, "ExecStart"))[1:] == ["-c", "gunicorn.conf.py", "afterschool.wsgi"]
    env = dict(value.split("=", 1) for value in service["Environment"])
    assert env["GUNICORN_ACCESS_LOG"] == f"{SRV}/var/log/gunicorn-access.log"
    assert env["GUNICORN_ERROR_LOG"] == f"{SRV}/var/log/gunicorn-error.log"
    assert "HUP" in one(service, "ExecReload")


def test_exactly_one_unit_runs_beat_and_its_schedule_is_under_var():
    commands = {name: shlex.split(one(unit(name)["Service"], "ExecStart")) for name in SERVICES}
    beats = [name for name, argv in commands.items() if "beat" in argv]
    assert beats == ["afterschool-beat.service"]
    assert f"--schedule={SRV}/var/celerybeat-schedule" in commands["afterschool-beat.service"]
    assert "worker" in commands["afterschool-worker.service"]
    assert "exactly one" in (SYSTEMD / "afterschool-beat.service").read_text(encoding="utf-8").lower()


def test_systemd_analyze_verifies_the_units(tmp_path):
    """The units as installed at the checkout's own path, so that ExecStart finds the real venv."""
    analyze = tool("systemd-analyze")
    for path in SYSTEMD.iterdir():
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8").replace(SRV, str(ROOT)))
    result = subprocess.run(
        [analyze, "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [line for line in (result.stdout + result.stderr).splitlines() if str(tmp_path) in line]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


def logged_files() -> set[str]:
    """Every log file the units write."""
    text = "\n".join((SYSTEMD / name).read_text(encoding="utf-8") for name in SERVICES)
    return set(re.findall(rf"{SRV}/var/log/[\w.-]+\.log", text))


def test_every_log_the_units_write_is_rotated():
    rotated = set(re.findall(rf"{SRV}/var/log/[\w.-]+\.log", LOGROTATE.read_text(encoding="utf-8")))
    assert (
        logged_files()
        == rotated
        == {f"{SRV}/var/log/{name}.log" for name in ("gunicorn-access", "gunicorn-error", "worker", "beat")}
    )


def test_logrotate_rotates_the_logs_and_signals_gunicorn(tmp_path):
    """A forced rotation of the kit's configuration at a temporary root, run by this user, with the
    signal to gunicorn replaced by a marker file."""
    logrotate = tool("logrotate")
    user, group = getpass.getuser(), grp.getgrgid(os.getgid()).gr_name
    config = LOGROTATE.read_text(encoding="utf-8")
    assert "systemctl kill --kill-whom=main --signal=USR1 afterschool-web.service" in config
    config = re.sub(r"systemctl kill .*", f"touch {tmp_path}/reopened", config)
    # As root (CI), logrotate switches to this user as the kit's `su` line does; others cannot switch.
    su = f"su {user} {group}" if os.getuid() == 0 else ""
    config = config.replace(SRV, str(tmp_path)).replace("su afterschool afterschool", su)
    (tmp_path / "logrotate.conf").write_text(config)
    logs = tmp_path / "var" / "log"
    logs.mkdir(parents=True)
    for name in ("gunicorn-access", "gunicorn-error", "worker", "beat"):
        (logs / f"{name}.log").write_text(f"{name} line\n")

    check = subprocess.run(
        [logrotate, "-d", "-s", str(tmp_path / "state"), str(tmp_path / "logrotate.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    errors = [line for line in check.stderr.splitlines() if line.lower().startswith("error")]
    assert check.returncode == 0 and not errors, check.stderr
    subprocess.run(
        [logrotate, "-f", "-s", str(tmp_path / "state"), str(tmp_path / "logrotate.conf")],
        check=True,
        timeout=60,
    )
    for name in ("gunicorn-access", "gunicorn-error", "worker", "beat"):
        assert (logs / f"{name}.log.1").read_text() == f"{name} line\n"
    # Celery's logs were copied and truncated in place; gunicorn was told to reopen its own.
    assert (logs / "worker.log").read_text() == ""
    assert (tmp_path / "reopened").exists()


def settings_variables() -> set[str]:
    """Every environment variable the settings and the gunicorn configuration read."""
    settings = (ROOT / "afterschool" / "settings.py").read_text(encoding="utf-8")
    gunicorn = (ROOT / "gunicorn.conf.py").read_text(encoding="utf-8")
    found = set(re.findall(r"""\benv(?:\.\w+)?\(\s*["']([A-Z0-9_]+)["']""", settings))
    found |= set(re.findall(r"""os\.environ\.get\(\s*["']([A-Z0-9_]+)["']""", gunicorn))
    return found - {"TESTING"}  # set by the test suite itself, never by an operator


def documented(path: Path) -> set[str]:
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", path.read_text(encoding="utf-8"), re.MULTILINE))


def test_every_setting_read_is_in_an_env_example():
    read = settings_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "GUNICORN_WORKERS"} <= read
    missing = read - documented(ROOT / ".env.example") - documented(ROOT / ".env.production.example")
    assert not missing, f"document these in .env.example or .env.production.example: {sorted(missing)}"


def test_the_production_example_is_production():
    text = (ROOT / ".env.production.example").read_text(encoding="utf-8")
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]+)=(.*)$", text, re.MULTILINE))
    assert values["DEBUG"] == "0"
    assert values["DATABASE_URL"].startswith("postgres://")
    assert values["REDIS_URL"].startswith("redis://")
    assert values["CELERY_TASK_ALWAYS_EAGER"] == "0"
    assert values["SECRET_KEY"].startswith("<"), "a placeholder, never a real key"
    # Every setting the code reads is named here, set or commented out.
    assert not settings_variables() - documented(ROOT / ".env.production.example") - {"DEMO_PASSWORD"}


def test_the_production_example_passes_the_deploy_check(tmp_path):
    """The example's settings, placeholders filled, pass `check --deploy` with no warning."""
    text = (ROOT / ".env.production.example").read_text(encoding="utf-8")
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]+)=(.*)$", text, re.MULTILINE))
    values = {key: re.sub(r"<[^>]*>", "placeholder", value) for key, value in values.items()}
    values["SECRET_KEY"] = secrets.token_urlsafe(50)
    values.update(
        MEDIA_ROOT=str(tmp_path / "media"),
        REPORTS_ROOT=str(tmp_path / "reports"),
        STATIC_ROOT=str(tmp_path / "static"),
        BACKUP_DIR=str(tmp_path / "backups"),
    )
    ours = documented(ROOT / ".env.production.example") | {"DJANGO_ALLOW_ASYNC_UNSAFE"}
    keep = {k: v for k, v in os.environ.items() if k not in ours}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**keep, **values, "TESTING": "0"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout
