"""Settings of the appeals portal.

Everything comes from environment variables with embedded defaults, so that a
fresh machine runs the portal with nothing set: SQLite, Celery tasks executed
in-process, e-mail printed to the console. docs/configuration.md lists the
variables; production sets PORTAL_ENV=production and the real services.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from appeals_portal.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

PORTAL_ENV = env_str("PORTAL_ENV", "development")
if PORTAL_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("PORTAL_ENV must be 'development' or 'production'.")
PRODUCTION = PORTAL_ENV == "production"

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. In production (PORTAL_ENV=production) set SECRET_KEY "
            "or SECRET_KEY_FILE to a long random string."
        )
    # Development: keep a generated key on disk so that sessions and signed
    # links survive a restart of the development server.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The public address of the portal, used in links inside e-mails that Celery
# sends outside any request.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "captcha",
    "classifiers",
    "outbox",
    "letters",
    "appeals",
    "postal",
    "feedback",
    "reports",
    "suggestions",
    "publications",
    "cabinet",
    # Staff sign-in: lockout of repeated failures, the second factor. The
    # accounts app comes after them: its admin replaces theirs and Django's
    # UserAdmin, and autodiscovery imports admin modules in this order.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "appeals.uploads.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session was confirmed with a second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Who is acting, for the audit of rights written from model signals.
    "accounts.middleware.CurrentRequestMiddleware",
    # Staff sessions end after STAFF_SESSION_IDLE_MINUTES without a request.
    "accounts.middleware.StaffIdleTimeoutMiddleware",
    # Staff who must have a second factor reach no admin page without it.
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    # django-axes turns a locked-out sign-in into its answer; it must be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "appeals_portal.urls"
WSGI_APPLICATION = "appeals_portal.wsgi.application"
ASGI_APPLICATION = "appeals_portal.asgi.application"

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
                "appeals.context_processors.institution",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
            # Several threads (the development server, eager Celery) write at once.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions --------------------------------------------------------
# The cache holds only what may be lost: rate-limit counters and the cached
# HTML of the blank form. Production points CACHE_URL at Redis. A Redis
# outage must not reach citizens: django-redis ignores connection errors
# (a read misses, a write is dropped) and logs each one under the
# "appeals_portal.cache" logger; /health/ still reports the cache down (503).
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {
                # A Redis that does not answer costs a request at most this long per call.
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "appeals_portal.cache"
# Sessions live in the database, which holds the drafts anyway: any web
# process reads any session, and a cache outage loses none. Expired rows are
# deleted by the "sessions-clear-expired" beat task.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 2

# --- Staff sign-in -------------------------------------------------------------
# django-axes counts failed sign-ins in the database (AccessAttempt) and must
# be the first backend: it refuses a locked-out attempt before the password is
# checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, whose session user carries what the second-factor gate asks.
    "accounts.backends.StaffModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 30)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
# Locked is the pair (user name, IP address): a guesser at one address is
# stopped, but nobody can lock an official out of their own desk by typing
# wrong passwords for that name from elsewhere, and one office behind a NAT
# address is not locked out as a whole. Guessing from many addresses is met
# by the password rules and the second factor.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.signin.lockout_response"
# Behind a reverse proxy: the request.META key that carries the client's
# address (e.g. HTTP_X_REAL_IP); by default the one RATELIMIT_IP_META_KEY names.
AXES_IP_META_KEY = env_str("AXES_IP_META_KEY", env_str("RATELIMIT_IP_META_KEY", "REMOTE_ADDR"))
AXES_CLIENT_IP_CALLABLE = "accounts.signin.client_ip"
# Masked in axes' records of an attempt (the password always is): the
# second factor's code and the CSRF token, besides axes' own defaults.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token", "csrfmiddlewaretoken"]

# Second factor (django-otp): TOTP apps, with single-use recovery codes.
# These groups and every superuser must have one; any staff user may.
ACCOUNTS_SECOND_FACTOR_GROUPS = env_list("ACCOUNTS_SECOND_FACTOR_GROUPS", ["Администратор", "Руководитель"])
ACCOUNTS_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Приёмная обращений")
# Each wrong code doubles the wait before the next try (1 s, 2 s, 4 s, ...);
# django-otp's defaults, set here so that nobody turns them off unseen.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# A staff session ends after this many minutes without a request; citizens'
# draft sessions keep SESSION_COOKIE_AGE.
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 30)

# --- Passwords ----------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ------------------------------------------------------
# Interface texts are written in Russian and pass through gettext, so that an
# English locale can be added under locale/ without touching the code.
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Русский")), ("en", _("Английский"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

# --- Static files and private files ------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Development serves static files straight from the source folders; production
# images run collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing

# Citizens' attachments are private: there is no MEDIA_URL and no public
# route to them; staff download them through an admin view that checks rights.
PRIVATE_STORAGE_ROOT = Path(env_str("PRIVATE_STORAGE_ROOT", str(VAR_DIR / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT / "default", "base_url": None},
    },
    "attachments": {
        "BACKEND": env_str("ATTACHMENTS_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": (
            {"location": PRIVATE_STORAGE_ROOT / "attachments", "base_url": None, "file_permissions_mode": 0o600}
            if not env_str("ATTACHMENTS_STORAGE_BACKEND")
            else {}
        ),
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# With an S3-compatible store (django-storages), these settings name it.
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME") or None
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME") or None
AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID") or None
AWS_SECRET_ACCESS_KEY = env_str("AWS_SECRET_ACCESS_KEY") or None
AWS_DEFAULT_ACL = None  # private objects: files are served only through the admin
AWS_QUERYSTRING_AUTH = True

# Uploads over 256 KB stream to a temporary file instead of memory; the first
# handler drops files once the request carries more than the attachment limit.
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
FILE_UPLOAD_HANDLERS = [
    "appeals.uploads.AttachmentLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_PERMISSIONS = 0o600

# --- E-mail -----------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# Each blocking step of an SMTP conversation waits at most this long; it
# must stay below the delivery task's soft time limit (30 s, outbox.services:
# the arithmetic that keeps a slow worker from being overtaken is there).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# The first retry of a message the SMTP server refused comes after this
# many seconds, each next one after twice as long (at most 2 hours).
OUTBOX_RETRY_BASE_SECONDS = env_int("OUTBOX_RETRY_BASE_SECONDS", 30)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "priemnaya@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------
# Without a broker, tasks run in the calling process (development). The
# outbox keeps every message in the database either way, so a broker outage
# delays mail and loses nothing.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = TIME_ZONE
# A web request must not hang on a broker that is down: publish fails fast and
# the periodic outbox sweep sends the message later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 1}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Task modules that autodiscovery (<app>.tasks) does not find.
CELERY_IMPORTS = ["suggestions.topics.tasks"]
CELERY_BEAT_SCHEDULE = {
    # Every 30 s: a dead worker's letters go out again 60-90 s after their
    # claim (outbox.services.CLAIM_TIMEOUT is 60 s).
    "outbox-sweep": {"task": "outbox.tasks.sweep_outbox", "schedule": 30.0},
    "sessions-clear-expired": {"task": "appeals_portal.clear_expired_sessions", "schedule": 60 * 60.0},
    # The citizen's cabinet: sign-in links past their time open nothing; delete them.
    "cabinet-delete-expired-links": {"task": "cabinet.tasks.delete_expired_links", "schedule": 60 * 60.0},
    "appeals-purge-expired-drafts": {"task": "appeals.tasks.purge_expired_drafts", "schedule": 15 * 60.0},
    # Reminders of due dates and the heads' overdue digest: at 08:00 Moscow
    # time (CELERY_TIMEZONE), before the working day. The job is idempotent
    # (each letter is claimed once), so the hourly working-day runs after it
    # send only what the 08:00 run missed (a worker or broker outage) and
    # the terms that appeared during the day; nothing is sent at night.
    "appeals-send-reminders": {"task": "appeals.tasks.send_reminders", "schedule": crontab(hour=8, minute=0)},
    "appeals-send-reminders-catch-up": {
        "task": "appeals.tasks.send_reminders", "schedule": crontab(hour="9-18", minute=0),
    },
    # The satisfaction requests: ask about the answers that went out (the
    # e-mail sent, the letter marked sent), then expire the unanswered ones.
    "feedback-ask-sent-answers": {"task": "feedback.tasks.ask_sent_answers", "schedule": 10 * 60.0},
    "feedback-expire-requests": {"task": "feedback.tasks.expire_requests", "schedule": 60 * 60.0},
}

# --- Security headers -------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
HTTPS = env_bool("HTTPS", PRODUCTION)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Forms --------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
CAPTCHA_FONT_SIZE = 34
CAPTCHA_IMAGE_SIZE = (150, 50)
CAPTCHA_LETTER_ROTATION = (-25, 25)
CAPTCHA_TIMEOUT = 20  # minutes

# --- Rate limits (django-ratelimit, counted in the cache) --------------------
RATELIMIT_VIEW = "appeals.views.public.rate_limited"
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
# When the cache is down the counters cannot be read: let the request through
# (django-redis logs the failure) rather than refuse every citizen. The
# captcha, kept in the database, still guards the form meanwhile.
RATELIMIT_FAIL_OPEN = True
# Behind a reverse proxy every request comes from the proxy's address: name
# the header that carries the client's (e.g. HTTP_X_REAL_IP, set by nginx).
if env_str("RATELIMIT_IP_META_KEY"):
    RATELIMIT_IP_META_KEY = env_str("RATELIMIT_IP_META_KEY")

# --- The appeals' own settings ----------------------------------------------
APPEALS_NUMBER_PREFIX = env_str("APPEALS_NUMBER_PREFIX", "ОГ")
# 547-FZ: the e-mail for the answer must be in the Russian national domain
# zone; .рф is kept in its ASCII (punycode) form.
APPEALS_EMAIL_ZONES = env_list("APPEALS_EMAIL_ZONES", ["ru", "xn--p1ai", "su"])
APPEALS_DRAFT_TTL_HOURS = env_int("APPEALS_DRAFT_TTL_HOURS", 48)
APPEALS_ATTACHMENTS_MAX_TOTAL = env_int("APPEALS_ATTACHMENTS_MAX_TOTAL", 10 * 1024 * 1024)
APPEALS_ATTACHMENTS_MAX_FILES = env_int("APPEALS_ATTACHMENTS_MAX_FILES", 10)
# A request body larger than this is refused before it is read.
APPEALS_MAX_REQUEST_BYTES = env_int("APPEALS_MAX_REQUEST_BYTES", APPEALS_ATTACHMENTS_MAX_TOTAL + 2 * 1024 * 1024)
APPEALS_RATE_SUBMIT = env_str("APPEALS_RATE_SUBMIT", "20/h")
APPEALS_RATE_CONFIRM = env_str("APPEALS_RATE_CONFIRM", "30/h")
APPEALS_RATE_STATUS = env_str("APPEALS_RATE_STATUS", "10/m")
APPEALS_CONFIRMATION_RESEND_SECONDS = env_int("APPEALS_CONFIRMATION_RESEND_SECONDS", 60)
# Wrong codes (or link tokens) a draft allows over its whole life, resends
# included; then even the right code is refused and the appeal is submitted
# again. 9 of 10**6 six-digit codes: a guess succeeds with a chance under 1 in
# 100,000 (tests/appeals/test_code_guessing.py).
APPEALS_CONFIRMATION_MAX_WRONG_CODES = env_int("APPEALS_CONFIRMATION_MAX_WRONG_CODES", 9)
if not 1 <= APPEALS_CONFIRMATION_MAX_WRONG_CODES <= 9:
    raise ImproperlyConfigured("APPEALS_CONFIRMATION_MAX_WRONG_CODES must be between 1 and 9.")
# Wrong codes per client IP address and per e-mail address, across drafts.
APPEALS_RATE_WRONG_CODE_IP = env_str("APPEALS_RATE_WRONG_CODE_IP", "50/d")
APPEALS_RATE_WRONG_CODE_EMAIL = env_str("APPEALS_RATE_WRONG_CODE_EMAIL", "20/d")
APPEALS_IDENTIFICATION_BACKENDS = env_list(
    "APPEALS_IDENTIFICATION_BACKENDS", ["appeals.identification.EmailIdentification"]
)
# A term ending on a non-working day moves to the preceding working day
# ("preceding", the cautious default of most official procedures) or to the
# following one ("following"). DESIGN.md section 4.
APPEALS_DEADLINE_RULE = env_str("APPEALS_DEADLINE_RULE", "preceding")
if APPEALS_DEADLINE_RULE not in {"preceding", "following"}:
    raise ImproperlyConfigured("APPEALS_DEADLINE_RULE must be 'preceding' or 'following'.")
# Outgoing numbers of answers and notices: «ИСХ-2026-000001».
APPEALS_OUTGOING_PREFIX = env_str("APPEALS_OUTGOING_PREFIX", "ИСХ")
# Officials are reminded this many days before a due date.
APPEALS_REMINDER_DAYS = env_int("APPEALS_REMINDER_DAYS", 3)

# --- The citizen's satisfaction (the feedback app) --------------------------
# Days the citizen has to answer «Ответ решил ваш вопрос?» once the answer went out.
FEEDBACK_EXPIRE_DAYS = env_int("FEEDBACK_EXPIRE_DAYS", 30)
# Wrong codes of a postal answer before its code stops working.
FEEDBACK_CODE_ATTEMPTS = env_int("FEEDBACK_CODE_ATTEMPTS", 5)
# Link and code attempts per client IP address (django-ratelimit rate).
FEEDBACK_RATE = env_str("FEEDBACK_RATE", "20/h")

# --- Topic suggestion (suggestions.topics, issue 12) -------------------------
# No suggestion until every topic the form offers has at least this many
# registered appeals in the training window: a model that has seen a topic a
# handful of times guesses it badly, and one that never saw it never suggests it.
TOPICS_MIN_APPEALS_PER_TOPIC = env_int("TOPICS_MIN_APPEALS_PER_TOPIC", 30)
# Nothing is suggested when the best topic's confidence is below this (percent).
TOPICS_MIN_CONFIDENCE_PERCENT = env_int("TOPICS_MIN_CONFIDENCE_PERCENT", 40)
if not 0 <= TOPICS_MIN_CONFIDENCE_PERCENT <= 100:
    raise ImproperlyConfigured("TOPICS_MIN_CONFIDENCE_PERCENT must be between 0 and 100.")
# The model learns from the appeals registered in the last N years.
TOPICS_TRAINING_YEARS = env_int("TOPICS_TRAINING_YEARS", 3)
# Retraining: every night at this hour (Moscow time, CELERY_TIMEZONE).
TOPICS_RETRAIN_HOUR = env_int("TOPICS_RETRAIN_HOUR", 3)
# Trained versions kept in the storage (the current one is always kept).
TOPICS_KEEP_VERSIONS = env_int("TOPICS_KEEP_VERSIONS", 3)
# Each process looks for a newer version at most this often (seconds).
TOPICS_RELOAD_SECONDS = env_int("TOPICS_RELOAD_SECONDS", 60)
# The storage (a key of STORAGES) that holds the versions: private, shared by all hosts.
TOPICS_STORAGE = env_str("TOPICS_STORAGE", "default")
CELERY_BEAT_SCHEDULE["suggestions-retrain-topics"] = {
    "task": "suggestions.topics.tasks.retrain_topic_model", "schedule": crontab(hour=TOPICS_RETRAIN_HOUR, minute=20),
}

# --- Published answers (the publications app) --------------------------------
# Published answers offered while a citizen types the essence on the form.
PUBLICATIONS_HINTS = env_int("PUBLICATIONS_HINTS", 5)
# Requests of the form's hints per client IP address (the script asks as the citizen types).
PUBLICATIONS_RATE_HINTS = env_str("PUBLICATIONS_RATE_HINTS", "60/m")

# --- The citizen's cabinet (the cabinet app) ---------------------------------
# Minutes a sign-in link works; it works once.
CABINET_LINK_MINUTES = env_int("CABINET_LINK_MINUTES", 15)
# A cabinet session ends after this many minutes without a request, and in
# any case this many hours after the sign-in.
CABINET_IDLE_MINUTES = env_int("CABINET_IDLE_MINUTES", 30)
CABINET_SESSION_HOURS = env_int("CABINET_SESSION_HOURS", 4)
# Sign-in letters asked for, per client IP address and per e-mail address.
CABINET_RATE_REQUEST_IP = env_str("CABINET_RATE_REQUEST_IP", "10/h")
CABINET_RATE_REQUEST_EMAIL = env_str("CABINET_RATE_REQUEST_EMAIL", "3/h")
# Link pages opened (GET and POST) per client IP address.
CABINET_RATE_LINK_IP = env_str("CABINET_RATE_LINK_IP", "30/h")
# New access codes a citizen may have issued for one appeal from the cabinet, per day.
CABINET_ACCESS_CODES_PER_DAY = env_int("CABINET_ACCESS_CODES_PER_DAY", 3)

# --- Logging: one line per event on stdout, key=value, easy to grep --------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "line"},
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "celery": {"level": LOG_LEVEL},
    },
}
