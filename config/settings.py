"""Redress settings: one module, every deployment knob from the environment.

Defaults are safe for development (SQLite in the checkout, DEBUG on, mail to the console);
production sets DATABASE_URL, SECRET_KEY, DEBUG=false and ALLOWED_HOSTS. Values are read
through ``config.env`` (``env_str``, ``env_bool``, ``env_int``, ``env_list``), which stops the
start with ``ImproperlyConfigured`` on a value it cannot parse.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import bootstrap_wrapper
import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105 - DEBUG only
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_fsm",
    "simple_history",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "axes",
    "complaints",
    "intake",
    "escalation",
    "reporting",
    "improvement",
    "correspondence",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RefuseUnreadableRequests",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks, so it sees the final response of a login attempt.
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite in the checkout is the embedded default so a newcomer needs nothing installed;
# production and the test suite use PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A demo runs the web server and a worker on one file: wait for the lock, don't fail.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
# One date format per language, set in one place (config/formats/<language>/formats.py).
FORMAT_MODULE_PATH = "config.formats"

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Bootstrap's css/js ship inside the bootstrap-wrapper wheel: no CDN, works on a closed network.
STATICFILES_DIRS = [BASE_DIR / "static", ("bootstrap", bootstrap_wrapper.get_bootstrap_dir())]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Redress <complaints@localhost>")

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
# Production defaults are the safe ones; a deployment behind a TLS-terminating proxy sets
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO so Django knows the request was HTTPS.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_str("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (env_str("SECURE_PROXY_SSL_HEADER"), "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Failed logins (config/lockout.py, README "Security"): an account is locked from one address
# after AXES_FAILURE_LIMIT failures, from every address after REDRESS_LOCKOUT_ACCOUNT_LIMIT,
# and an address for every account after REDRESS_LOCKOUT_ADDRESS_LIMIT; each for
# AXES_COOLOFF_HOURS after the last failure.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
REDRESS_LOCKOUT_ACCOUNT_LIMIT = env_int("REDRESS_LOCKOUT_ACCOUNT_LIMIT", 20)
REDRESS_LOCKOUT_ADDRESS_LIMIT = env_int("REDRESS_LOCKOUT_ADDRESS_LIMIT", 50)
for _name in (
    "AXES_FAILURE_LIMIT",
    "REDRESS_LOCKOUT_ACCOUNT_LIMIT",
    "REDRESS_LOCKOUT_ADDRESS_LIMIT",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1")
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
AXES_HANDLER = "config.lockout.LockoutHandler"
# The client address the public form's rate limits use too (REDRESS_CLIENT_IP_HEADER behind a
# proxy): without it every login would come from the proxy's address.
AXES_CLIENT_IP_CALLABLE = "intake.ratelimit.client_ip"
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1)
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

SIMPLE_HISTORY_REVERT_DISABLED = True  # a revert would bypass the state machine
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Redress API",
    "DESCRIPTION": "Complaint case management: intake, lifecycle, escalation, reports.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# django-q2: the ORM broker needs nothing but the database; set Q_REDIS_URL for a Redis broker.
Q_CLUSTER = {
    "name": "redress",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": 120,
    "retry": 180,
    "catch_up": False,
    "orm": "default",
    "poll": 1,
    "save_limit": 1000,
}
if env_str("Q_REDIS_URL"):
    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = env_str("Q_REDIS_URL")

# --- Redress domain settings (DOMAIN.md: limits are configuration, not constants) ---
# Remedy a tier may grant without approval (goodwill credit, refund, compensation), in the
# organisation's currency; None means no limit. Remedies grow with the tier.
REDRESS_REMEDY_LIMITS = {
    "frontline": Decimal(env_str("REDRESS_REMEDY_LIMIT_FRONTLINE", "200")),
    "manager": Decimal(env_str("REDRESS_REMEDY_LIMIT_MANAGER", "5000")),
    "gm": None,
}
REDRESS_REFERENCE_PREFIX = env_str("REDRESS_REFERENCE_PREFIX", "C")
# How long the navigation's queue counts are kept per user (seconds; 0 counts on every page).
REDRESS_QUEUE_COUNT_SECONDS = env_int("REDRESS_QUEUE_COUNT_SECONDS", 30)
# Evidence files: one upload at most this size; the type is sniffed from the content.
REDRESS_UPLOAD_MAX_BYTES = env_int("REDRESS_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Bulk actions on the complaint list: at most this many complaints per action (each is its own
# transaction; a larger selection is refused with a 400).
REDRESS_BULK_MAX = env_int("REDRESS_BULK_MAX", 200)
# The list's CSV/XLSX export stops after this many rows and says so in its last line.
REDRESS_EXPORT_MAX_ROWS = env_int("REDRESS_EXPORT_MAX_ROWS", 100_000)

LOG_LEVEL = env_str("LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {
            "level": "INFO",
            "class": "logging.StreamHandler",
            "formatter": "django.server",
        },
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own default gives the "django" logger a console handler (when DEBUG) and
        # lets records propagate to the root's console handler as well: every 403 and 500
        # traceback was printed twice. Here the root prints each record once; "django" keeps
        # only Django's default mail to ADMINS.
        "django": {"handlers": ["mail_admins"], "level": LOG_LEVEL, "propagate": True},
        # Configuring "django" resets its children, so runserver's request lines are declared
        # again as Django's default declares them: their own handler, no propagation.
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

# --- intake settings (issue 4) ---
# Notifications to complainants run as django-q2 tasks after commit. True runs them in-process
# at once (tests, a demo without a worker); production leaves it false and runs `qcluster`.
REDRESS_TASKS_SYNC = env_bool("REDRESS_TASKS_SYNC", False)
# Where complainants reach the public pages; used in the links of acknowledgement emails.
REDRESS_PUBLIC_BASE_URL = env_str("REDRESS_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Duplicate and repeat detection (DOMAIN.md 重复投诉): an open complaint of the same complainant
# (and category) received within the first window is offered as a duplicate; any earlier
# complaint within the second window is offered as the case this one repeats.
REDRESS_DUPLICATE_WINDOW_DAYS = env_int("REDRESS_DUPLICATE_WINDOW_DAYS", 30)
REDRESS_REPEAT_WINDOW_DAYS = env_int("REDRESS_REPEAT_WINDOW_DAYS", 365)
# How long after closure the complainant may appeal from the tracking page.
REDRESS_APPEAL_WINDOW_DAYS = env_int("REDRESS_APPEAL_WINDOW_DAYS", 30)
# The named person may contest a responsibility finding (责任认定申诉) this many calendar days
# after it was recorded.
REDRESS_CONTEST_DAYS = env_int("REDRESS_CONTEST_DAYS", 15)
# How long after a refusal (不予受理) the complainant may ask for it to be reviewed (复查), in
# days from the refusal notice; staff register such appeals within the same window.
REDRESS_REFUSAL_APPEAL_DAYS = env_int("REDRESS_REFUSAL_APPEAL_DAYS", 15)
# Public form abuse protection. Attempts are counted per client IP in the cache named here
# (Django's cache framework): point it at a cache all app processes share (Redis, database
# cache) when running more than one process, or each process counts on its own.
REDRESS_RATE_LIMIT_CACHE = env_str("REDRESS_RATE_LIMIT_CACHE", "default")
REDRESS_PUBLIC_SUBMIT_LIMIT = env_int("REDRESS_PUBLIC_SUBMIT_LIMIT", 10)  # posts per window
REDRESS_PUBLIC_TRACK_LIMIT = env_int("REDRESS_PUBLIC_TRACK_LIMIT", 20)  # failed look-ups
REDRESS_PUBLIC_RATE_WINDOW_SECONDS = env_int("REDRESS_PUBLIC_RATE_WINDOW_SECONDS", 3600)
# Behind a reverse proxy, the request header holding the client address (e.g. HTTP_X_REAL_IP);
# empty means REMOTE_ADDR. Only set it when the proxy overwrites that header.
REDRESS_CLIENT_IP_HEADER = env_str("REDRESS_CLIENT_IP_HEADER", "")
REDRESS_PUBLIC_MAX_REQUEST_BYTES = env_int("REDRESS_PUBLIC_MAX_REQUEST_BYTES", 30 * 1024 * 1024)
REDRESS_PUBLIC_MAX_FILES = env_int("REDRESS_PUBLIC_MAX_FILES", 5)
REDRESS_PUBLIC_MAX_DESCRIPTION = env_int("REDRESS_PUBLIC_MAX_DESCRIPTION", 5000)
# Email intake (`manage.py fetch_complaint_mail`): "maildir", "imap" or "" (off).
REDRESS_MAIL_SOURCE = env_str("REDRESS_MAIL_SOURCE", "")
REDRESS_MAIL_MAILDIR = env_str("REDRESS_MAIL_MAILDIR", "")
REDRESS_MAIL_IMAP_HOST = env_str("REDRESS_MAIL_IMAP_HOST", "")
REDRESS_MAIL_IMAP_PORT = env_int("REDRESS_MAIL_IMAP_PORT", 993)
REDRESS_MAIL_IMAP_SSL = env_bool("REDRESS_MAIL_IMAP_SSL", True)
REDRESS_MAIL_IMAP_USER = env_str("REDRESS_MAIL_IMAP_USER", "")
REDRESS_MAIL_IMAP_PASSWORD = env_str("REDRESS_MAIL_IMAP_PASSWORD", "")
REDRESS_MAIL_IMAP_FOLDER = env_str("REDRESS_MAIL_IMAP_FOLDER", "INBOX")
REDRESS_MAIL_BATCH = env_int("REDRESS_MAIL_BATCH", 200)  # messages per run
REDRESS_MAIL_MAX_BYTES = env_int("REDRESS_MAIL_MAX_BYTES", 30 * 1024 * 1024)
# The intake mailbox's address: acknowledgements set Reply-To so answers are threaded back.
REDRESS_MAIL_REPLY_TO = env_str("REDRESS_MAIL_REPLY_TO", "")
if REDRESS_MAIL_SOURCE not in ("", "maildir", "imap"):
    raise ImproperlyConfigured("REDRESS_MAIL_SOURCE must be maildir, imap or empty")
# --- correspondence: talking to the complainant ---
# The organisation's name on letters and in templates ({{ organisation }}).
REDRESS_ORGANISATION_NAME = env_str("REDRESS_ORGANISATION_NAME", "Redress")
# How complainants reach the organisation (a hotline, an address): on letters and public pages.
REDRESS_ORGANISATION_CONTACT = env_str("REDRESS_ORGANISATION_CONTACT", "")
# The SMS gateway: correspondence.sms.console.SmsBackend (prints), .locmem.SmsBackend (tests),
# or a real provider's backend (see the README).
REDRESS_SMS_BACKEND = env_str("REDRESS_SMS_BACKEND", "correspondence.sms.console.SmsBackend")
# The sender signature of text messages (【...】 in Chinese); required by mainland gateways.
REDRESS_SMS_SIGNATURE = env_str("REDRESS_SMS_SIGNATURE", "")
# No text message between these local hours unless urgent (start, end): 21:00 to 08:00.
REDRESS_SMS_QUIET_HOURS = (
    env_int("REDRESS_SMS_QUIET_START", 21),
    env_int("REDRESS_SMS_QUIET_END", 8),
)
if not all(0 <= hour <= 23 for hour in REDRESS_SMS_QUIET_HOURS):
    raise ImproperlyConfigured("REDRESS_SMS_QUIET_START and _END are hours from 0 to 23")
# A text longer than this many billed segments is refused (the reply form, the outbox).
REDRESS_SMS_MAX_SEGMENTS = env_int("REDRESS_SMS_MAX_SEGMENTS", 3)
# Seconds a request to an SMS gateway may take before it counts as a (transient) failure.
REDRESS_SMS_TIMEOUT = env_int("REDRESS_SMS_TIMEOUT", 10)
# Aliyun SMS (阿里云短信), REDRESS_SMS_BACKEND=correspondence.sms.aliyun.SmsBackend. Mainland
# gateways send only registered templates: register one whose variable carries the whole text
# (e.g. "${content}") and name it here.
REDRESS_SMS_ALIYUN_ACCESS_KEY_ID = env_str("REDRESS_SMS_ALIYUN_ACCESS_KEY_ID", "")
REDRESS_SMS_ALIYUN_ACCESS_KEY_SECRET = env_str("REDRESS_SMS_ALIYUN_ACCESS_KEY_SECRET", "")
REDRESS_SMS_ALIYUN_TEMPLATE_CODE = env_str("REDRESS_SMS_ALIYUN_TEMPLATE_CODE", "")
REDRESS_SMS_ALIYUN_TEMPLATE_PARAM = env_str("REDRESS_SMS_ALIYUN_TEMPLATE_PARAM", "content")
REDRESS_SMS_ALIYUN_REGION = env_str("REDRESS_SMS_ALIYUN_REGION", "cn-hangzhou")
REDRESS_SMS_ALIYUN_ENDPOINT = env_str(
    "REDRESS_SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/"
)
# Twilio, REDRESS_SMS_BACKEND=correspondence.sms.twilio.SmsBackend. FROM is a Twilio number, or
# leave it empty and give a Messaging Service SID.
REDRESS_SMS_TWILIO_ACCOUNT_SID = env_str("REDRESS_SMS_TWILIO_ACCOUNT_SID", "")
REDRESS_SMS_TWILIO_AUTH_TOKEN = env_str("REDRESS_SMS_TWILIO_AUTH_TOKEN", "")
REDRESS_SMS_TWILIO_FROM = env_str("REDRESS_SMS_TWILIO_FROM", "")
REDRESS_SMS_TWILIO_MESSAGING_SERVICE_SID = env_str("REDRESS_SMS_TWILIO_MESSAGING_SERVICE_SID", "")
REDRESS_SMS_TWILIO_ENDPOINT = env_str("REDRESS_SMS_TWILIO_ENDPOINT", "https://api.twilio.com")
# Tencent Cloud SMS (腾讯云短信), REDRESS_SMS_BACKEND=correspondence.sms.tencent.SmsBackend: an
# approved template whose one variable {1} carries the whole text, and REDRESS_SMS_SIGNATURE.
REDRESS_SMS_TENCENT_SECRET_ID = env_str("REDRESS_SMS_TENCENT_SECRET_ID", "")
REDRESS_SMS_TENCENT_SECRET_KEY = env_str("REDRESS_SMS_TENCENT_SECRET_KEY", "")
REDRESS_SMS_TENCENT_APP_ID = env_str("REDRESS_SMS_TENCENT_APP_ID", "")  # SmsSdkAppId
REDRESS_SMS_TENCENT_TEMPLATE_ID = env_str("REDRESS_SMS_TENCENT_TEMPLATE_ID", "")
REDRESS_SMS_TENCENT_REGION = env_str("REDRESS_SMS_TENCENT_REGION", "ap-guangzhou")
REDRESS_SMS_TENCENT_ENDPOINT = env_str(
    "REDRESS_SMS_TENCENT_ENDPOINT", "https://sms.tencentcloudapi.com/"
)
# Delivery reports pushed by the gateway: Aliyun's and Tencent's pushes carry this secret in
# their URL (/sms/aliyun/<token>/report/); empty switches those push endpoints off.
REDRESS_SMS_CALLBACK_TOKEN = env_str("REDRESS_SMS_CALLBACK_TOKEN", "")
# Pushes from one address per rate window (REDRESS_PUBLIC_RATE_WINDOW_SECONDS).
REDRESS_SMS_CALLBACK_LIMIT = env_int("REDRESS_SMS_CALLBACK_LIMIT", 600)
# How long a satisfaction survey link stays good; after that the follow-up call is the
# handler's.
REDRESS_SURVEY_DAYS = env_int("REDRESS_SURVEY_DAYS", 7)
# Send the survey by email or SMS when a complaint is resolved (off: handlers phone).
REDRESS_SURVEY_AUTO = env_bool("REDRESS_SURVEY_AUTO", True)

# Open311 GeoReport v2 under /open311/v2/: POST needs one of these keys (comma-separated).
REDRESS_OPEN311_API_KEYS = env_list("REDRESS_OPEN311_API_KEYS", [])
# Set when clients send a jurisdiction_id; a different one is answered 404. Empty: ignored.
REDRESS_OPEN311_JURISDICTION_ID = env_str("REDRESS_OPEN311_JURISDICTION_ID", "")
# GET requests is public in the spec. Complaints are personal, so the complainant's account is
# left out of it unless this is switched on.
REDRESS_OPEN311_PUBLIC_DESCRIPTIONS = env_bool("REDRESS_OPEN311_PUBLIC_DESCRIPTIONS", False)

# --- escalation settings (issue 5) ---
# Notification tasks run in-process instead of through the queue (tests; a demo without a
# worker). django-q2 reads its own settings once at import, so this is passed per call.
ESCALATION_TASKS_SYNC = env_bool("ESCALATION_TASKS_SYNC", False)
# The sweep warns a handler this many minutes before a deadline is missed.
ESCALATION_WARN_MINUTES = env_int("ESCALATION_WARN_MINUTES", 30)
# At most this many complaints per sweep run (the rest the next minute).
ESCALATION_SWEEP_BATCH = env_int("ESCALATION_SWEEP_BATCH", 5000)
# Missed deadlines are escalated this many complaints per transaction (services.escalate_many).
ESCALATION_SWEEP_CHUNK = env_int("ESCALATION_SWEEP_CHUNK", 200)
# A clock pause planned longer than this needs a department manager's approval.
ESCALATION_PAUSE_APPROVAL_AFTER_HOURS = env_int("ESCALATION_PAUSE_APPROVAL_AFTER_HOURS", 72)
# The "due soon" page lists deadlines within this many hours.
ESCALATION_DUE_SOON_HOURS = env_int("ESCALATION_DUE_SOON_HOURS", 24)
# Extensions allowed when no SLA policy matches a complaint.
ESCALATION_DEFAULT_MAX_EXTENSIONS = env_int("ESCALATION_DEFAULT_MAX_EXTENSIONS", 2)
# Policies and calendars are cached this long in each process (edits apply within it).
ESCALATION_RULES_CACHE_SECONDS = env_int("ESCALATION_RULES_CACHE_SECONDS", 60)
# Links in notification emails start with this address.
ESCALATION_SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# --- corrective actions (issue 16, improvement app) ---
# An overdue action goes to the department manager the day after its due date, and to the
# general manager this many days after its due date if it is still not done.
REDRESS_ACTION_GM_AFTER_DAYS = env_int("REDRESS_ACTION_GM_AFTER_DAYS", 7)
# At most this many overdue actions are escalated per sweep run (the rest the next run).
REDRESS_ACTION_SWEEP_BATCH = env_int("REDRESS_ACTION_SWEEP_BATCH", 500)

# --- reporting settings (issue 6) ---
# Business hours for the report's "working hours" figures (local time, on working days of the
# calendar in reporting.workdays: the escalation calendar when present, else CN public holidays
# and moved working days from the `holidays` package).
REDRESS_REPORT_WORKDAY_OPENS = env_str("REDRESS_REPORT_WORKDAY_OPENS", "09:00")
REDRESS_REPORT_WORKDAY_CLOSES = env_str("REDRESS_REPORT_WORKDAY_CLOSES", "18:00")
# The working-day table starts here (it must cover the oldest complaint's received date).
REDRESS_REPORT_CALENDAR_FIRST_YEAR = env_int("REDRESS_REPORT_CALENDAR_FIRST_YEAR", 2015)
# Finished months are cached until a past complaint changes; the running month for this long.
REDRESS_REPORT_LIVE_CACHE_SECONDS = env_int("REDRESS_REPORT_LIVE_CACHE_SECONDS", 60)
# "Recurring causes" (/reports/recurring-causes/): a finer root cause recurs with at least this
# many complaints resolved in the chosen window and no open corrective action (issue 16).
REDRESS_RECURRING_CAUSE_MIN = env_int("REDRESS_RECURRING_CAUSE_MIN", 3)
if REDRESS_RECURRING_CAUSE_MIN < 1:
    raise ImproperlyConfigured("REDRESS_RECURRING_CAUSE_MIN must be at least 1")
# The auditor's chain page verifies every chain on the spot below this many sealed records;
# above it, it shows the last nightly `verify_audit_chain` run and checks one complaint on request.
REDRESS_AUDIT_LIVE_VERIFY_LIMIT = env_int("REDRESS_AUDIT_LIVE_VERIFY_LIMIT", 20000)
_workday_minutes = []
for _name in ("REDRESS_REPORT_WORKDAY_OPENS", "REDRESS_REPORT_WORKDAY_CLOSES"):
    _hh, _sep, _mm = globals()[_name].partition(":")
    if not (_sep and _hh.isdigit() and _mm.isdigit() and int(_hh) < 24 and int(_mm) < 60):
        raise ImproperlyConfigured(f"{_name} must be a time like 09:00")
    _workday_minutes.append(int(_hh) * 60 + int(_mm))
if _workday_minutes[0] >= _workday_minutes[1]:
    raise ImproperlyConfigured("REDRESS_REPORT_WORKDAY_OPENS must be before _CLOSES")

# --- deployment settings (issue 8) ---
# Beyond one machine (README "Deployment beyond one machine"). Each knob is off by default.
#
# Read replica: DATABASE_REPLICA_URL names a streaming standby of DATABASE_URL. Only reads made
# inside complaints.db.replica_reads() (reports, exports) go there; writes, and reads that must
# see them, stay on the primary (config.routers.PrimaryReplicaRouter).
DATABASE_ROUTERS = ["config.routers.PrimaryReplicaRouter"]
if env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        env_str("DATABASE_REPLICA_URL"), conn_max_age=env_int("DB_CONN_MAX_AGE", 60)
    )
    if DATABASES["replica"]["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must use the same engine as DATABASE_URL")
    # Under the test runner the alias reads the test database instead of making a second one.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# replica_reads(caught_up=True) (results that are kept, e.g. a finished month's cached report)
# waits this long for the replica to catch up with the primary, then reads the primary instead.
DATABASE_REPLICA_WAIT_MS = env_int("DATABASE_REPLICA_WAIT_MS", 2000)
# A pooled connection (DB_CONN_MAX_AGE) is dead after a database restart or failover: check it
# before a request or task reuses it, instead of answering that request with a 500
# (tests/deploy/test_faults.py).
for _database in DATABASES.values():
    _database["CONN_HEALTH_CHECKS"] = env_bool("DB_CONN_HEALTH_CHECKS", True)

# Media (evidence files): "filesystem" (MEDIA_ROOT) or "s3" (any S3-compatible store through
# django-storages). Files stay private: no public ACL, downloads go through the app's checks.
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "filesystem")
if MEDIA_STORAGE == "s3":
    if not env_str("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    _s3_options = {
        "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
        "location": env_str("AWS_LOCATION", ""),  # a key prefix inside the bucket
        "default_acl": None,
        "querystring_auth": True,
        # Two uploads named alike never replace each other's evidence.
        "file_overwrite": False,
    }
    for _option, _variable in [
        ("endpoint_url", "AWS_S3_ENDPOINT_URL"),  # MinIO, Ceph, OSS, COS...: their address
        ("region_name", "AWS_S3_REGION_NAME"),
        ("addressing_style", "AWS_S3_ADDRESSING_STYLE"),  # "path" for most non-AWS stores
        ("signature_version", "AWS_S3_SIGNATURE_VERSION"),
        # Unset: boto3's own chain (environment, instance role) finds the credentials.
        ("access_key", "AWS_ACCESS_KEY_ID"),
        ("secret_key", "AWS_SECRET_ACCESS_KEY"),  # or AWS_SECRET_ACCESS_KEY_FILE
    ]:
        if env_str(_variable):
            _s3_options[_option] = env_str(_variable)
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options}
elif MEDIA_STORAGE != "filesystem":
    raise ImproperlyConfigured("MEDIA_STORAGE must be filesystem or s3")

# A cache every app process shares (rate limits of the public form, cached report pages).
# Without it each gunicorn worker keeps its own in-memory cache.
if env_str("CACHE_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("CACHE_REDIS_URL"),
            "KEY_PREFIX": "redress",
        }
    }

# --- api settings (issue 7) ---
# Token first, so an unauthenticated request gets 401 with `WWW-Authenticate: Token` (DRF takes
# the challenge from the first class; session auth has none and would make it 403).
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "rest_framework.authentication.TokenAuthentication",
    "rest_framework.authentication.SessionAuthentication",
]
# JSON nested deeper than complaints.api.parsers.MAX_DEPTH is a 400, not a RecursionError (500).
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "complaints.api.parsers.BoundedJSONParser",
    "rest_framework.parsers.FormParser",
    "rest_framework.parsers.MultiPartParser",
]
# One error body for every refusal: {"error": {"code", "message", "fields"}}.
REST_FRAMEWORK["EXCEPTION_HANDLER"] = "complaints.api.errors.handler"
SPECTACULAR_SETTINGS.update(
    {
        # Separate request and response components (read-only and write-only fields differ),
        # so generated clients and schemathesis validate each direction exactly.
        "COMPONENT_SPLIT_REQUEST": True,
        # The schema and the docs are for staff and integrators who have logged in.
        "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
        "ENUM_NAME_OVERRIDES": {
            "RejectReasonEnum": "complaints.models.RejectReason",
            "WithdrawReasonEnum": "complaints.models.WithdrawReason",
            "FollowUpOutcomeEnum": "complaints.models.FollowUpOutcome",
            "StateEnum": "complaints.models.State",
            "ChannelEnum": "complaints.models.Channel",
            # A message's channel (email/sms/letter), beside the complaint's intake channel.
            "MessageChannelEnum": "correspondence.models.Channel",
            "PriorityEnum": "complaints.models.Priority",
            # A contest's decision, beside the follow-up's outcome.
            "ContestOutcomeEnum": "complaints.models.ResponsibilityContest.Outcome",
        },
        "TAGS": [
            {"name": "auth", "description": "API tokens."},
            {"name": "complaints", "description": "Complaints, their history and records."},
            {"name": "lifecycle", "description": "One POST per lifecycle action."},
            {"name": "reference data", "description": "Departments and categories."},
            {"name": "improvement", "description": "Corrective and preventive actions."},
            {"name": "accountability", "description": "Contests of responsibility findings."},
        ],
    }
)
