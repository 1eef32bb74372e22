"""Error pages in Vietnamese, in the site's layout: 400, 403, 404, 429 and 500 (urls.py handler400 …), and the
API's answers to the same errors (REST_FRAMEWORK EXCEPTION_HANDLER: a throttled request reads "Quá nhiều yêu
cầu …" — Django REST framework's own Vietnamese catalogue lacks that message).

The 500 page is rendered with the request when that still works (the menus need the database); if rendering
the layout fails too, a small page without it is sent, still in Vietnamese."""

from __future__ import annotations

import logging

from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.utils.html import escape
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler

log = logging.getLogger(__name__)

#: status -> (title, explanation)
PAGES = {
    400: (
        gettext_lazy("Bad request"),
        gettext_lazy("The request could not be understood. Go back, check what you entered and try again."),
    ),
    403: (
        gettext_lazy("Access denied"),
        gettext_lazy(
            "You may not open this page or do this action. If you think you should, ask the system administrator "
            "of your Department of Science and Technology."
        ),
    ),
    404: (
        gettext_lazy("Page not found"),
        gettext_lazy(
            "There is no such page, or you may not see it. Check the address or start again from the home page."
        ),
    ),
    429: (
        gettext_lazy("Too many requests"),
        gettext_lazy(
            "Too many requests came from this computer in a short time. Wait a minute and try again."
        ),
    ),
    500: (
        gettext_lazy("Server error"),
        gettext_lazy(
            "Something went wrong on the server; nothing was changed by this request. Try again in a moment; if it "
            "happens again, tell the system administrator the time it happened."
        ),
    ),
}


def error_page(request, status: int, detail: str = "") -> HttpResponse:
    title, explanation = PAGES[status]
    context = {"status": status, "title": title, "explanation": explanation, "detail": detail}
    return render(request, "core/error.html", context, status=status)


def _detail(exception) -> str:
    """The message of an Http404 or PermissionDenied raised with our own text ("Bạn không được …"). Django's
    own messages ("No Instrument matches the given query.", the resolver's dict of patterns tried) are English
    and internal: in Vietnamese, a message without a single Vietnamese letter is not shown."""
    message = exception.args[0] if exception is not None and exception.args else ""
    if not isinstance(message, str) or not message.strip():
        return ""
    if get_language() == "vi" and message.isascii():
        return ""
    return message


def bad_request(request, exception=None):
    return error_page(request, 400)


def permission_denied(request, exception=None):
    return error_page(request, 403, _detail(exception))


def page_not_found(request, exception=None):
    return error_page(request, 404, _detail(exception))


def too_many_requests(request, exception=None):
    return error_page(request, 429)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent from an old page (or after logging in again in another tab)."""
    return error_page(
        request,
        403,
        _("The form has expired or did not come from this site: reload the page and send it again."),
    )


def server_error(request):
    try:
        return error_page(request, 500)
    except Exception:  # the layout needs the database (menus): the error may be the database itself
        log.exception("the 500 page could not be rendered with the layout")
        title, explanation = PAGES[500]
        return HttpResponseServerError(
            f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
            f"<body><h1>{escape(title)}</h1><p>{escape(explanation)}</p></body></html>"
        )


def api_exception_handler(exc, context):
    """DRF's handler, with a Vietnamese message for a throttled request."""
    if isinstance(exc, exceptions.Throttled) and str(exc.detail).startswith(
        str(exceptions.Throttled.default_detail)
    ):
        # DRF's own throttles (a view's own Vietnamese message, e.g. the public lists', is kept as it is)
        wait = int(exc.wait) if exc.wait is not None else None
        if wait is None:
            message = _("Too many requests: wait a moment and try again.")
        else:
            message = ngettext(
                "Too many requests: try again in %(wait)s second.",
                "Too many requests: try again in %(wait)s seconds.",
                wait,
            ) % {"wait": wait}
        wait_for = exc.wait
        exc = exceptions.Throttled(detail=message)  # with wait, DRF would append its English sentence
        exc.wait = wait_for  # the Retry-After header
    return exception_handler(exc, context)
