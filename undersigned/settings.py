"""Settings for undersigned: one file, every knob read from the environment.

The defaults run the demo on SQLite. Production sets at least SECRET_KEY,
ALLOWED_HOSTS, DATABASE_URL, the key material and the SMTP settings; see the
README's "Operating it in production".
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("UNDERSIGNED_VAR_DIR", BASE_DIR.parent / "var")).resolve()


TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool = False) -> bool:
    """A yes/no setting. Anything but the usual spellings stops the start-up:
    a typo must not silently turn a protection off (STAFF_2FA=ture)."""
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word not in TRUE | FALSE:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a yes/no value: use one of "
            f"{', '.join(sorted(TRUE))} or {', '.join(sorted(FALSE - {''}))}."
        )
    return word in TRUE


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Demo mode: a local, single-machine installation for trying the platform.
# It writes mail to files, shows the Outbox page and may make up its own keys.
DEMO = env_bool("UNDERSIGNED_DEMO")
DEBUG = env_bool("UNDERSIGNED_DEBUG")
TESTING = env_bool("UNDERSIGNED_TESTING")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEMO or DEBUG or TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set (or run the demo with UNDERSIGNED_DEMO=1)."
        )
    SECRET_KEY = "insecure-demo-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEMO or DEBUG) else "")
if TESTING:
    ALLOWED_HOSTS = ["*"]
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("SITE_NAME", "undersigned")

INSTALLED_APPS = [
    # django.contrib.admin, with the two-factor admin site (undersigned/staff/).
    "undersigned.staff.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "undersigned.staff",
    # From the bottom layer up (docs/architecture.md).
    "undersigned.outgoing",
    "undersigned.privacy",
    "undersigned.areas",
    "undersigned.campaigns",
    "undersigned.counting",
    "undersigned.outbox",
    "undersigned.signatures",
    "undersigned.abuse",
    "undersigned.deliveries",
    "undersigned.updates",
    "undersigned.participation",
    "undersigned.integrations",
    "undersigned.retention",
    "undersigned.front",
    "undersigned.api",
    "undersigned.organise",
    "undersigned.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "undersigned.privacy.headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language comes from the URL: /es/... is Spanish, every other public
    # address is English (undersigned/urls.py).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After the two above (staff may upload more), before anything reads a body.
    "undersigned.http.RequestBodyGuard",
    "undersigned.staff.middleware.StaffIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into its 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "undersigned.urls"
WSGI_APPLICATION = "undersigned.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "undersigned.campaigns.context.site",
                "undersigned.organise.access.workspace_context",
            ],
        },
    }
]


def _option(value: str):
    """?server_side_binding=true&prepare_threshold=5: psycopg wants real types."""
    if value.lower() in {"true", "false"}:
        return value.lower() == "true"
    return int(value) if value.isdigit() else value


def database_from_url(url: str) -> dict:
    """Parse postgres://user:password@host:port/name?options into Django's form."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured("DATABASE_URL must start with postgres:// (or be unset).")
    options = {key: _option(values[-1]) for key, values in parse_qs(parts.query).items()}
    # Behind PgBouncer in transaction-pooling mode (DATABASE_POOLING=transaction,
    # docs/scaling.md), each transaction may run on another server connection, so
    # nothing may outlive one: no server-side cursors (Django's WITH HOLD cursors
    # for .iterator() outside a transaction), and no prepared statements (Django
    # turns psycopg's off unless the URL sets ?prepare_threshold=, which pooling
    # overrides: PgBouncer 1.18 cannot carry them between server connections). The
    # time zone Django sets is a parameter PgBouncer tracks per client; nothing
    # else sets session state, and no advisory lock or LISTEN is used.
    pooled = os.environ.get("DATABASE_POOLING", "") == "transaction"
    if pooled:
        options["prepare_threshold"] = None
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": unquote(parts.hostname or ""),
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": os.environ.get("DATABASE_CONN_HEALTH_CHECKS", "1") == "1",
        "OPTIONS": options,
        "DISABLE_SERVER_SIDE_CURSORS": pooled,
    }


if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", VAR_DIR / "undersigned.sqlite3"),
            # Keep the connection between requests, as on PostgreSQL: opening
            # one (and running the PRAGMAs) cost more than the queries of a
            # count request (docs/performance.md).
            "CONN_MAX_AGE": int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE takes the
                # write lock at BEGIN so two writers queue on the busy timeout
                # instead of failing on a lock upgrade mid-transaction.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "mail"],
    }
}

# Mail. The demo writes one .eml file per message under var/mail/ and never
# talks to a mail server; production sends through SMTP.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "undersigned <noreply@example.org>")
MAIL_DIR = VAR_DIR / "mail"
if DEMO and not os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "undersigned.outbox.backends.EmlFileBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
# Seconds one SMTP step (connect, a command, the reply to a message) may take.
# It also bounds a crash's delay: a message claimed by a worker that died is
# taken back after 6 times this (undersigned/outgoing/work.py), a minute by default.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
# Caps on mail to signers, per hour (undersigned/outbox/caps.py): from one
# sender network (the /24 or /64 the abuse checks see), to one recipient
# domain, and overall. Mail beyond a cap waits for room, confirmations
# first; none is dropped. 0 turns a cap off. Set MAIL_PER_HOUR to what your
# mail provider allows. The network cap is sized for an honest surge on one
# network (a campus or an office: 300 signers on one /24 within an hour get
# their confirmations within that hour) while bounding what a script on one
# network can make us send.
MAIL_PER_HOUR_PER_NETWORK = int(os.environ.get("MAIL_PER_HOUR_PER_NETWORK", "300"))
MAIL_PER_HOUR_PER_DOMAIN = int(os.environ.get("MAIL_PER_HOUR_PER_DOMAIN", "2000"))
MAIL_PER_HOUR = int(os.environ.get("MAIL_PER_HOUR", "10000"))

# Personal data keys (see undersigned/privacy/keys.py). Never in the database.
UNDERSIGNED_KEYS = os.environ.get("UNDERSIGNED_KEYS", "")
UNDERSIGNED_KEY_FILE = os.environ.get("UNDERSIGNED_KEY_FILE", "")

# Retention (see undersigned/retention/rules.py and docs/privacy.md).
RETENTION_MONTHS_AFTER_CLOSE = int(os.environ.get("RETENTION_MONTHS_AFTER_CLOSE", "6"))

# Abuse resistance (see undersigned/abuse/).
# Seconds a person needs at least between seeing the form and sending it.
SIGN_MIN_SECONDS = float(os.environ.get("SIGN_MIN_SECONDS", "3"))
# Proof-of-work difficulty at rest: the browser tries on average half this
# many hashes (undersigned/abuse/checks.py; bench/pow.py measures it).
POW_MAX_NUMBER = int(os.environ.get("POW_MAX_NUMBER", "50000"))
# Above this many sign-ups a minute on a campaign, the proof of work grows
# harder in proportion, up to POW_MAX_FACTOR times its difficulty at rest.
POW_SURGE_PER_MINUTE = float(os.environ.get("POW_SURGE_PER_MINUTE", "30"))
POW_MAX_FACTOR = float(os.environ.get("POW_MAX_FACTOR", "8"))
# The check without JavaScript: wait this long, then press Sign again. A
# network may pass it this many times an hour per campaign (0: no limit).
SIGN_CHECK_WAIT_SECONDS = float(os.environ.get("SIGN_CHECK_WAIT_SECONDS", "10"))
WAIT_PASSES_PER_HOUR = int(os.environ.get("WAIT_PASSES_PER_HOUR", "30"))
# How many reverse proxies append to X-Forwarded-For in front of the app.
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

# Request bodies (undersigned/http.py). A supporter's form is a few kilobytes:
# anything over REQUEST_MAX_BYTES is refused unread with 413. Staff signed in
# to the admin may send up to STAFF_UPLOAD_MAX_MB, for the area importers.
REQUEST_MAX_BYTES = 64 * 1024
STAFF_UPLOAD_MAX_BYTES = int(os.environ.get("STAFF_UPLOAD_MAX_MB", "50")) * 1024 * 1024
# Django's own limits, for what staff send: form fields (files aside) held in
# memory, and uploaded files kept in memory before they go to a temporary file.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# Signing.
MAX_EMAILS_PER_SIGNATURE = 3
REMEMBER_COOKIE = (
    "undersigned_device" if (DEMO or DEBUG or TESTING) else "__Host-undersigned_device"
)
REMEMBER_DAYS = 365
# "This browser has just signed campaign N", for the thank-you page (signatures/marker.py).
SIGNED_COOKIE = "undersigned_signed" if (DEMO or DEBUG or TESTING) else "__Host-undersigned_signed"

# Partners' tools (undersigned/integrations/, docs/api.md).
# Requests one API key may make per minute, whatever it asks.
API_REQUESTS_PER_MINUTE = int(os.environ.get("API_REQUESTS_PER_MINUTE", "120"))
# Hours an embedded sign form stays valid once shown (its frame token).
EMBED_FORM_HOURS = 24
# Partners' sites and webhook receivers on this machine, over plain http
# (http://127.0.0.1:…, http://localhost:…): the demo and the tests run them
# there. Never in production: everything else must be https, on a public
# address.
PARTNERS_ON_LOOPBACK = env_bool("PARTNERS_ON_LOOPBACK", DEMO)
# Seconds a webhook receiver has to connect and answer; a delivery claimed by
# a worker that died is taken back after 6 times this (docs/api.md, "Webhooks").
WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "10"))
if PARTNERS_ON_LOOPBACK and not (DEMO or DEBUG or TESTING):
    raise ImproperlyConfigured(
        "PARTNERS_ON_LOOPBACK is for the demo and the tests only: in production, partners' "
        "sites and webhook receivers are https on a public address."
    )

# Per-process caches of read-mostly data (undersigned/memo.py): an edit made in
# one web process reaches the others within this many seconds.
CAMPAIGN_FRESH_SECONDS = float(os.environ.get("CAMPAIGN_FRESH_SECONDS", "2"))
# Campaign page HTML for visitors without cookies, and the public count in it.
PAGE_FRESH_SECONDS = float(os.environ.get("PAGE_FRESH_SECONDS", "1"))
# Postal code -> areas; the importers are the only writers.
AREA_LOOKUP_FRESH_SECONDS = float(os.environ.get("AREA_LOOKUP_FRESH_SECONDS", "300"))

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# The site's own stylesheet and script live in the project package, which is
# not an app, so the app-directories finder would not see them.
STATICFILES_DIRS = [BASE_DIR / "static"]

# Languages of the public pages, e-mails and delivered letters. English, the
# default, keeps its addresses unprefixed; every other language lives under its
# own prefix (/es/c/<slug>/). Names are in their own language, for the switcher.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["undersigned.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE = not (DEMO or DEBUG or TESTING)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_AGE = 60 * 60 * 8
# Only staff have sessions: they end with the browser, after 8 hours at most,
# and after STAFF_IDLE_MINUTES without a request (undersigned/staff/middleware.py).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Admin messages live in the session, so there is no separate `messages` cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
STAFF_IDLE_MINUTES = int(os.environ.get("STAFF_IDLE_MINUTES", "30"))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # The directive only allows this host to be submitted to browsers' preload
    # lists; nothing is submitted. Set 0 if a subdomain must ever serve plain HTTP.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = (
        ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", True) else None
    )
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Staff accounts (see docs/privacy.md, "Staff accounts").
# Argon2id for new and changed passwords; PBKDF2 still verifies, then upgrades,
# older hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Second factor (django-otp, TOTP) for the admin; the demo runs without it.
STAFF_2FA = env_bool("STAFF_2FA", not DEMO)
OTP_TOTP_ISSUER = SITE_NAME
# Never show a TOTP secret again once `undersigned staff totp` has printed it.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Login throttling (django-axes): five wrong passwords for one username from one
# address lock that pair out for an hour; a successful login resets the count.
# The standalone backend has no get_user(), so sessions (and the test client's
# force_login) use ModelBackend.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "undersigned.staff.network.client_ip"
# Keep a record of failed logins only (needed to count them), not of every
# successful one; and keep one-time codes and CSRF tokens out of that record.
AXES_DISABLE_ACCESS_LOG = True
# No start-up banner on every command.
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token", "csrfmiddlewaretoken"]

# Logs carry no personal data: request bodies and e-mail addresses are never
# logged by our code, and Django's request logger reports only method, path
# and status. Every handler redacts the tokens of private links (paths,
# Referers and tracebacks quote them): a filter on a logger would miss the
# records of its children and of other libraries' loggers. Django's default
# handlers (a console one in DEBUG, mail to ADMINS) are replaced by these.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "private_links": {"()": "undersigned.privacy.reports.RedactPrivateLinks"},
        "no_template_context": {"()": "undersigned.privacy.reports.WithoutTemplateContext"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "access": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["private_links"],
        },
        # The access log of runserver (the demo) and of granian (--access-log).
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "filters": ["private_links"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "granian.access": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "django.template": {"filters": ["no_template_context"]},
    },
}
# Error pages and reports show no POST values or local variables of requests
# that carry personal data, in DEBUG too (undersigned/privacy/reports.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "undersigned.privacy.reports.PersonalDataReporterFilter"
