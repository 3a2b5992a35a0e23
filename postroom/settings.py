"""Postroom settings: one module, driven by environment variables (see docs/configuration.md)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from postroom.core import sso_config
from postroom.core.env import ConfigError, env_bool, env_int, env_list, env_optional, env_str

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("POSTROOM_DATA_DIR", str(BASE_DIR.parent / "data"))).resolve()

DEBUG = env_bool("POSTROOM_DEBUG", False)
_secret = env_optional("POSTROOM_SECRET_KEY")
if _secret is None:
    if not DEBUG and env_bool("POSTROOM_REQUIRE_SECRET", False):
        raise ConfigError("POSTROOM_SECRET_KEY must be set")
    # A per-installation key kept in the data directory: stable across restarts, never shared.
    _key_file = DATA_DIR / "secret_key"
    if _key_file.exists():
        _secret = _key_file.read_text().strip()
    else:
        import secrets

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        _secret = secrets.token_urlsafe(50)
        _key_file.write_text(_secret)
        _key_file.chmod(0o600)
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("POSTROOM_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("POSTROOM_CSRF_TRUSTED_ORIGINS", [])
BASE_URL = env_str("POSTROOM_BASE_URL", "http://127.0.0.1:8000")
# From address of notification emails to teammates.
POSTROOM_NOTIFY_FROM = env_str("POSTROOM_NOTIFY_FROM", "postroom@localhost")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "anymail",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Security keys and passkeys (postroom/accounts/security_keys.py): its credential
    # model is one more django-otp device.
    "django_otp_webauthn",
    # Single sign-on (postroom/web/sso.py): only the providers' flows are used;
    # Postroom's own sign-in, accounts and 2FA stay its own.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "postroom.accounts",
    "postroom.audit",
    "postroom.events",
    "postroom.inbox",
    "postroom.mail",
    "postroom.outbound",
    "postroom.realtime",
    "postroom.notifications",
    "postroom.automation",
    "postroom.schedules",
    "postroom.ratings",
    "postroom.saved",
    "postroom.knowledge",
    "postroom.search",
    "postroom.crm",
    "postroom.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # After CSRF, which reads the form as posted; see postroom/core/middleware.py.
    "postroom.core.middleware.CleanTextMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "postroom.accounts.middleware.UserTimezoneMiddleware",
    # After authentication: the signed-in person's own language over the browser's
    # (LocaleMiddleware's choice stays for everyone signed out).
    "postroom.accounts.middleware.UserLanguageMiddleware",
    "postroom.accounts.sessions.SessionSeenMiddleware",
    "postroom.accounts.twofactor.SecondFactorMiddleware",
    # Last: turns a refused sign-in into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "postroom.urls"

# Periodic and background jobs: Django's tasks, stored in the database (postroom.jobs).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
ASGI_APPLICATION = "postroom.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
            "builtins": ["postroom.web.templatetags.postroom_tags"],
        },
    }
]

_database_url = env_optional("DATABASE_URL")
# The web server runs requests on a fixed set of threads (postroom.asgi); connections are
# kept per thread (SQLite) or borrowed from a bounded pool (PostgreSQL), so neither a
# connection per request nor more connections than the pool holds.
DB_POOL_SIZE = env_int("POSTROOM_DB_POOL_SIZE", 12)
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend plus the event log numbered at commit (postroom.events.sequence).
        DATABASES["default"]["ENGINE"] = "postroom.events.db.postgresql"
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {
                "pool": {"min_size": 2, "max_size": DB_POOL_SIZE, "timeout": 30},
                # Statements bound and prepared on the server: a list page repeats the
                # same dozen statements, and planning them once per connection saves
                # a good part of each round trip.
                "server_side_binding": True,
                "prepare_threshold": 2,
            }
        )
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "postroom.sqlite3"),
            # A file, not memory, for the test database: tests that run a real server in
            # another thread (websockets) need their own connections to see the data.
            # One per process, so test runs side by side do not share a file.
            "TEST": {"NAME": str(DATA_DIR / f"test-postroom-{os.getpid()}.sqlite3")},
            "CONN_MAX_AGE": None,  # one connection per thread, kept: opening one costs ~2 ms
            "OPTIONS": {
                # WAL lets readers proceed during writes; IMMEDIATE takes the write lock at
                # BEGIN so two writers queue instead of failing on lock upgrade.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }

CACHES = {
    # Shared by every process of a scaled-out setup (REDIS_URL), else in this process:
    # it holds the sessions (below), which every process must see alike.
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_optional("REDIS_URL"),
            "KEY_PREFIX": env_str("POSTROOM_CHANNEL_PREFIX", "postroom"),
        }
        if env_optional("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # Rendered inbox pages (postroom.web.pagecache), in this process: their keys hold
    # versions read from the database, so each process's copy is right on its own.
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "TIMEOUT": 600,
        "OPTIONS": {"MAX_ENTRIES": env_int("POSTROOM_PAGE_CACHE_ENTRIES", 3000)},
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Sign-in protection (postroom/accounts/signin.py): failures are counted per account and
# per address; from the SLOW_AFTER-th in a row each next attempt waits longer, and at
# FAILURE_LIMIT the account or address is locked for LOCKOUT_MINUTES.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # A passkey's sign-in (postroom/web/views/security_keys.py) names this backend.
    "django_otp_webauthn.backends.WebAuthnBackend",
]
POSTROOM_LOGIN_SLOW_AFTER = env_int("POSTROOM_LOGIN_SLOW_AFTER", 3, minimum=1)
# Two-factor sign-in (postroom/accounts/twofactor.py): required of everyone when set.
POSTROOM_REQUIRE_2FA = env_bool("POSTROOM_REQUIRE_2FA", False)
OTP_TOTP_ISSUER = "Postroom"
# Security keys and passkeys (WebAuthn): the relying party is the host people reach
# Postroom at, and only pages served from these origins may use a key. Keys are bound
# to the RP ID: changing it later means everyone adds their keys again.
# Browsers take no IP address as the RP ID: the default base URL's loopback address
# stands for localhost (a secure context even over plain http).
_base = urlsplit(BASE_URL)
_host = _base.hostname or "localhost"
if _host in ("127.0.0.1", "::1"):
    _host = "localhost"
_port = f":{_base.port}" if _base.port else ""
POSTROOM_WEBAUTHN_RP_ID = env_str("POSTROOM_WEBAUTHN_RP_ID", _host)
POSTROOM_WEBAUTHN_ORIGINS = env_list(
    "POSTROOM_WEBAUTHN_ORIGINS", [f"{_base.scheme}://{_host}{_port}"]
)
# The library refuses to start with an origin other than https:// or localhost; a
# plain-http install elsewhere keeps working, its browsers offer no keys there.
SILENCED_SYSTEM_CHECKS = ["otp_webauthn.E031"]
# The library's own names for them (its system checks read these).
OTP_WEBAUTHN_RP_ID = POSTROOM_WEBAUTHN_RP_ID
OTP_WEBAUTHN_ALLOWED_ORIGINS = POSTROOM_WEBAUTHN_ORIGINS
OTP_WEBAUTHN_RP_NAME = "Postroom"
OTP_WEBAUTHN_HELPER_CLASS = "postroom.accounts.security_keys.Helper"
AXES_FAILURE_LIMIT = env_int("POSTROOM_LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("POSTROOM_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "postroom.accounts.signin.username_of"
AXES_CLIENT_IP_CALLABLE = "postroom.accounts.signin.client_address"
AXES_LOCKOUT_CALLABLE = "postroom.accounts.signin.lockout_response"
AXES_RESET_ON_SUCCESS = True

# Single sign-on (postroom/core/sso_config.py, postroom/web/sso.py): the identity
# providers, and who may come in through each. allauth runs only their flows: its own
# sign-up, password and email pages are not mounted.
POSTROOM_SSO = {
    provider.id: provider
    for provider in sso_config.load(env_optional("POSTROOM_SSO"), env_optional("POSTROOM_SSO_FILE"))
}
SOCIALACCOUNT_PROVIDERS = sso_config.allauth_providers(list(POSTROOM_SSO.values()))
SOCIALACCOUNT_ADAPTER = "postroom.web.sso.SsoAdapter"
ACCOUNT_ADAPTER = "postroom.web.sso.AccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False  # accounts are made by Postroom's action, not by allauth
SOCIALACCOUNT_STORE_TOKENS = False  # the provider's tokens are not needed after sign-in
SOCIALACCOUNT_ONLY = True
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# The password policy: a minimum length (POSTROOM_PASSWORD_MIN_LENGTH), not one of the
# 20,000 most common passwords, not all digits, not close to the person's name or email.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("POSTROOM_PASSWORD_MIN_LENGTH", 10, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "name")},
    },
]

# The languages of the interface (docs/languages.md). Each one but English has its
# catalogue in postroom/locale/<dir>/LC_MESSAGES/django.po, the directory named the way
# gettext spells the code (zh-hans: zh_Hans). German, French and Spanish come next.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("zh-hans", "简体中文"),
    ("nl", "Nederlands"),
    ("it", "Italiano"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates as each language writes them; English as Postroom always has (postroom/formats).
FORMAT_MODULE_PATH = ["postroom.formats"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env_str("POSTROOM_MEDIA_DIR", str(DATA_DIR / "files")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Sessions are read on every request: from the cache, written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("POSTROOM_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "SAMEORIGIN"
# Scripts only from our own static files. Email HTML is shown in sandboxed srcdoc frames,
# which inherit this policy: no script runs there either. Images come only from us: a
# message's remote images, when the agent loads them, come through the image proxy
# (/img/, postroom/web/image_proxy.py), so no remote address can reach the browser.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'", "ws:", "wss:"],
    "frame-ancestors": ["'self'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}

# The image proxy (docs/image-proxy.md): the largest image it passes on, how long one
# fetch may take in all, and hosts or addresses (optionally ``:port``) it may fetch from
# although they are not on the public internet (tests, development; empty in production).
POSTROOM_IMAGE_PROXY_MAX_BYTES = env_int(
    "POSTROOM_IMAGE_PROXY_MAX_BYTES", 5 * 1024 * 1024, minimum=1024
)
POSTROOM_IMAGE_PROXY_TIMEOUT = env_int("POSTROOM_IMAGE_PROXY_TIMEOUT", 10, minimum=1)
POSTROOM_IMAGE_PROXY_ALLOW = env_list("POSTROOM_IMAGE_PROXY_ALLOW", [])
# Rules' webhooks post only to public addresses, and to these hosts (a chat server on the
# team's own network): host names or addresses, each optionally with :port.
POSTROOM_WEBHOOK_ALLOW = env_list("POSTROOM_WEBHOOK_ALLOW", [])

# The CRM side panel (docs/crm.md): HubSpot's API address, how long one request may take
# (seconds), how long an answer is kept (seconds), and hosts (optionally host:port) whose
# Salesforce instance may be plain http (tests, development; empty in production).
POSTROOM_CRM_HUBSPOT_URL = env_str("POSTROOM_CRM_HUBSPOT_URL", "https://api.hubapi.com")
POSTROOM_CRM_TIMEOUT = env_int("POSTROOM_CRM_TIMEOUT", 5, minimum=1)
POSTROOM_CRM_CACHE_SECONDS = env_int("POSTROOM_CRM_CACHE_SECONDS", 120, minimum=0)
POSTROOM_CRM_ALLOW_HTTP = env_list("POSTROOM_CRM_ALLOW_HTTP", [])

# Conversations in the trash are purged after this many days.
POSTROOM_TRASH_RETENTION_DAYS = env_int("POSTROOM_TRASH_RETENTION_DAYS", 30, minimum=1)
# Largest attachment accepted from the composer, in bytes.
POSTROOM_MAX_UPLOAD_BYTES = env_int("POSTROOM_MAX_UPLOAD_BYTES", 25 * 1024 * 1024, minimum=1024)
# Also bounds provider webhook posts, which carry a whole message: Postmark's JSON is about
# twice the message (raw MIME plus base64 attachments), Mailgun's raw MIME about 1.15x.
POSTROOM_WEBHOOK_MAX_BYTES = env_int("POSTROOM_WEBHOOK_MAX_BYTES", 64 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(
    POSTROOM_MAX_UPLOAD_BYTES + 1024 * 1024, POSTROOM_WEBHOOK_MAX_BYTES
)

# Provider inbound webhooks (django-anymail), under /hooks/webhooks/<provider>/inbound/.
# Keys are set only when given: an empty Mailgun key would make every signature valid.
ANYMAIL: dict[str, str] = {}
if _webhook_auth := env_optional("POSTROOM_WEBHOOK_BASIC_AUTH"):  # "user:password"
    ANYMAIL["WEBHOOK_SECRET"] = _webhook_auth
if _mailgun_key := env_optional("POSTROOM_MAILGUN_WEBHOOK_SIGNING_KEY"):
    ANYMAIL["MAILGUN_WEBHOOK_SIGNING_KEY"] = _mailgun_key

# Outbound mail (docs/outbound.md). The workspace default transport; inboxes may have
# their own. "capture" keeps mail on this machine (shown under Outbox), so a fresh
# install or the demo never mails anyone by accident.
POSTROOM_OUTBOUND_TRANSPORT = env_str("POSTROOM_OUTBOUND_TRANSPORT", "capture")
if POSTROOM_OUTBOUND_TRANSPORT not in ("capture", "smtp", "provider"):
    raise ConfigError("POSTROOM_OUTBOUND_TRANSPORT must be capture, smtp or provider")
POSTROOM_OUTBOUND_SMTP_HOST = env_str("POSTROOM_OUTBOUND_SMTP_HOST", "")
POSTROOM_OUTBOUND_SMTP_PORT = env_int("POSTROOM_OUTBOUND_SMTP_PORT", 587, minimum=1)
POSTROOM_OUTBOUND_SMTP_SECURITY = env_str("POSTROOM_OUTBOUND_SMTP_SECURITY", "starttls")
if POSTROOM_OUTBOUND_SMTP_SECURITY not in ("starttls", "tls", "none"):
    raise ConfigError("POSTROOM_OUTBOUND_SMTP_SECURITY must be starttls, tls or none")
POSTROOM_OUTBOUND_SMTP_USERNAME = env_str("POSTROOM_OUTBOUND_SMTP_USERNAME", "")
POSTROOM_OUTBOUND_SMTP_PASSWORD = env_str("POSTROOM_OUTBOUND_SMTP_PASSWORD", "")
POSTROOM_OUTBOUND_SMTP_CA_FILE = env_optional("POSTROOM_OUTBOUND_SMTP_CA_FILE")
if POSTROOM_OUTBOUND_TRANSPORT == "smtp" and not POSTROOM_OUTBOUND_SMTP_HOST:
    raise ConfigError("POSTROOM_OUTBOUND_SMTP_HOST must be set when the transport is smtp")
POSTROOM_OUTBOUND_PROVIDER = env_str("POSTROOM_OUTBOUND_PROVIDER", "")
POSTROOM_OUTBOUND_PROVIDER_KEY = env_str("POSTROOM_OUTBOUND_PROVIDER_KEY", "")
# "name=value" pairs for the provider's other options, e.g. "sender_domain=mg.example.com".
POSTROOM_OUTBOUND_PROVIDER_OPTIONS: dict[str, str] = {}
for _option in env_list("POSTROOM_OUTBOUND_PROVIDER_OPTIONS", []):
    _name, _sep, _value = _option.partition("=")
    if not _sep or not _name.strip():
        raise ConfigError(f"POSTROOM_OUTBOUND_PROVIDER_OPTIONS: {_option!r} is not name=value")
    POSTROOM_OUTBOUND_PROVIDER_OPTIONS[_name.strip()] = _value.strip()
if POSTROOM_OUTBOUND_TRANSPORT == "provider" and not POSTROOM_OUTBOUND_PROVIDER:
    raise ConfigError("POSTROOM_OUTBOUND_PROVIDER must be set when the transport is provider")
POSTROOM_OUTBOUND_TIMEOUT = env_int("POSTROOM_OUTBOUND_TIMEOUT", 30, minimum=1)
# Undo send: how long a sent reply waits in the outbox (inboxes may override it).
POSTROOM_UNDO_SEND_SECONDS = env_int("POSTROOM_UNDO_SEND_SECONDS", 10, minimum=0)
# Temporary failures are retried after 30 s, 1 min, 2 min… (at most an hour apart).
POSTROOM_OUTBOX_RETRY_SECONDS = env_int("POSTROOM_OUTBOX_RETRY_SECONDS", 30, minimum=1)
POSTROOM_OUTBOX_MAX_ATTEMPTS = env_int("POSTROOM_OUTBOX_MAX_ATTEMPTS", 12, minimum=1)

REDIS_URL = env_optional("REDIS_URL")
# Live events: in memory for the one-process default, Redis when several processes
# (web, workers) must reach each other's websockets.
CHANNEL_LAYERS = {
    "default": (
        {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "capacity": 1000,
                "expiry": 30,
                "prefix": env_str("POSTROOM_CHANNEL_PREFIX", "postroom"),
            },
        }
        if REDIS_URL
        else {"BACKEND": "postroom.realtime.layer.LocalChannelLayer"}
    )
}
POSTROOM_ENCRYPTION_KEY = env_optional("POSTROOM_ENCRYPTION_KEY")
# Earlier keys: they still open secrets until `postroom rotate-key` re-encrypts them.
POSTROOM_ENCRYPTION_OLD_KEYS = env_list("POSTROOM_ENCRYPTION_OLD_KEYS", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("POSTROOM_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "mail.log": {"level": "WARNING"},  # aiosmtpd's per-command chatter
    },
}
