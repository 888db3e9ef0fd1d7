"""The example shop: Django's sessions and users, SQLite, no static files of its own."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-a-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

# where socket-push listens, and the key of its server API (channels.apiKey)
SOCKET_PUSH_URL = os.environ.get("SOCKET_PUSH_URL", "http://127.0.0.1:8080")
SOCKET_PUSH_API_KEY = os.environ.get("SOCKET_PUSH_API_KEY", "example-api-key")
# where the browser finds socket-push: empty behind the reverse proxy (same origin), else its URL
SOCKET_PUSH_BASE = os.environ.get("SOCKET_PUSH_BASE", SOCKET_PUSH_URL)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "shop",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "site_config.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.environ.get("DJANGO_DB", str(BASE_DIR / "db.sqlite3"))}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
LOGIN_URL = "/login/"
USE_TZ = True
