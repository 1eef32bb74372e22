"""doluong settings: one module, driven by environment variables (see docs/operations.md).

Defaults give a working local demo on SQLite; production sets DATABASE_URL (PostgreSQL), SECRET_KEY,
ALLOWED_HOSTS and DEBUG=0.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_size_mb(name: str, default: int) -> int:
    """A size in megabytes (a positive integer) from the environment, in bytes."""
    megabytes = env_int(name, default)
    if megabytes <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive number of megabytes, got {megabytes!r}")
    return megabytes * 1024 * 1024


def env_rate(name: str, default: str) -> str:
    """A DRF throttle rate such as 60/min (number/second|minute|hour|day)."""
    value = env_str(name, default).strip()
    if not re.fullmatch(r"[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(f"{name} must be a rate such as 60/min or 1000/hour, got {value!r}")
    return value


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Parse a postgres:// URL into a Django DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(f"DATABASE_URL must start with postgres://, got {parts.scheme!r}")
    options = dict(parse_qsl(parts.query))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"NAME": env_str("DB_TEST_NAME", "test_doluong")},
    }


DATA_DIR = Path(env_str("DOLUONG_DATA_DIR", str(Path.cwd() / "var")))

DEBUG = env_bool("DEBUG", False)
# --- secrets (signing keys, KEK) ----------------------------------------------------------------------------
# SECRET_KEY signs sessions and CSRF tokens only. It comes from the environment, else from the file
# DOLUONG_SECRET_KEY_FILE (default DATA_DIR/secret_key, written 0600 by `doluong demo`), else an insecure
# development default that the system check doluong.E001 refuses when DEBUG=0 (`check --deploy`, gunicorn and
# runserver through doluong.wsgi). Signing keys and the PAdES passphrase are sealed with the key-encryption key
# instead: DOLUONG_KEK (Fernet keys, comma-separated, the first seals) or the file DOLUONG_KEK_FILE (one key a
# line; default DOLUONG_KEYS_DIR/kek, created 0600 on first use). The site root key that endorses every provider
# key is DOLUONG_ROOT_KEY_FILE (default DOLUONG_KEYS_DIR/root.json); DOLUONG_ROOT_PUBLIC_KEY pins its public half.
# DOLUONG_KEYS_DIR defaults to DATA_DIR/keys: back it up with the database, apart from it. Rotate the KEK with
# `doluong manage rotate_kek`. See docs/verification.md.
INSECURE_SECRET_KEY = "doluong-insecure-local-key-change-me-in-production"
SECRET_KEY_FILE = Path(env_str("DOLUONG_SECRET_KEY_FILE", str(DATA_DIR / "secret_key")))
SECRET_KEY = env_str("SECRET_KEY", "") or (
    SECRET_KEY_FILE.read_text().strip() if SECRET_KEY_FILE.is_file() else INSECURE_SECRET_KEY
)
DOLUONG_KEYS_DIR = Path(env_str("DOLUONG_KEYS_DIR", str(DATA_DIR / "keys")))
DOLUONG_KEK = env_str("DOLUONG_KEK", "")
DOLUONG_KEK_FILE = env_str("DOLUONG_KEK_FILE", "")
DOLUONG_ROOT_KEY_FILE = env_str("DOLUONG_ROOT_KEY_FILE", "")
DOLUONG_ROOT_PUBLIC_KEY = env_str("DOLUONG_ROOT_PUBLIC_KEY", "")
# --- end of secrets -------------------------------------------------------------------------------------------
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# a refused form (CSRF) answers with the Vietnamese 403 page (core/errors.py)
CSRF_FAILURE_VIEW = "doluong.core.errors.csrf_failure"
# form widgets render through TEMPLATES, so that templates/django/forms/widgets/file.html (Vietnamese file
# button) overrides Django's own
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, found by FORM_RENDERER below (ours override file inputs)
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "doluong.core",
    "doluong.geo",
    "doluong.parties",
    "doluong.registry",
    "doluong.verification",
    "doluong.programs",
    "doluong.assurance",
    "doluong.coverage",
    "doluong.exchange",
    "doluong.inspections",
    "doluong.opendata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "doluong.core.middleware.RequestSizeMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "doluong.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "doluong.core.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # last, as django-axes asks: it turns a locked-out login into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "doluong.urls"
WSGI_APPLICATION = "doluong.wsgi.application"

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
                "doluong.core.context_processors.navigation",
            ],
        },
    }
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": Path(env_str("SQLITE_PATH", str(DATA_DIR / "doluong.sqlite3"))),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
                ),
            },
            "TEST": {"NAME": env_str("SQLITE_TEST_PATH", "") or None},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Language, time and formats: Vietnamese first, English available.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["doluong.formats"]
LANGUAGE_COOKIE_NAME = "doluong_language"

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))

# One cache for all gunicorn workers; files under DATA_DIR, so nothing else has to run (the public check's rate
# limit counts in the database, verification.CheckCount). Tests use a fresh in-memory cache per test (tests/conftest.py).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(Path(env_str("DOLUONG_CACHE_DIR", str(DATA_DIR / "cache")))),
        "TIMEOUT": 300,
    }
}
#: public certificate lookups allowed per client IP and minute (/verify/ and /api/public/)
VERIFY_RATE_LIMIT = env_int("VERIFY_RATE_LIMIT", 30)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "doluong@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["doluong.core.permissions.RestrictPermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # --- limits (API throttles; the rates are set in the limits block below)
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # a throttled request's message in Vietnamese (core/errors.py)
    "EXCEPTION_HANDLER": "doluong.core.errors.api_exception_handler",
    "DATE_INPUT_FORMATS": ["iso-8601", "%d/%m/%Y"],
    # the schema's path parameter is {pk}: a province's and a commune's key is their code, not an "id"
    # (`check --deploy` builds the schema and warned)
    "SCHEMA_COERCE_PATH_PK": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "doluong API",
    "DESCRIPTION": "REST API của nền tảng đo lường số doluong (cơ sở dữ liệu đo lường dùng chung).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # --- production security (`check --deploy` builds the schema and must be clean: docs/operations.md)
    # several fields are called "kind" and "status" with different choices: each set gets its own name
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "doluong.parties.choices.OrganisationKind",
        "RecordKindEnum": "doluong.verification.choices.RecordKind",
        "PlanKindEnum": "doluong.programs.choices.PlanKind",
        "EventKindEnum": "doluong.programs.choices.EventKind",
        "MapKindEnum": "doluong.programs.choices.MapKind",
        "SupportKindEnum": "doluong.programs.choices.SupportKind",
        "PlanStatusEnum": "doluong.programs.choices.PlanStatus",
        "TaskStatusEnum": "doluong.programs.choices.TaskStatus",
        "RoundStatusEnum": "doluong.programs.choices.RoundStatus",
        "ReportStatusEnum": "doluong.programs.choices.ReportStatus",
        "CertificateStatusEnum": "doluong.verification.choices.CertificateStatus",
        "JobStatusEnum": "doluong.verification.choices.JobStatus",
        "InstrumentStatusEnum": "doluong.registry.choices.InstrumentStatus",
        "ReminderStatusEnum": "doluong.registry.models.ReminderStatus",
        "ConfirmationVerdictEnum": "doluong.assurance.choices.Verdict",
        "AssuranceSupportKindEnum": "doluong.assurance.choices.SupportKind",
        "FundingEnum": "doluong.assurance.choices.Funding",
        "OutOfToleranceTriggerEnum": "doluong.assurance.choices.Trigger",
        "InspectionVerdictEnum": "doluong.inspections.models.Verdict",
        "InspectedInstrumentKindEnum": "doluong.inspections.models.InstrumentKind",
        "CampaignKindEnum": "doluong.inspections.models.CampaignKind",
        "SiteKindEnum": "doluong.inspections.models.SiteKind",
        "LotPlaceEnum": "doluong.inspections.models.LotPlace",
        "QuantityKindEnum": "doluong.inspections.models.QuantityKind",
    },
}

DJANGO_TABLES2_TEMPLATE = "core/table.html"
DJANGO_TABLES2_PAGE_RANGE = 8

SESSION_COOKIE_HTTPONLY = True

# --- limits
# Login lockout (django-axes) on every password login: the site's login page and the admin's (both go through
# django.contrib.auth.authenticate). The API has no password login (session and token authentication only).
# 5 failures for one username from one client address lock that pair for 15 minutes; a success resets the
# count. Unlock earlier with `doluong manage axes_reset_username <name>` (docs/operations.md).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("DOLUONG_LOGIN_LOCKOUT", True)
AXES_FAILURE_LIMIT = env_int("DOLUONG_LOGIN_FAILURES", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("DOLUONG_LOGIN_LOCK_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "doluong.core.views.lockout"  # a Vietnamese page, HTTP 429
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_CLIENT_IP_CALLABLE = "doluong.core.middleware.client_ip"
AXES_VERBOSE = False
#: how many reverse proxies (nginx, a load balancer) stand in front of the server and append to
#: X-Forwarded-For; 0 = the client's address is REMOTE_ADDR. Also makes Django trust X-Forwarded-Proto.
DOLUONG_TRUSTED_PROXIES = env_int("DOLUONG_TRUSTED_PROXIES", 0)
REST_FRAMEWORK["NUM_PROXIES"] = DOLUONG_TRUSTED_PROXIES or None
# API throttles per client address (anonymous) and per user; the public certificate check has its own limit
# (VERIFY_RATE_LIMIT, counted in the database) and is not a DRF view.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "anon": env_rate("DOLUONG_API_ANON_RATE", "60/min"),
    "user": env_rate("DOLUONG_API_USER_RATE", "1200/min"),
}
# Upload sizes per kind of upload, refused with a message before the file is read (core.uploads); the whole
# request is refused above the largest of them (core.middleware.RequestSizeMiddleware).
DOLUONG_UPLOAD_LIMITS = {
    "import": env_size_mb("DOLUONG_UPLOAD_IMPORT_MB", 10),  # list pages' XLSX/CSV import
    "bulk": env_size_mb("DOLUONG_UPLOAD_BULK_MB", 500),  # bulk loads (registry)
    "batch": env_size_mb("DOLUONG_UPLOAD_BATCH_MB", 20),  # batch issue of certificates (XLSX)
    "workbook": env_size_mb("DOLUONG_UPLOAD_WORKBOOK_MB", 10),  # a province's plan workbook (XLSX)
    "template": env_size_mb("DOLUONG_UPLOAD_TEMPLATE_MB", 5),  # Word template, PAdES certificate
    "attachment": env_size_mb("DOLUONG_UPLOAD_ATTACHMENT_MB", 20),  # any other file (report attachments)
}
#: uploads left behind (previews never confirmed, loads interrupted) are deleted after this many hours
DOLUONG_UPLOAD_MAX_AGE_HOURS = env_int("DOLUONG_UPLOAD_MAX_AGE_HOURS", 24)

# Background jobs (core.jobs): django-tasks with its database backend, run by `doluong worker` (started beside
# the web server by `doluong serve` and `doluong demo`; under systemd, a unit of its own: docs/operations.md).
# DOLUONG_TASKS_BACKEND=immediate runs each job inside the request that starts it (the unit tests).
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[env_str("DOLUONG_TASKS_BACKEND", "database")],
    }
}
# a running job's worker stamps its heartbeat this often; on another host it is presumed dead after STALE
DOLUONG_JOB_HEARTBEAT_SECONDS = env_int("DOLUONG_JOB_HEARTBEAT_SECONDS", 5)
DOLUONG_JOB_STALE_SECONDS = env_int("DOLUONG_JOB_STALE_SECONDS", 120)
# a job whose worker died is run again until it has been tried this many times (then it is marked failed)
DOLUONG_JOB_ATTEMPTS = env_int("DOLUONG_JOB_ATTEMPTS", 2)
# a national instance (exchange.aggregate): receives the province instances' events, serves national statistics
DOLUONG_NATIONAL_MODE = env_bool("DOLUONG_NATIONAL_MODE", False)
# its receiver stores this many refusals (unknown source, bad signature) a minute per client address; above: 429, counted
DOLUONG_NATIONAL_REFUSAL_LIMIT = env_int("DOLUONG_NATIONAL_REFUSAL_LIMIT", 30)
# a source's previous HMAC secret is still accepted this many hours after a rotation
DOLUONG_NATIONAL_SECRET_GRACE_HOURS = env_int("DOLUONG_NATIONAL_SECRET_GRACE_HOURS", 24)
# the refusals counted above the limit are kept this many days (pruned by the delivery job)
DOLUONG_NATIONAL_REFUSAL_COUNT_RETENTION_DAYS = env_int("DOLUONG_NATIONAL_REFUSAL_COUNT_RETENTION_DAYS", 90)
# the most events the batch endpoint takes in one delivery
DOLUONG_NATIONAL_BATCH_MAX = env_int("DOLUONG_NATIONAL_BATCH_MAX", 500)
# the exchange (outbox delivery): the hosts a subscriber may be on without https, the Ed25519 exchange key's file
# (default DOLUONG_KEYS_DIR/exchange.json), a delivery request's timeout, the events per delivery transaction
DOLUONG_EXCHANGE_ALLOWED_HOSTS = env_list("DOLUONG_EXCHANGE_ALLOWED_HOSTS", "127.0.0.1,localhost")
DOLUONG_EXCHANGE_KEY_FILE = env_str("DOLUONG_EXCHANGE_KEY_FILE", "")
DOLUONG_EXCHANGE_TIMEOUT_SECONDS = env_int("DOLUONG_EXCHANGE_TIMEOUT_SECONDS", 10)
DOLUONG_EXCHANGE_DELIVERY_BATCH = env_int("DOLUONG_EXCHANGE_DELIVERY_BATCH", 100)
# files above 2.5 MB are written to a temporary file while they arrive, not kept in memory
FILE_UPLOAD_MAX_MEMORY_SIZE = 2621440
FILE_UPLOAD_TEMP_DIR = env_str("DOLUONG_UPLOAD_TEMP_DIR", "") or None
# the fields of a form (not its files)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- production security
# DOLUONG_HTTPS=1 (the documented production setup, docs/operations.md) turns on the HTTPS redirect, HSTS and
# Secure cookies; each can also be set on its own.
DOLUONG_HTTPS = env_bool("DOLUONG_HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", DOLUONG_HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if DOLUONG_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# preloading commits the whole domain to HTTPS in browsers for months; a choice for the domain's owner
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", DOLUONG_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if DOLUONG_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]  # preload off on purpose
# Content Security Policy (django-csp): scripts only from the site's own static files (htmx, Bootstrap and
# Chart.js are vendored), no inline script, no eval. Inline style attributes stay allowed (progress bars).
DOLUONG_CSP = env_bool("DOLUONG_CSP", True)
_CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES} if DOLUONG_CSP else None
#: paths whose responses keep their own caching even for a signed-in user (core.middleware.PrivateCacheMiddleware)
DOLUONG_PUBLIC_PATHS = ("/verify/", "/api/public/", STATIC_URL)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
