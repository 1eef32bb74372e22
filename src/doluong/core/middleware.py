"""Vietnamese first: the language is Vietnamese unless the user chose English (the language cookie).

Django's LocaleMiddleware would follow the browser's Accept-Language, and many officials' browsers say English.
"""

from django.conf import settings
from django.utils import translation


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or, behind DOLUONG_TRUSTED_PROXIES reverse proxies, the address the
    outermost trusted proxy saw (counted from the right of X-Forwarded-For, which a client cannot forge there)."""
    proxies = getattr(settings, "DOLUONG_TRUSTED_PROXIES", 0)
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if proxies > 0:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if forwarded:
            return forwarded[-min(proxies, len(forwarded))]
    return remote


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on every response to a signed-in user (pages show data of their
    scope; a shared proxy or the browser's back button must not show them to the next person), unless the view
    set its own Cache-Control or the path is public (DOLUONG_PUBLIC_PATHS: the certificate check, static)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and "Cache-Control" not in response
            and not request.path_info.startswith(tuple(settings.DOLUONG_PUBLIC_PATHS))
        ):
            response["Cache-Control"] = "private, no-store"
        return response


class RequestSizeMiddleware:
    """Refuse a request whose body is larger than the largest upload limit (plus room for the form's fields)
    before any of it is read: a 413 with a Vietnamese message. Each upload is then checked against its own
    kind's limit (core.uploads)."""

    SLACK = 1024 * 1024

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .uploads import format_size, largest_limit

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = largest_limit() + self.SLACK
        if length > limit:
            from django.http import HttpResponse
            from django.utils.translation import gettext as _

            message = _(
                "The upload is too large (%(size)s); the largest file this site accepts is %(limit)s."
            ) % {
                "size": format_size(length),
                "limit": format_size(largest_limit()),
            }
            response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
            response["Connection"] = "close"
            return response
        return self.get_response(request)
