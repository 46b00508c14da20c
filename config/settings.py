"""Manyi settings, read from the environment.

With nothing set, Manyi runs on a bare machine: SQLite under ``var/``, Celery
tasks run in-process, DEBUG on. Production sets DATABASE_URL, REDIS_URL,
SECRET_KEY, ALLOWED_HOSTS and DEBUG=0 (see README, "Configuration").
"""

import datetime
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MANYI_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production-0123456789"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "units",
    "workdays",
    "surveys",
    "reports",
    "ledger",
    "outreach",
    "imports",
    "respond",
    "opendoor",
    "dashboard",
    "assessment",
    "sampling",
    "demo",
    "backups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "units.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL is set.
_database_url = env_str("DATABASE_URL")
if _database_url:
    try:
        DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "manyi.sqlite3"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation adds 0.1-0.3 s to the round-sized aggregates and saves nothing here.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several clerks may save at once; wait for the write lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
# A streaming replica for the read-only queries of figure pages and exports (config/routers.py).
# Without one, "replica" is an unused copy of the primary's settings (tests mirror it onto the test database).
_replica_url = env_str("DATABASE_REPLICA_URL")
MANYI_READ_REPLICA = bool(_replica_url)
try:
    _replica = dj_database_url.parse(_replica_url, conn_max_age=60) if _replica_url else dict(DATABASES["default"])
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_REPLICA_URL is not a valid database URL: {exc}") from None
if _replica_url:
    _replica["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
DATABASES["replica"] = {**_replica, "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: the Celery broker and the cache. Without it, tasks run in-process.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL) or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the job to be run again
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task of a killed worker goes back to the queue once it has been unacknowledged this long (Redis);
# it must exceed the longest task, or a running task is delivered a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)}
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    # Marks concerns past their deadline and writes reminders (python manage.py mark_overdue does it by hand).
    "ledger-mark-overdue": {"task": "ledger.mark_overdue", "schedule": crontab(hour=6, minute=0)},
    # Deletes generated report files older than MANYI_REPORT_KEEP_DAYS (python manage.py purge_reports by hand).
    "reports-purge": {"task": "reports.purge_reports", "schedule": crontab(hour=3, minute=30)},
    # Folds the pooled deltas of the saves into the pooled tallies (surveys.tallies.tally_fold; figures read both).
    "surveys-fold-pooled": {"task": "surveys.fold_pooled", "schedule": crontab()},
    # Sends again the imports and reports left queued while the broker was down (config.celery.resend_waiting).
    "imports-resend": {"task": "imports.resend_queued", "schedule": crontab(minute="*/5")},
    "reports-resend": {"task": "reports.resend_queued", "schedule": crontab(minute="*/5")},
    "notices-purge": {"task": "assessment.purge_notices", "schedule": crontab(hour=3, minute=40)},
}
if REDIS_URL:
    # With Redis down the cache misses instead of failing the page (after at most a second's wait).
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "units.signin.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"

# Sign-in (README, "Sign-in"): after MANYI_LOGIN_FAILURE_LIMIT wrong passwords, each within the lock time
# of the one before, the account is locked from every address and the address for every account.
AXES_FAILURE_LIMIT = env_int("MANYI_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("MANYI_LOGIN_LOCK_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Tries while locked are refused without restarting the lock, so the page's "try again in N minutes" holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "units.signin.locked_out"
AXES_VERBOSE = False  # no banner on every manage.py command
AXES_CLIENT_IP_CALLABLE = "units.signin.client_address"
# Reverse proxies in front of Manyi that append to X-Forwarded-For (0: clients connect directly).
MANYI_PROXY_COUNT = env_int("MANYI_PROXY_COUNT", 0, minimum=0)
# Only bench/bench_online.py sets this, for its own server: it mounts the baseline view of that benchmark.
MANYI_BENCH_BASELINE = env_bool("MANYI_BENCH_BASELINE", False)
# A session ends after this many minutes without a request.
MANYI_SESSION_IDLE_MINUTES = env_int("MANYI_SESSION_IDLE_MINUTES", 120, minimum=1)
SESSION_COOKIE_AGE = MANYI_SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True  # each request pushes the expiry back: an idle time, not a fixed one

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Uploads (imports) larger than this are refused before they are read.
MANYI_UPLOAD_MAX_MB = env_int("MANYI_UPLOAD_MAX_MB", 200, minimum=1)
# Generated report files are kept this many days in the user's report list.
MANYI_REPORT_KEEP_DAYS = env_int("MANYI_REPORT_KEEP_DAYS", 14, minimum=1)
# Online answering (respond/): the base of printed links, the SMS backend and the screening thresholds.
MANYI_PUBLIC_BASE_URL = env_str("MANYI_PUBLIC_BASE_URL").rstrip("/")  # empty: the address a page was reached at
MANYI_SMS_BACKEND = env_str("MANYI_SMS_BACKEND", "respond.sms.LogBackend")
MANYI_SCREEN_MIN_SECONDS = env_int("MANYI_SCREEN_MIN_SECONDS", 20, minimum=0)
MANYI_SCREEN_ADDRESS_ANSWERS = env_int("MANYI_SCREEN_ADDRESS_ANSWERS", 5, minimum=1)
MANYI_SCREEN_ADDRESS_MINUTES = env_int("MANYI_SCREEN_ADDRESS_MINUTES", 10, minimum=1)
MANYI_SCREEN_BURST_MINIMUM = env_int("MANYI_SCREEN_BURST_MINIMUM", 30, minimum=1)
MANYI_SCREEN_BURST_FACTOR = env_int("MANYI_SCREEN_BURST_FACTOR", 5, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
