"""Settings for govshare, read from the environment with safe embedded defaults.

Every setting a deployment changes is a GOVSHARE_* environment variable; docs/configuration.md
lists them. The defaults run the platform on SQLite under ./var with no server to install.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("GOVSHARE_DATA_DIR", Path.cwd() / "var")).resolve()

DEBUG = os.environ.get("GOVSHARE_DEBUG", "0") == "1"
DEMO_SECRET_KEY = "insecure-demo-key-change-me-in-production"  # noqa: S105 (refused below)
SECRET_KEY = os.environ.get("GOVSHARE_SECRET_KEY", DEMO_SECRET_KEY)
# Production mode (docs/security.md): refuses the demo key and debugging, and serves over TLS
# unless GOVSHARE_TLS=0 says a trusted front end does not exist (a test bench, never a service).
PRODUCTION = os.environ.get("GOVSHARE_PRODUCTION", "0") == "1"
TLS = os.environ.get("GOVSHARE_TLS", "1" if PRODUCTION else "0") == "1"
if PRODUCTION and (SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("GOVSHARE_PRODUCTION=1 needs GOVSHARE_SECRET_KEY of 50+ characters")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("GOVSHARE_PRODUCTION=1 cannot run with GOVSHARE_DEBUG=1")
ALLOWED_HOSTS = os.environ.get("GOVSHARE_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")

INSTALLED_APPS = [
    "govshare.core",
    "govshare.orgs",
    "govshare.audit",
    "govshare.catalog",
    "govshare.search",
    "govshare.monitor",
    "govshare.notifications",
    "govshare.sharing",
    "govshare.exchange",
    "govshare.opendata",
    "govshare.supervision",
    "govshare.federation",
    "govshare.services",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "govshare.monitor.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "govshare.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "govshare.core.middleware.ServiceErrorMiddleware",
    "axes.middleware.AxesMiddleware",
    "govshare.orgs.ratelimit.RateLimitMiddleware",
]

ROOT_URLCONF = "govshare.urls"
WSGI_APPLICATION = "govshare.wsgi.application"
AUTH_USER_MODEL = "orgs.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "govshare.core.context_processors.navigation",
                "govshare.notifications.context_processors.inbox",
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("GOVSHARE_DATABASE_URL", f"sqlite:///{DATA_DIR / 'govshare.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on busy_timeout instead of failing with "database is locked" mid-transaction.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AXES_FAILURE_LIMIT = int(os.environ.get("GOVSHARE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
# By account, not by address: a whole office shares one NAT address, and locking it out would
# let one mistyped password stop a department's work.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"

LANGUAGE_CODE = "zh-hans"
# Each language is named in itself, so its name is never translated.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
# Static files are served by the platform itself (no CDN on a closed government network).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_BACKEND = os.environ.get(
    "GOVSHARE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("GOVSHARE_FROM_EMAIL", "govshare@localhost")

TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "GOVSHARE_TASK_BACKEND", "django_tasks_db.DatabaseBackend"
        ),
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("GOVSHARE_CSRF_TRUSTED_ORIGINS", "").split(",")
                        if o]
if TLS:
    SECURE_SSL_REDIRECT = os.environ.get("GOVSHARE_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("GOVSHARE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("GOVSHARE_HSTS_SUBDOMAINS", "1") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("GOVSHARE_HSTS_PRELOAD", "0") == "1"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Only behind a proxy that sets the header itself and strips it from clients: otherwise
    # anyone could claim a plain-text request came over TLS.
    if os.environ.get("GOVSHARE_BEHIND_PROXY", "0") == "1":
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not SECURE_HSTS_PRELOAD:
        # Government intranet host names are not on the browsers' preload list; the preload
        # flag is for public domains submitted to it.
        SILENCED_SYSTEM_CHECKS.append("security.W021")

# Pages load scripts, styles, fonts and images from the platform only: no inline script, no
# eval, no framing. Style *attributes* stay allowed because the chart library and htmx set them
# at run time; they cannot run code, and url() in them is still bound by img-src.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GOVSHARE_LOG_LEVEL", "INFO")},
    # axes logs every login at INFO; lock-outs still show at WARNING.
    "loggers": {"axes": {"level": "WARNING"}},
}

# The region at the root of the subtree this installation serves (GB/T 2260 code): the province
# for the province's platform, a city for a city's own (R4, R8). See docs/federation.md.
GOVSHARE_ROOT_REGION = os.environ.get("GOVSHARE_ROOT_REGION", "130000")
# Federation with the platforms above and below this one: the name it gives itself, its
# Ed25519 key (outside the database, mode 0600, created on first use), and how long it waits
# for a peer's answer, in seconds, before reporting it as not answering (504).
GOVSHARE_PLATFORM_NAME = os.environ.get("GOVSHARE_PLATFORM_NAME", "政务信息资源共享平台")
GOVSHARE_FEDERATION_KEY_FILE = Path(
    os.environ.get("GOVSHARE_FEDERATION_KEY_FILE", DATA_DIR / "keys" / "federation-key.pem")
)
GOVSHARE_FEDERATION_TIMEOUT = float(os.environ.get("GOVSHARE_FEDERATION_TIMEOUT", "10"))
GOVSHARE_FEDERATION_HARVEST_MINUTES = int(
    os.environ.get("GOVSHARE_FEDERATION_HARVEST_MINUTES", "15"))

# How long a freshly issued application credential stays valid, in days (0: no expiry).
GOVSHARE_CREDENTIAL_DAYS = int(os.environ.get("GOVSHARE_CREDENTIAL_DAYS", "365"))

# The cryptographic profile (govshare.core.crypto.PROFILES): "international" (SHA-256, Ed25519,
# AES-GCM, HMAC-SHA256) or "national" (SM3, SM2, SM4-GCM, HMAC-SM3). See docs/security.md.
GOVSHARE_CRYPTO_PROFILE = os.environ.get("GOVSHARE_CRYPTO_PROFILE", "international")
# The key that seals secrets the platform must read back (webhook secrets) and keys the hashes
# of API credentials: a file outside the database, created with mode 0600 on first use. Retired
# key files stay listed so that what they sealed or hashed still opens (comma-separated paths).
GOVSHARE_SECRETS_KEY_FILE = Path(
    os.environ.get("GOVSHARE_SECRETS_KEY_FILE", DATA_DIR / "keys" / "secrets.key")
)
GOVSHARE_SECRETS_RETIRED_KEY_FILES = [
    p for p in os.environ.get("GOVSHARE_SECRETS_RETIRED_KEY_FILES", "").split(",") if p
]
# The audit checkpoint signing key lives outside the database (created with mode 0600).
GOVSHARE_AUDIT_KEY_FILE = Path(
    os.environ.get("GOVSHARE_AUDIT_KEY_FILE", DATA_DIR / "keys" / "audit-signing-key.pem")
)
# Public key files trusted for checkpoints besides the current key: retired keys, or the
# platform's key when verifying a copy of the database elsewhere.
GOVSHARE_AUDIT_TRUSTED_KEYS = [
    p for p in os.environ.get("GOVSHARE_AUDIT_TRUSTED_KEYS", "").split(",") if p
]
# The longest a process keeps a verified credential or a grant's view without reading it again
# (govshare/core/localcache.py; changes made through the platform take effect at once).
GOVSHARE_ACCESS_CACHE_SECONDS = float(os.environ.get("GOVSHARE_ACCESS_CACHE_SECONDS", "10"))
# Data accesses are chained this long after they are recorded (govshare/audit/sealer.py), and
# verify reports any still pending after the second figure.
GOVSHARE_AUDIT_SEAL_SECONDS = float(os.environ.get("GOVSHARE_AUDIT_SEAL_SECONDS", "1"))
GOVSHARE_AUDIT_PENDING_MAX_SECONDS = int(
    os.environ.get("GOVSHARE_AUDIT_PENDING_MAX_SECONDS", "300"))
GOVSHARE_AUDIT_CHECKPOINT_MINUTES = int(os.environ.get("GOVSHARE_AUDIT_CHECKPOINT_MINUTES", "60"))
# Search: how often the hot terms' postings are rebuilt (folding in the changes since), and how
# much memory each process may keep them in (govshare/search/postings.py).
GOVSHARE_SEARCH_REFRESH_HOURS = int(os.environ.get("GOVSHARE_SEARCH_REFRESH_HOURS", "24"))
GOVSHARE_SUPERVISION_INSPECT_HOURS = int(
    os.environ.get("GOVSHARE_SUPERVISION_INSPECT_HOURS", "24"))
# How many documents must hold a word for the refresh to give it postings.
GOVSHARE_SEARCH_HOT_MIN_DOCUMENTS = int(os.environ.get("GOVSHARE_SEARCH_HOT_MIN_DOCUMENTS",
                                                       "2000"))
GOVSHARE_SEARCH_POSTINGS_CACHE_MB = int(os.environ.get("GOVSHARE_SEARCH_POSTINGS_CACHE_MB",
                                                       "256"))
# Time limits of the sharing workflow's waiting steps: "<n>d" calendar days, "<n>wd" working days
# (China's official calendar plus the operator's overrides). See docs/sharing.md.
GOVSHARE_SHARING_DEADLINES = {
    step: os.environ.get(f"GOVSHARE_DEADLINE_{step.upper()}", default)
    for step, default in {
        "consultation": "10d",        # the provider answers a request (R13)
        "explanation": "15d",         # the provider's written explanation to the authority (R13)
        "decision": "30d",            # the authority coordinates and decides (R13)
        "joint_consultation": "30d",  # with the establishment and secrecy departments (R13)
        "secrecy_review": "30d",      # the secrecy department determines a secrecy dispute (R12)
        "activation": "5wd",          # the operator implements an agreed grant (R14)
        "appeal": "30d",              # the consumer may apply to the authority after a refusal
        "objection": "10wd",          # the provider answers an objection (R16)
    }.items()
}
# "1": an agreed grant is activated at once by the platform instead of by the operator (R14).
GOVSHARE_SHARING_AUTO_ACTIVATE = os.environ.get("GOVSHARE_SHARING_AUTO_ACTIVATE", "0") == "1"
# Largest attachment accepted on a timeline entry, in bytes.
GOVSHARE_ATTACHMENT_MAX_BYTES = int(os.environ.get("GOVSHARE_ATTACHMENT_MAX_BYTES", str(20 << 20)))

# Notifications: links in e-mails point here; e-mail can be switched off ("0").
GOVSHARE_BASE_URL = os.environ.get("GOVSHARE_BASE_URL", "http://127.0.0.1:8000")
GOVSHARE_NOTIFICATION_EMAIL = os.environ.get("GOVSHARE_NOTIFICATION_EMAIL", "1") == "1"
# Webhooks: seconds to wait for an answer, and the delays (seconds) before each retry.
GOVSHARE_WEBHOOK_TIMEOUT = float(os.environ.get("GOVSHARE_WEBHOOK_TIMEOUT", "5"))
GOVSHARE_WEBHOOK_RETRY_DELAYS = [
    int(s) for s in os.environ.get("GOVSHARE_WEBHOOK_RETRY_DELAYS", "60,300,1800,7200").split(",")
]

# The largest batch body a node may push, in bytes (the node sends 50,000 rows by default).
GOVSHARE_BATCH_MAX_BYTES = int(os.environ.get("GOVSHARE_BATCH_MAX_BYTES", str(256 * 2**20)))

# Open data (R19): the k of the k-anonymity check; the secret of keyed hashes, in a file outside
# the database (created with mode 0600 on first use); the rate limits of the public interfaces,
# counted in a database cache table every process shares.
GOVSHARE_OPENDATA_K = int(os.environ.get("GOVSHARE_OPENDATA_K", "5"))
GOVSHARE_OPENDATA_HASH_KEY_FILE = Path(
    os.environ.get("GOVSHARE_OPENDATA_HASH_KEY_FILE", DATA_DIR / "keys" / "opendata-hash.key")
)
GOVSHARE_OPENDATA_ANONYMOUS_RATE = os.environ.get("GOVSHARE_OPENDATA_ANONYMOUS_RATE", "60/m")
GOVSHARE_OPENDATA_REGISTRANT_RATE = os.environ.get("GOVSHARE_OPENDATA_REGISTRANT_RATE", "600/m")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                  "LOCATION": "govshare_ratelimit_cache"},
}
RATELIMIT_USE_CACHE = "ratelimit"
# Service resources (docs/services.md): the key the platform signs proxied calls with (its
# public half is published at /api/v1/service-endpoints/platform-key), and the key that keeps
# the credentials it presents to providers encrypted in the database. Both created on first use.
GOVSHARE_SERVICES_SIGNING_KEY_FILE = Path(os.environ.get(
    "GOVSHARE_SERVICES_SIGNING_KEY_FILE", DATA_DIR / "keys" / "services-signing-key.pem"))
GOVSHARE_SERVICES_CREDENTIAL_KEY_FILE = Path(os.environ.get(
    "GOVSHARE_SERVICES_CREDENTIAL_KEY_FILE", DATA_DIR / "keys" / "services-credentials.key"))
# Seconds a process keeps a service's address and operations (grant views follow
# GOVSHARE_ACCESS_CACHE_SECONDS and are dropped on any change), and at most
# how long the health view's samples wait before being written in bulk.
GOVSHARE_SERVICES_CACHE_SECONDS = float(os.environ.get("GOVSHARE_SERVICES_CACHE_SECONDS", "5"))
GOVSHARE_SERVICES_HEALTH_FLUSH_SECONDS = float(
    os.environ.get("GOVSHARE_SERVICES_HEALTH_FLUSH_SECONDS", "1"))
# The platform-wide limits per client address (govshare/orgs/ratelimit.py): login form posts,
# API calls refused for a bad credential, and requests with neither session nor credential.
GOVSHARE_LOGIN_RATE = os.environ.get("GOVSHARE_LOGIN_RATE", "20/m")
GOVSHARE_AUTH_FAILURE_RATE = os.environ.get("GOVSHARE_AUTH_FAILURE_RATE", "30/m")
GOVSHARE_ANONYMOUS_RATE = os.environ.get("GOVSHARE_ANONYMOUS_RATE", "300/m")
# Supervision (docs/supervision.md). The period inspections, rankings and reports cover by
# default: "month", "quarter" or "year".
GOVSHARE_SUPERVISION_PERIOD = os.environ.get("GOVSHARE_SUPERVISION_PERIOD", "quarter")
# Days a published shared resource may go without data, and a reform's catalog changes without
# re-submission, before an inspection reports it.
GOVSHARE_SUPERVISION_GRACE_DAYS = int(os.environ.get("GOVSHARE_SUPERVISION_GRACE_DAYS", "30"))
# What a refusal's statutory ground must contain: a law named in 《》 or an article number.
GOVSHARE_SUPERVISION_STATUTORY_PATTERN = os.environ.get(
    "GOVSHARE_SUPERVISION_STATUTORY_PATTERN", r"《[^》]+》|第[一二三四五六七八九十百千零〇\d]+条")
# The ranking's weights (R20), shown beside it: GOVSHARE_RANKING_WEIGHT_<PART>.
GOVSHARE_SUPERVISION_RANKING_WEIGHTS = {
    part: float(os.environ.get(f"GOVSHARE_RANKING_WEIGHT_{part.upper()}", default))
    for part, default in {
        "catalog_completeness": "20", "freshness": "20", "answer_time": "20",
        "grants_served": "15", "objections_resolved": "10", "findings_open": "15",
    }.items()
}
# Open findings at which the ranking's findings part reaches zero.
GOVSHARE_SUPERVISION_FINDINGS_CAP = int(os.environ.get("GOVSHARE_SUPERVISION_FINDINGS_CAP", "5"))

# Monitoring (docs/monitoring.md). The anomaly detector's rules and their thresholds; each can
# be set with GOVSHARE_ALERT_<NAME> (e.g. GOVSHARE_ALERT_KEYS_MIN=500).
GOVSHARE_ALERTS = {
    name: type(default)(os.environ.get(f"GOVSHARE_ALERT_{name.upper()}", default))
    for name, default in {
        "interval_minutes": 10,       # how often the detector reads the new access records
        "baseline_days": 14,          # the history an application's baseline is learnt from
        "baseline_min_days": 3,       # days of history before a volume spike can be judged
        "spike_factor": 5.0,          # calls in an hour above this × the usual hourly calls
        "spike_min_calls": 200,       # … and at least this many
        "keys_factor": 5.0,           # distinct keys of one resource in a day above this × usual
        "keys_min": 300,              # … and at least this many
        "network_prefix_v4": 24,      # an address's network: its /24 (IPv4) …
        "network_prefix_v6": 48,      # … or its /48 (IPv6)
        "working_hours": "08:00-18:00",  # Monday to Friday; everything else is off hours
        "off_hours_min_calls": 100,   # calls off hours in a day, at least …
        "off_hours_share": 0.5,       # … making at least this share of the day's calls
        "window_retention_days": 45,  # hourly access windows kept for baselines and evidence
    }.items()
}
# When the monthly reports are made: the day of the month and the hour (Asia/Shanghai).
GOVSHARE_REPORT_DAY = int(os.environ.get("GOVSHARE_REPORT_DAY", "1"))
GOVSHARE_REPORT_HOUR = int(os.environ.get("GOVSHARE_REPORT_HOUR", "6"))
