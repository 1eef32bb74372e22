"""Settings for the bench's gunicorn: the project's settings, the bench URLs and no rate limit on the check."""

from doluong.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
VERIFY_RATE_LIMIT = 10**9
DEBUG = False
ALLOWED_HOSTS = ["*"]
