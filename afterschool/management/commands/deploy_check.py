"""`make deploy-check`: is this configuration ready to go live? One OK or FAIL line per check.

Django's deploy checks, DEBUG, the secret key, ALLOWED_HOSTS, the database and the broker, applied
migrations, the PDF font, a running beat (its heartbeat, notices.tasks.heartbeat), and optionally
`nginx -t` on a site's configuration (--nginx-conf) and the live proxy in front of the portal
(--url: asks /healthz/proxy through it). Exits non-zero when any check fails.
"""

import json
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

from afterschool import health

DEV_KEY_PREFIXES = ("insecure-dev-key", "django-insecure", "change-me")
MIN_SECRET_LENGTH = 50
MIN_SECRET_CHARACTERS = 5

# --- Settings ------------------------------------------------------------------------------------


def check_django_deploy() -> tuple[bool, str]:
    found = [
        message
        for message in checks.run_checks(include_deployment_checks=True)
        if message.level >= checks.WARNING and not message.is_silenced()
    ]
    if found:
        return False, _("Django's deploy check reports: %(problems)s") % {
            "problems": "; ".join(f"{m.id} {m.msg}" for m in found)
        }
    return True, _("Django's deploy check passes.")


def check_debug() -> tuple[bool, str]:
    if settings.DEBUG:
        return False, _("DEBUG is on: set DEBUG=0 in the environment of every process.")
    return True, _("DEBUG is off.")


def check_secret_key() -> tuple[bool, str]:
    try:
        key = settings.SECRET_KEY or ""
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        key = ""
    if not key:
        return False, _("SECRET_KEY is missing: set a long random SECRET_KEY (bin/make-env makes one).")
    if key.startswith(DEV_KEY_PREFIXES):
        return False, _("SECRET_KEY is the development key: set a long random SECRET_KEY of your own.")
    if len(key) < MIN_SECRET_LENGTH or len(set(key)) < MIN_SECRET_CHARACTERS:
        return False, _("SECRET_KEY is too weak: use at least 50 random characters.")
    return True, _("SECRET_KEY is set and strong.")


def check_allowed_hosts() -> tuple[bool, str]:
    hosts = list(settings.ALLOWED_HOSTS)
    if not hosts or "*" in hosts:
        return False, _("ALLOWED_HOSTS must name the portal's own host names, not be empty or '*'.")
    return True, _("ALLOWED_HOSTS: %(hosts)s") % {"hosts": ", ".join(hosts)}


# --- Services ------------------------------------------------------------------------------------


def check_database() -> tuple[bool, str]:
    status = health.database_status()
    if status != "ok":
        return False, _("The database is unreachable (%(status)s): check DATABASE_URL.") % {"status": status}
    return True, _("The database answers.")


def check_broker() -> tuple[bool, str]:
    status = health.broker_status()
    if status != "ok":
        return False, _("The broker is unreachable (%(status)s): check REDIS_URL.") % {"status": status}
    return True, _("The broker answers.")


def check_migrations() -> tuple[bool, str]:
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # no database: reported by the database check already
        return False, _("Migrations could not be read (%(error)s).") % {"error": type(exc).__name__}
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:5])
        return False, _("%(count)d migrations are not applied (%(names)s): run manage.py migrate.") % {
            "count": len(plan),
            "names": names,
        }
    return True, _("Every migration is applied.")


def check_fonts() -> tuple[bool, str]:
    path = Path(settings.REPORT_FONT_PATH)
    if not path.is_file():
        return False, _("The PDF report font %(path)s is missing: run bin/ensure-fonts.") % {"path": path}
    return True, _("The PDF report font is present.")


def check_beat() -> tuple[bool, str]:
    status = health.worker_status()
    if status != "ok":
        return False, _(
            "No beat: the heartbeat that beat sends every minute and a worker runs is %(status)s. "
            "Start celery beat and a worker."
        ) % {"status": status}
    return True, _("Beat and a worker are running (heartbeat fresh).")


# --- The proxy in front --------------------------------------------------------------------------


def check_nginx(conf: str) -> tuple[bool, str]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        return False, _("nginx is not installed on this machine (bin/ensure-nginx).")
    result = subprocess.run(
        [nginx, "-t", "-q", "-c", str(Path(conf).resolve())], capture_output=True, text=True
    )
    if result.returncode != 0:
        return False, _("nginx -t rejects %(conf)s: %(error)s") % {
            "conf": conf,
            "error": result.stderr.strip(),
        }
    return True, _("nginx -t accepts %(conf)s.") % {"conf": conf}


def proxy_report(url: str, cafile: str | None) -> dict:
    context = ssl.create_default_context(cafile=cafile)
    with urllib.request.urlopen(url.rstrip("/") + "/healthz/proxy", timeout=10, context=context) as answer:
        return json.loads(answer.read())


def check_proxy(url: str, cafile: str | None) -> tuple[bool, str]:
    try:
        seen = proxy_report(url, cafile)
    except (OSError, ValueError) as exc:
        return False, _("The portal did not answer through %(url)s (%(error)s).") % {"url": url, "error": exc}
    if seen.get("forwarded_proto") != "https":
        return False, _(
            "The proxy does not pass X-Forwarded-Proto: add `proxy_set_header X-Forwarded-Proto $scheme;`."
        )
    if not seen.get("secure"):
        return False, _("The portal does not trust X-Forwarded-Proto: set BEHIND_TLS_PROXY=1.")
    if seen.get("forwarded_for_hops", 0) < 1:
        return False, _(
            "The proxy does not pass X-Forwarded-For: add "
            "`proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`."
        )
    if settings.PROXY_COUNT < 1:
        return False, _("The portal is behind a proxy but PROXY_COUNT is 0: set PROXY_COUNT=1.")
    return True, _("The proxy passes X-Forwarded-Proto and X-Forwarded-For.")


class Command(BaseCommand):
    help = "Checks that this configuration is ready to go live; exits non-zero on any failure."

    def add_arguments(self, parser):
        parser.add_argument("--nginx-conf", help="an nginx configuration to test with nginx -t")
        parser.add_argument("--url", help="the portal's public https:// address, through the proxy")
        parser.add_argument("--cafile", help="a CA certificate to trust for --url (a self-signed one)")

    def handle(self, *args, **options):
        found = [
            ("deploy", check_django_deploy),
            ("debug", check_debug),
            ("secret", check_secret_key),
            ("hosts", check_allowed_hosts),
            ("database", check_database),
            ("broker", check_broker),
            ("migrations", check_migrations),
            ("fonts", check_fonts),
            ("beat", check_beat),
        ]
        if options["nginx_conf"]:
            found.append(("nginx", lambda: check_nginx(options["nginx_conf"])))
        if options["url"]:
            found.append(("proxy", lambda: check_proxy(options["url"], options["cafile"])))
        failed = 0
        for name, check in found:
            ok, message = check()
            failed += not ok
            line = f"{'OK  ' if ok else 'FAIL'} [{name}] {message}"
            self.stdout.write(self.style.SUCCESS(line) if ok else self.style.ERROR(line))
        if failed:
            raise CommandError(_("%(count)d checks failed: fix them before going live.") % {"count": failed})
        self.stdout.write(_("Ready to go live."))
