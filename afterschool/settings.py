"""Settings for AfterSchool, read from the environment (see .env.example)."""

import datetime
import os
import sys
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

from afterschool import sentry

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # SQLite file, file broker, cache, logs: all git-ignored
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Under pytest the test client and the live server speak plain HTTP on localhost.
TESTING = env.bool("TESTING", default="pytest" in sys.modules)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="") or (
    # Only a developer machine may run without a key of its own.
    "insecure-dev-key-change-me-" + "x" * 40 if (DEBUG or TESTING) else ""
)
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("Set SECRET_KEY (see .env.example).")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "schools",
    "privacy",
    "audit",
    "notices",
    "activities",
    "enrollment",
    "safety",
    "subsidies",
    "oversight",
    # The mobile API over every app's services and selectors (api/__init__.py).
    "api",
    # The project itself, above every app: its seed_demo command builds each app's demo.
    "afterschool",
]

MIDDLEWARE = [
    # First and (but for axes) last: request counts and latency by view for /metrics (afterschool.metrics).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "schools.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the user and the account state from the cache (schools.account_state).
    "schools.middleware.CachedAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "schools.middleware.AccountGatesMiddleware",
    "schools.middleware.StaffIdleTimeoutMiddleware",
    "schools.middleware.PrivatePagesMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes asks: it turns lockouts raised by the backend into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "afterschool.urls"
WSGI_APPLICATION = "afterschool.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "notices.context_processors.unread_count",
                "schools.context_processors.roles",
            ],
        },
    },
]

# --- Database: SQLite file by default (embedded), PostgreSQL when DATABASE_URL is set.
DATABASES = {
    "default": env.db_url_config(
        env("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'afterschool.sqlite3'}"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a real worker process in the integration test sees the rows.
    # One file per test run, so that two runs on one machine never share a test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    # WAL lets readers and one writer work at once; the timeout rides out short write locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    # Reconnect after a PostgreSQL restart instead of failing on a dead persistent connection.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Behind pgbouncer in transaction pooling: no server-side cursors (they outlive a transaction).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
        "DISABLE_SERVER_SIDE_CURSORS", default=False
    )
# A PostgreSQL streaming replica for the bureau's reads (dashboards, rankings, report building);
# writes and every other page stay on the primary (schools/replica.py).
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "CONN_MAX_AGE": DATABASES["default"].get("CONN_MAX_AGE", 0),
        "CONN_HEALTH_CHECKS": True,
        "DISABLE_SERVER_SIDE_CURSORS": DATABASES["default"].get("DISABLE_SERVER_SIDE_CURSORS", False),
        # Tests read the test database through the replica alias.
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["schools.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache when REDIS_URL is set.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Shared between processes on one machine (web, worker, beat), unlike local memory.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Accounts
AUTH_USER_MODEL = "schools.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first so that a locked username + address never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "schools.auth.UsernameOrMobileBackend",
    # The activation page only (authenticate(username=…, activation_code=…)); never a password.
    "schools.activation.ActivationCodeBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes with schools.lockout: wrong passwords count against the account the login names
# (schools.auth.login_key folds spaces, "+86", full-width digits, letter case), not its spelling.
# AXES_FAILURE_LIMIT from one address lock that account from that address; LOGIN_ACCOUNT_FAILURE_LIMIT
# from any addresses lock the account. A lockout lasts LOGIN_COOLOFF_MINUTES, doubled for each earlier
# lockout of the account within LOGIN_LOCKOUT_MEMORY (at most a day).
AXES_HANDLER = "schools.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
LOGIN_ACCOUNT_FAILURE_LIMIT = env.int("LOGIN_ACCOUNT_FAILURE_LIMIT", default=20)
LOGIN_COOLOFF_MINUTES = env.float("AXES_COOLOFF_MINUTES", default=15)
LOGIN_LOCKOUT_MEMORY = datetime.timedelta(days=1)
AXES_COOLOFF_TIME = "schools.lockout.cool_off"
# A failure counts until its own expiry (a lockout extends it), so cool-offs may differ per account.
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_USERNAME_CALLABLE = "schools.lockout.axes_username"
AXES_RESET_ON_SUCCESS = True
# Refused attempts during a lockout do not restart it: it ends when the page says.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Quiet: a failed-login log line would carry the username, which for parents is a mobile number.
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "schools.views.accounts.locked_out"
AXES_USERNAME_FORM_FIELD = "username"
# axes keeps the POST data of failed attempts: never the activation code or a new password.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "new_password1", "new_password2"]

# Account activation (schools/activation.py): every new parent or staff account gets its own
# one-time code, valid ACTIVATION_CODE_DAYS days and void after ACTIVATION_CODE_MAX_FAILURES wrong
# codes. ACTIVATION_SMS_SENDER: dotted path of a callable(mobile=, message=) that sends an SMS
# (none by default: codes go out on printed slips only).
ACTIVATION_CODE_DAYS = env.int("ACTIVATION_CODE_DAYS", default=14)
ACTIVATION_CODE_MAX_FAILURES = env.int("ACTIVATION_CODE_MAX_FAILURES", default=5)
ACTIVATION_SMS_SENDER = env("ACTIVATION_SMS_SENDER", default="")

# Pages a signed-in user must pass before any other, in order (schools.middleware.AccountGatesMiddleware).
ACCOUNT_GATES = [
    "schools.two_factor.gate",
    "schools.middleware.password_change_gate",
    "privacy.gates.notice_gate",
]
# The account state every request needs before its view (schools.account_state, F18): the user,
# read with these sources' facts in one UNION query and kept in the cache under per-user stamps.
ACCOUNT_STATE_SOURCES = [
    "schools.access.account_rows",
    "schools.selectors.account_rows",  # the schools' guardian links waiting for an answer (home page)
    "privacy.gates.account_rows",
]
# A save or delete of these models bumps the stamp of the user named by the attribute path ("*":
# everyone's). Writes by QuerySet.update() or bulk_create() bump in their services.
ACCOUNT_STATE_WATCH = {
    "schools.User": "pk",
    "schools.Membership": "user_id",
    "schools.Guardian": "user_id",
    "schools.Guardianship": "guardian.user_id",
    "schools.GuardianLink": "user_id",
    "schools.Region": "*",
    "privacy.ConsentRecord": "guardian.user_id",
    "privacy.PrivacyNotice": "*",
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Second factor (TOTP, django-otp) for the roles below: on in production, off on a developer
# machine (DEBUG) and under tests unless a test turns it on, so the demo accounts sign in as before.
OTP_REQUIRED = env.bool("OTP_REQUIRED", default=not DEBUG and not TESTING)
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=["school_admin", "bureau_officer"])
OTP_TOTP_ISSUER = "课后服务平台"
OTP_TOTP_THROTTLE_FACTOR = 1  # wrong codes: wait 1, 2, 4, 8 … seconds (django-otp throttling)
# Reverse proxies in front of the portal, each appending to X-Forwarded-For (nginx: 1). The client
# address is then the PROXY_COUNT-th entry from the right (schools.client_address, see README).
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "schools.client_address.client_address"

# --- Language and time
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: vendored under static/, served by WhiteNoise (no CDN: intranets are offline).
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Filled by collectstatic in production; nginx serves it (deploy/nginx/afterschool.conf).
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
# Without collectstatic (make run, tests) WhiteNoise serves straight from the app folders.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / ("test-media" if TESTING else "media")))
MEDIA_URL = "media/"
# Generated reports (F8): private files, never served as static or media; the scoped download view
# hands them out. The PDF font must cover Chinese: bin/ensure-fonts installs Debian's WenQuanYi Micro Hei.
REPORTS_ROOT = env.path("REPORTS_ROOT", default=str(VAR_DIR / ("test-reports" if TESTING else "reports")))
REPORT_FONT_PATH = env("REPORT_FONT_PATH", default="/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
# Backups (`manage.py backup` / `restore`): one timestamped folder per backup in BACKUP_DIR, the last
# BACKUP_KEEP kept; with an age identity (AGE-SECRET-KEY-1…, inline or in a file) every part is encrypted.
BACKUP_DIR = env.path("BACKUP_DIR", default=str(VAR_DIR / ("test-backups" if TESTING else "backups")))
BACKUP_KEEP = env.int("BACKUP_KEEP", default=14)
BACKUP_ENCRYPTION_KEY = env("BACKUP_ENCRYPTION_KEY", default="")
BACKUP_ENCRYPTION_KEY_FILE = env("BACKUP_ENCRYPTION_KEY_FILE", default="")
# "02:30": a backup each day after that local time (beat, hourly check, so a missed run catches up).
BACKUP_DAILY_AT = env("BACKUP_DAILY_AT", default="")
# PostgreSQL: a table estimated (pg_class.reltuples) above this many rows is not counted with
# count(*) for the manifest (a full read of the table): its estimate is recorded instead.
BACKUP_EXACT_COUNT_ROWS = env.int("BACKUP_EXACT_COUNT_ROWS", default=100_000)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail: console by default; SMTP through EMAIL_URL in production.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="课后服务平台 <noreply@afterschool.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Message channels (notices/channels.py): in-app always, e-mail above, SMS and WeChat below.
# Each notification is delivered once per channel (notices.Delivery); a failed send is tried again
# after NOTIFICATION_RETRY_SECONDS, doubling (at most an hour), NOTIFICATION_MAX_ATTEMPTS times in all.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=8)
NOTIFICATION_RETRY_SECONDS = env.int("NOTIFICATION_RETRY_SECONDS", default=30)
# A worker claims a delivery for this long; one that died mid-send is taken over after it (the
# catch-up job), so a message is never stuck "being sent" (at the cost of a rare second send).
NOTIFICATION_SENDING_LEASE_SECONDS = env.int("NOTIFICATION_SENDING_LEASE_SECONDS", default=600)
# Urgent safety alerts (a child not released, a refused pick-up at the gate, an absence) also go
# by SMS whenever SMS is configured, whatever the person chose.
NOTIFICATION_URGENT_KINDS = env.list(
    "NOTIFICATION_URGENT_KINDS", default=["safety/unreleased", "safety/release_refused", "safety/absent"]
)
# SMS: empty (off), console (printed), file (JSON lines in SMS_FILE_PATH), aliyun or tencent.
# Tests start with SMS and WeChat off whatever .env says; a test turns them on with `settings`.
SMS_BACKEND = "" if TESTING else env("SMS_BACKEND", default="")
if SMS_BACKEND not in ("", "console", "file", "aliyun", "tencent"):
    raise environ.ImproperlyConfigured("SMS_BACKEND is one of console, file, aliyun, tencent.")
SMS_FILE_PATH = env("SMS_FILE_PATH", default=str(VAR_DIR / "sms.jsonl"))
SMS_SIGN_NAME = env("SMS_SIGN_NAME", default="")
# {"kind": "template id"} or {"kind": {"zh-hans": "id", "en": "id"}}; "*" for every other kind.
SMS_TEMPLATES = env.json("SMS_TEMPLATES", default={})
# https in production; a test's stand-in provider answers plain http on 127.0.0.1.
SMS_PROVIDER_SCHEME = env("SMS_PROVIDER_SCHEME", default="https")
ALIYUN_ACCESS_KEY_ID = env("ALIYUN_ACCESS_KEY_ID", default="")
ALIYUN_ACCESS_KEY_SECRET = env("ALIYUN_ACCESS_KEY_SECRET", default="")
ALIYUN_SMS_ENDPOINT = env("ALIYUN_SMS_ENDPOINT", default="dysmsapi.aliyuncs.com")
TENCENT_SECRET_ID = env("TENCENT_SECRET_ID", default="")
TENCENT_SECRET_KEY = env("TENCENT_SECRET_KEY", default="")
TENCENT_SMS_APP_ID = env("TENCENT_SMS_APP_ID", default="")
TENCENT_SMS_REGION = env("TENCENT_SMS_REGION", default="ap-guangzhou")
TENCENT_SMS_ENDPOINT = env("TENCENT_SMS_ENDPOINT", default="sms.tencentcloudapi.com")
# WeChat subscription messages from the mini program: off while WECHAT_APP_ID is empty.
WECHAT_APP_ID = "" if TESTING else env("WECHAT_APP_ID", default="")
WECHAT_APP_SECRET = env("WECHAT_APP_SECRET", default="")
WECHAT_TEMPLATES = env.json("WECHAT_TEMPLATES", default={})
WECHAT_PAGE = env("WECHAT_PAGE", default="") or None
WECHAT_API_BASE_URL = env("WECHAT_API_BASE_URL", default="https://api.weixin.qq.com/")

# --- Celery: Redis when REDIS_URL is set; otherwise kombu's filesystem transport, which needs no
# server and still runs a real worker and beat (make run starts both).
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _broker_dir = Path(env("BROKER_DIR", default=str(VAR_DIR / "broker")))
    for _sub in ("queue", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
if REDIS_URL:
    # Fail fast when Redis is down: the request goes on and the outbox keeps the work.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Every minute: write a heartbeat so /healthz can tell that beat and a worker are alive.
    "heartbeat": {"task": "notices.tasks.heartbeat", "schedule": 60.0},
    # Every five minutes: send any delivery (e-mail, SMS, WeChat) that was missed (worker down,
    # broker unreachable at commit time) or whose retry is due; a claimed row never sends twice.
    "notifications-catch-up": {"task": "notices.tasks.deliver_pending", "schedule": 300.0},
    # Every five minutes: run roster imports still queued (the broker was down when they were confirmed).
    "roster-imports-resume": {"task": "schools.tasks.roster_imports_resume", "schedule": 300.0},
    # Every fifteen minutes: tell guardians when their school's application window has opened.
    "enrollment-window-open": {"task": "enrollment.tasks.remind_window_open", "schedule": 900.0},
    # Every hour: remind class teachers of applications still to review in the last day.
    "enrollment-review-due": {"task": "enrollment.tasks.remind_review_due", "schedule": 3600.0},
    # Every hour: remind school admins of inspection findings past their rectification deadline and
    # not signed off (each finding once a week; a missed run catches up on the next).
    "safety-findings-overdue": {"task": "safety.tasks.remind_findings_overdue", "schedule": 3600.0},
    # Every hour: remind school admins of emergency plans not reviewed for a year (once per plan
    # and review cycle).
    "safety-plans-review-due": {"task": "safety.tasks.remind_plans_review_due", "schedule": 3600.0},
    # Every day: tell a region's officers of qualified providers whose qualification ends within 30 and
    # then 7 days (once per provider and threshold; a missed run catches up on the next).
    "activities-providers-expiring": {
        "task": "activities.tasks.remind_providers_expiring",
        "schedule": 86400.0,
    },
    # Every minute: tell guardians and class teachers about expected children marked absent or
    # still not marked present 15 minutes after their session started (each child once a session).
    "safety-absence-alerts": {"task": "safety.tasks.sweep_absent", "schedule": 60.0},
    # Every minute: alert the duty leader and the guardians about children not released 30 minutes
    # after their session ended, again every 15 minutes until released (once per interval each).
    "safety-unreleased-alerts": {"task": "safety.tasks.sweep_unreleased", "schedule": 60.0},
    # Every day: attendance partitions (PostgreSQL) for this month and the next three; a mark in a
    # month not made yet lands in the default partition and is moved when its month is made.
    "safety-attendance-partitions": {"task": "safety.tasks.attendance_partitions_ahead", "schedule": 86400.0},
    # Every hour: recompute yesterday's and today's daily school summaries for the bureau dashboards
    # (late roll calls and corrections land within the hour; older days via `roll_summaries`).
    "oversight-summaries-roll": {"task": "oversight.tasks.summaries_roll_recent", "schedule": 3600.0},
    # Every day: anonymise children's data past their region's retention period (privacy.retention).
    "privacy-retention": {"task": "privacy.tasks.retention_run", "schedule": 86400.0},
    # Every day at 03:30: each bureau region's report of the previous month (.xlsx and .pdf), made on the
    # 1st; later runs generate only what is missing, so a missed 1st catches up.
    "oversight-reports-monthly": {
        "task": "oversight.tasks.reports_monthly",
        "schedule": crontab(minute=30, hour=3),
    },
    # Every hour: forget stored answers of Idempotency-Keys older than IDEMPOTENCY_KEEP_HOURS (api).
    "api-idempotency-expire": {"task": "api.tasks.idempotency_keys_expire", "schedule": 3600.0},
    # Every five minutes: run requested reports still queued (the broker was down when they were asked for).
    "oversight-reports-resume": {"task": "oversight.tasks.reports_resume", "schedule": 300.0},
    # Every hour: the daily backup, once BACKUP_DAILY_AT (local time) has passed and none was made since
    # (afterschool.backup); nothing when BACKUP_DAILY_AT is empty.
    "backup-daily": {"task": "afterschool.tasks.backup_daily", "schedule": 3600.0},
}

# --- Security. Production (DEBUG off) passes `manage.py check --deploy --fail-level WARNING`.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and not TESTING
CSRF_COOKIE_SECURE = not DEBUG and not TESTING
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG and not TESTING)
# Load balancers ask /healthz over plain HTTP; /healthz/proxy reports a proxy that drops the scheme;
# Prometheus on the same host scrapes gunicorn's /metrics over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/|$)", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# No inline script or style anywhere: scripts and styles come from our own static files; data for
# scripts travels in json_script blocks. Django admin keeps its own inline bits and is excluded.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# Staff accounts (teachers, guards, school admins, bureaus) are signed out after this many idle
# minutes; parents stay signed in on their own phone for SESSION_COOKIE_AGE (two weeks).
STAFF_IDLE_MINUTES = env.int("STAFF_IDLE_MINUTES", default=30)
# F13: days an iCalendar subscription address works after the user created or replaced it.
ICAL_TOKEN_DAYS = env.int("ICAL_TOKEN_DAYS", default=365)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every handler masks mobile and ID numbers (PIPL: no personal data in logs).
    "filters": {"mask_personal_data": {"()": "audit.logging.MaskPersonalData"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_personal_data"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Monitoring (README, "Monitoring"): /healthz is the load balancer's probe; /metrics is for
# Prometheus, answered to addresses in METRICS_ALLOWED_NETWORKS (CIDR, client address as
# schools.client_address finds it), to `Authorization: Bearer <METRICS_TOKEN>` and to staff; anyone
# else gets 404. METRICS_CELERY_QUEUES: the broker queues whose length it reports.
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_CELERY_QUEUES = env.list("METRICS_CELERY_QUEUES", default=["celery"])
# Errors of requests and tasks go to Sentry when SENTRY_DSN is set, masked like the logs (afterschool.sentry).
SENTRY_DSN = "" if TESTING else env("SENTRY_DSN", default="")
if SENTRY_DSN:
    sentry.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("SENTRY_RELEASE", default=""),
    )

# --- Privacy: months a child's data is kept after the child left, and an application's ------------
# priority-group data after its term ended, unless a region sets its own (privacy.RetentionPolicy).
RETENTION_MONTHS = env.int("RETENTION_MONTHS", default=12)
# Feature apps that hold priority-group data, cleared on consent withdrawal and by retention.
PRIVACY_HOOKS = {
    "priority_clear": ["enrollment.privacy.priority_clear"],
    "applications_expire": ["enrollment.privacy.applications_expire"],
    # A child anonymised: their releases, refused pick-ups and safety alerts (returns counts by kind).
    "student_anonymise": ["safety.privacy.student_anonymise"],
    # Gate-register visitors who came in before their school's cutoff.
    "visitors_expire": ["safety.privacy.visitors_expire"],
}

# The home page's "today" list of each staff role: providers (user, today) -> [TodayItem], in order,
# from the apps above schools (schools.selectors_home.today_items reads this; it imports none of them).
HOME_TODAY = {
    "school_admin": [
        "safety.home.school_admin_today",
        "enrollment.home.school_admin_today",
        "oversight.supervision.home.school_admin_today",
        "schools.selectors_home.unread_messages_today",
    ],
    "class_teacher": ["safety.home.class_teacher_today", "enrollment.home.class_teacher_today"],
    "service_teacher": ["safety.home.service_teacher_today"],
    "bureau_officer": [
        "safety.home.bureau_today",
        "oversight.supervision.home.bureau_today",
        "subsidies.home.bureau_today",
    ],
}

# --- Mobile API (api/__init__.py): Django REST framework under /api/v1/, its OpenAPI schema at
# /api/schema/ and docs at /api/docs/. Apps sign in for a token (Authorization: Bearer …) that
# expires after API_TOKEN_DAYS; throttles count in the shared cache (API_THROTTLE_* per minute/hour).
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=30)
# Idempotency-Key (api.idempotency): a claim whose request died is taken over after this many
# seconds; answers are kept this many hours for retries.
IDEMPOTENCY_CLAIM_SECONDS = env.int("IDEMPOTENCY_CLAIM_SECONDS", default=60)
IDEMPOTENCY_KEEP_HOURS = env.int("IDEMPOTENCY_KEEP_HOURS", default=24)
# Requests per client address (sign-in) or per user (code, write); api.throttling reads them per request.
API_THROTTLE_RATES = {
    "sign-in": env("API_THROTTLE_SIGN_IN", default="10/minute"),
    "code": env("API_THROTTLE_CODE", default="10/minute"),
    "write": env("API_THROTTLE_WRITE", default="120/hour"),
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.AccountGatesPassed",
        "api.permissions.WellFormedBody",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.WriteThrottle"],
    "DEFAULT_THROTTLE_RATES": API_THROTTLE_RATES,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AfterSchool API",
    "DESCRIPTION": "The portal's API for phone apps: sign in at /api/v1/auth/token/, then send "
    "'Authorization: Bearer <token>'. POSTs that create accept an Idempotency-Key header.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs are public: they describe the API and hold no data.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Vendored Swagger UI (drf-spectacular-sidecar): intranets are offline, and the CSP allows 'self' only.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Demo accounts (seed_demo) share one password; override it outside a laptop.
DEMO_PASSWORD = env("DEMO_PASSWORD", default="demo-2026")

# --- Roster import (schools/roster/): the largest file accepted, and the number of rows above
# which a confirmed import runs on a Celery worker with a progress bar instead of in the request.
ROSTER_IMPORT_MAX_BYTES = env.int("ROSTER_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
ROSTER_IMPORT_SYNC_ROWS = env.int("ROSTER_IMPORT_SYNC_ROWS", default=500)
# Hours an uploaded roster file that was checked and never confirmed, or failed, is kept before the
# daily retention job deletes it with the error list that quotes its cells (privacy.retention).
ROSTER_IMPORT_KEEP_HOURS = env.int("ROSTER_IMPORT_KEEP_HOURS", default=48)
