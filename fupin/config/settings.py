"""The one settings module of Fupin.

Everything an installation may change comes from the environment (or a ``.env`` file beside
``manage.py``), read through the typed helpers in ``fupin.config.env``. Business configuration
(thresholds, deadlines) is never here: it lives in versioned database rows.

Profiles: ``FUPIN_PROFILE=development`` (default: SQLite under ``var/``, debug off unless asked)
and ``FUPIN_PROFILE=production`` (HTTPS-only cookies, HSTS, a required secret key), for which
``manage.py check --deploy`` must report nothing.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE

from fupin.config.env import Env
from fupin.config.private_files import file_mode, folder_mode, sqlite_tighten, tighten, umask_set

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = Env(BASE_DIR / ".env")

PROFILE = env.choice("FUPIN_PROFILE", ("development", "production"), default="development")
PRODUCTION = PROFILE == "production"
# Files the platform writes are its own user's only (fupin.config.private_files): the process umask is set here,
# before anything is written, since every entry point reads the settings first.
FUPIN_UMASK = env.octal("FUPIN_UMASK", default=0o077)
umask_set(FUPIN_UMASK)
VAR_DIR = Path(env.str("FUPIN_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
tighten(VAR_DIR, FUPIN_UMASK)  # one made before the umask was set

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = (
    env.secret("SECRET_KEY")
    if PRODUCTION
    else env.secret("SECRET_KEY", default="dev-only-insecure-key-for-local-demo-never-in-production")
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "captcha",
    "csp",
    "django_htmx",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "fupin.core",
    "fupin.areas",
    "fupin.accounts",
    "fupin.inbox",
    "fupin.notices",
    "fupin.registry",
    "fupin.assessment",
    "fupin.crosscheck",
    "fupin.monitoring",
    "fupin.workflow",
    "fupin.projects",
    "fupin.measures",
    "fupin.dossier",
    "fupin.plan",
    "fupin.hotline",
    "fupin.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "fupin.accounts.middleware.SignInRequiredMiddleware",
    "fupin.core.middleware.IdleTimeoutMiddleware",
    "fupin.accounts.middleware.SecondFactorMiddleware",
    "fupin.accounts.forced_change.PasswordChangeRequiredMiddleware",
    "fupin.core.middleware.ApiMethodNotAllowedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "fupin.core.middleware.RefusalMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fupin.config.urls"
WSGI_APPLICATION = "fupin.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "fupin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "fupin.site.context_processors.navigation",
                "fupin.inbox.context_processors.inbox",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL selects the engine; the default is a SQLite file in WAL mode under var/.
DEFAULT_SQLITE = VAR_DIR / "fupin.sqlite3"
DATABASES = {"default": env.database("DATABASE_URL", default=f"sqlite:///{DEFAULT_SQLITE}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                "PRAGMA busy_timeout=10000;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": env.str("FUPIN_TEST_SQLITE", default="") or None}
    sqlite_tighten(str(DATABASES["default"]["NAME"]), FUPIN_UMASK)  # one made before the umask was set
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------------
# Shared by the web server and the job worker (progress a job publishes from inside a long transaction,
# see fupin.core.jobs): files under var/ by default; CACHE_URL (django-environ syntax) selects another.
CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}

# --- Accounts and sign-in -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "site:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("username", "name", "phone", "email")}},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "fupin.accounts.passwords.CharacterClassValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in protection (ADR 0023). django-axes locks the pair username + address after LOGIN_FAILURE_LIMIT
# failures, so a stranger elsewhere cannot lock a user out of their usual address; the address alone is
# throttled at the higher LOGIN_ADDRESS_FAILURE_LIMIT (failures over any usernames: password spraying), which
# a township office behind one NAT address does not reach by typing errors. axes has one limit for every
# parameter set, so our handler (fupin.accounts.lockout) applies the address's own limit and lets a success
# reset only its own pair. Both windows are LOGIN_LOCKOUT_MINUTES; addresses are REMOTE_ADDR.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "fupin.accounts.lockout.PairAndAddressHandler"
AXES_CLIENT_IP_CALLABLE = "fupin.core.ratelimit.client_address"
AXES_RESET_ON_SUCCESS = True
# A fixed window: attempts during the lockout do not restart it (the page says how many minutes).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "fupin.accounts.views.locked_out"
AXES_VERBOSE = False
SILENCED_SYSTEM_CHECKS: list[str] = []

# The second factor (TOTP with django-otp, recovery codes; ADR 0023). FUPIN_MFA: "required" (the roles in
# fupin.accounts.roles.SECOND_FACTOR_ROLES, and superusers, must enrol before anything else), "all" (every user
# must), "optional" (nobody must; whoever enrolled is still asked for a code). Production defaults to
# "required"; development to "optional", so the demo logins `make run` prints work with a password alone.
FUPIN_MFA = env.choice("FUPIN_MFA", ("required", "all", "optional"), default="required" if PRODUCTION else "optional")
FUPIN_MFA_RECOVERY_CODES = env.int("FUPIN_MFA_RECOVERY_CODES", default=10)
OTP_TOTP_ISSUER = env.str("FUPIN_MFA_ISSUER", default="Fupin")

SESSION_COOKIE_AGE = 12 * 3600
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Security headers ---------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS.append("security.W021")

# --- Language, time -------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "fupin" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Django's zh_Hans DATE_INPUT_FORMATS cannot parse "2016年9月5日": our own format module can.
FORMAT_MODULE_PATH = ["fupin.config.formats"]

# --- Static files -----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "fupin" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
# Uploaded files and the folders made for them: what FUPIN_UMASK gives any new file (0600, 0700).
FILE_UPLOAD_PERMISSIONS = file_mode(FUPIN_UMASK)
FILE_UPLOAD_DIRECTORY_PERMISSIONS = folder_mode(FUPIN_UMASK)
# Evidence attached to workflow transitions (under MEDIA_ROOT/evidence/): scans, photos, office files.
FUPIN_EVIDENCE_MAX_BYTES = env.int("FUPIN_EVIDENCE_MAX_MB", default=10) * 1024 * 1024
FUPIN_EVIDENCE_MAX_FILES = 10
FUPIN_EVIDENCE_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx")
# The public forms (hotline, objections to notices) ask for an image CAPTCHA (django-simple-captcha, drawn
# here with Pillow) once an address has posted FUPIN_CAPTCHA_AFTER_POSTS times within FUPIN_CAPTCHA_WINDOW_MINUTES.
FUPIN_CAPTCHA_AFTER_POSTS = env.int("FUPIN_CAPTCHA_AFTER_POSTS", default=3)
FUPIN_CAPTCHA_WINDOW_MINUTES = env.int("FUPIN_CAPTCHA_WINDOW_MINUTES", default=60)
CAPTCHA_CHALLENGE_FUNCT = "fupin.core.captcha.challenge"
CAPTCHA_TIMEOUT = 10  # minutes a CAPTCHA image may be answered
CAPTCHA_LENGTH = 5
CAPTCHA_FONT_SIZE = 30
CAPTCHA_2X_IMAGE = False
# Objections a member of the public may raise on /public/ from one address in an hour (projects).
FUPIN_PUBLIC_OBJECTIONS_PER_HOUR = env.int("FUPIN_PUBLIC_OBJECTIONS_PER_HOUR", default=5)
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# The hotline (issue 9): attachments to tickets (under MEDIA_ROOT/hotline/), the longest text, and the
# public form's limits per client IP address (submissions and tracking-code look-ups per hour).
FUPIN_HOTLINE_MAX_BYTES = env.int("FUPIN_HOTLINE_MAX_MB", default=5) * 1024 * 1024
FUPIN_HOTLINE_MAX_FILES = 3
FUPIN_HOTLINE_EXTENSIONS = ("pdf", "jpg", "jpeg", "png")
FUPIN_HOTLINE_TEXT_MAX = 2000
FUPIN_HOTLINE_SUBMITS_PER_HOUR = env.int("FUPIN_HOTLINE_SUBMITS_PER_HOUR", default=5)
FUPIN_HOTLINE_LOOKUPS_PER_HOUR = env.int("FUPIN_HOTLINE_LOOKUPS_PER_HOUR", default=30)
# Registry uploads (one workbook or three CSV files) are stored under MEDIA_ROOT/uploads/<uuid>/ for the
# import job; a county's million-row CSV set is about 150 MB.
REGISTRY_UPLOAD_MAX_BYTES = env.int("REGISTRY_UPLOAD_MAX_MB", default=200) * 1024 * 1024
# Every import file (uploads and `fupin import-*` alike) is looked at before any parser runs, and parsed in a
# child process with a memory and a time limit (fupin/core/imports/safety.py, ADR 0019). A county's members
# sheet is about a million rows of 19 columns: 725 MB of sheet XML in a 65 MB .xlsx, 145 MB as CSV.
FUPIN_IMPORT_MAX_FILE_MB = env.int("FUPIN_IMPORT_MAX_FILE_MB", default=200)
FUPIN_IMPORT_MAX_ROWS = env.int("FUPIN_IMPORT_MAX_ROWS", default=2_000_000)
FUPIN_IMPORT_MAX_COLUMNS = env.int("FUPIN_IMPORT_MAX_COLUMNS", default=200)
FUPIN_IMPORT_MAX_CELLS = env.int("FUPIN_IMPORT_MAX_CELLS", default=50_000_000)
FUPIN_ZIP_MAX_ENTRIES = env.int("FUPIN_ZIP_MAX_ENTRIES", default=1000)
FUPIN_ZIP_MAX_UNCOMPRESSED_MB = env.int("FUPIN_ZIP_MAX_UNCOMPRESSED_MB", default=2048)
FUPIN_ZIP_MAX_RATIO = env.int("FUPIN_ZIP_MAX_RATIO", default=100)
FUPIN_IMPORT_PARSE_MEMORY_MB = env.int("FUPIN_IMPORT_PARSE_MEMORY_MB", default=6144)
FUPIN_IMPORT_PARSE_SECONDS = env.int("FUPIN_IMPORT_PARSE_SECONDS", default=600)
# One import writes at a time (fupin/core/imports/lock.py): a second one waits this long for it, then is refused
# ("another import is running", exit status 3). A county's import writes for well under a minute.
FUPIN_IMPORT_WAIT_SECONDS = env.int("FUPIN_IMPORT_WAIT_SECONDS", default=120)
# Request bodies: a page that takes a form refuses a body longer than its limit from the Content-Length, before
# reading it (fupin/core/request_limits.py). The public forms take little: text, and the hotline's attachments.
FUPIN_PUBLIC_FORM_MAX_BYTES = env.int("FUPIN_PUBLIC_FORM_MAX_KB", default=64) * 1024
FUPIN_FORM_OVERHEAD_BYTES = 64 * 1024  # multipart boundaries and a form's other fields beside its files
# Exports of at most this many households are answered at once; larger ones run as a background job
# (a county's million members take minutes to write as .xlsx).
REGISTRY_EXPORT_DIRECT_MAX = env.int("REGISTRY_EXPORT_DIRECT_MAX", default=10000)

# --- API ----------------------------------------------------------------------------------------------
# The most rows one API list answers (``limit``; larger asks are refused with 422, ADR 0020).
FUPIN_API_LIMIT_MAX = env.int("FUPIN_API_LIMIT_MAX", default=500)
# Bearer tokens: no token lives longer than this many days, and one unused for this many days stops working.
FUPIN_API_TOKEN_MAX_DAYS = env.int("FUPIN_API_TOKEN_MAX_DAYS", default=90)
FUPIN_API_TOKEN_IDLE_DAYS = env.int("FUPIN_API_TOKEN_IDLE_DAYS", default=30)

# --- Keys -------------------------------------------------------------------------------------------
# The key file (fupin.core.keys): master keys for personal data at rest, blind indexes and the audit
# chain. Kept outside the database and outside MEDIA_ROOT, backed up separately. Production names it;
# development creates one under var/keys/ on first use.
FUPIN_KEY_FILE = Path(env.str("FUPIN_KEY_FILE") if PRODUCTION else
                      env.str("FUPIN_KEY_FILE", default=str(VAR_DIR / "keys" / "fupin-keys.json")))

# --- Audit checkpoints and backups ------------------------------------------------------------------
# Signed checkpoints of the audit chain's head (ADR 0021), written outside the database: by `fupin
# audit-checkpoint` (cron), after the first commit, and after a commit that brought this many entries since
# the last one (0: by the command only). One folder per installation; copy it to another host too (README).
FUPIN_AUDIT_CHECKPOINT_DIR = Path(env.str("FUPIN_AUDIT_CHECKPOINT_DIR", default=str(VAR_DIR / "audit-checkpoints")))
FUPIN_AUDIT_CHECKPOINT_EVERY = env.int("FUPIN_AUDIT_CHECKPOINT_EVERY", default=1000)
# `fupin backup` / `fupin restore` on PostgreSQL run these (the client's major version must be at least the
# server's).
FUPIN_PG_DUMP = env.str("FUPIN_PG_DUMP", default="pg_dump")
FUPIN_PG_RESTORE = env.str("FUPIN_PG_RESTORE", default="pg_restore")

# --- Background tasks -----------------------------------------------------------------------------
# The database backend needs no broker and works on SQLite; tests run tasks immediately.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}
JOB_HEARTBEAT_STALE_SECONDS = env.int("JOB_HEARTBEAT_STALE_SECONDS", default=120)
# Uploaded files and the files jobs wrote (exports, problem reports) hold personal data: `fupin sweep-jobs`
# deletes them this many days after the job finished.
JOB_FILES_KEEP_DAYS = env.int("JOB_FILES_KEEP_DAYS", default=14)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
