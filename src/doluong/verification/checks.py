"""System checks for the secrets: the server refuses to start with DEBUG=0 on the default SECRET_KEY.

`secret_key_check` is a deployment check (`check --deploy` fails with doluong.E001); `doluong.wsgi` runs it when
the WSGI application is loaded, so gunicorn and runserver refuse to start too. Plain `check`, `migrate` and the
test suite (which never loads `doluong.wsgi`) are not stopped by it.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def secret_key_problem() -> str:
    """Why SECRET_KEY is not fit for production (empty when it is)."""
    key = settings.SECRET_KEY or ""
    if key == getattr(settings, "INSECURE_SECRET_KEY", None) or key.startswith("django-insecure"):
        return "SECRET_KEY is the insecure development default"
    if len(key) < 50 or len(set(key)) < 5:
        return "SECRET_KEY is shorter than 50 characters or has fewer than 5 different characters"
    return ""


@checks.register(checks.Tags.security, deploy=True)
def secret_key_check(app_configs=None, **kwargs):
    problem = secret_key_problem()
    if settings.DEBUG or not problem:
        return []
    return [
        checks.Error(
            f"{problem}, and DEBUG is off: the server refuses to start.",
            hint="Set SECRET_KEY (50+ random characters) or DOLUONG_SECRET_KEY_FILE; see docs/verification.md.",
            id="doluong.E001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def kek_check(app_configs=None, **kwargs):
    from .signing import SealError, kek_keys

    try:
        kek_keys(create=False)
    except SealError as exc:
        if not (settings.DOLUONG_KEK or settings.DOLUONG_KEK_FILE):
            return []  # the default file is made on first use
        return [checks.Error(" ".join(exc.messages), id="doluong.E002")]
    return []


def refuse_insecure_start() -> None:
    """Called by doluong.wsgi: no web server on the default SECRET_KEY with DEBUG=0."""
    errors = secret_key_check()
    if errors:
        raise ImproperlyConfigured(f"{errors[0].msg} {errors[0].hint}")
