"""400, 403, 404, 429 and 500 answer in Vietnamese, in the site's layout (core/errors.py, urls.py handlers)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from rest_framework.exceptions import Throttled

from doluong.core import errors

pytestmark = pytest.mark.django_db


def _page(response) -> str:
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert 'class="navbar' in html  # the site's layout, not Django's bare page
    return html


def test_404_is_vietnamese(client_for):
    response = client_for("ct.sokhcn").get("/no-such-page/")
    assert response.status_code == 404
    html = _page(response)
    assert "Không tìm thấy trang" in html and "Trang chủ" in html
    assert "Not Found" not in html and "/no-such-page/" not in html.split('id="error-page"')[1]


def test_404_keeps_our_own_message_not_djangos(client_for):
    response = client_for("ct.sokhcn").get("/verification/records/999999999/")
    assert response.status_code == 404
    html = _page(response)
    assert "Không tìm thấy trang" in html
    assert "matches the given query" not in html


def test_404_for_anonymous_offers_the_login(client_for):
    html = _page(client_for(None).get("/no-such-page/"))
    assert "Đăng nhập" in html


def test_403_is_vietnamese(client_for):
    response = client_for("ct.xa").get("/verification/records/add/")
    assert response.status_code == 403
    html = _page(response)
    assert "Không có quyền truy cập" in html and "403" in html
    assert "Forbidden" not in html


def test_csrf_failure_is_vietnamese(user_for):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user_for("ct.sokhcn"))
    response = client.post("/logout/")
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn" in _page(response)


def test_400_is_vietnamese(client_for):
    response = client_for(None).get("/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Yêu cầu không hợp lệ" in html and "Bad Request" not in html


def _request(user):
    request = RequestFactory().get("/x/")
    request.user = user
    request.LANGUAGE_CODE = "vi"
    return request


def test_429_and_500_pages_are_vietnamese(user_for):
    response = errors.too_many_requests(_request(user_for("ct.sokhcn")))
    assert response.status_code == 429 and "Quá nhiều yêu cầu" in _page(response)
    response = errors.server_error(_request(user_for("ct.sokhcn")))
    assert response.status_code == 500 and "Lỗi máy chủ" in _page(response)


def test_500_without_the_layout_is_still_vietnamese(user_for, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(errors, "render", broken)
    response = errors.server_error(_request(user_for("ct.sokhcn")))
    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="vi">' in html and "Lỗi máy chủ" in html


def test_500_from_a_view_uses_the_handler(client_for, monkeypatch):
    from doluong.core import views_home

    def boom(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(views_home, "home", boom)
    from django.urls import clear_url_caches

    clear_url_caches()
    client = client_for("ct.sokhcn")
    client.raise_request_exception = False
    import doluong.urls as root

    monkeypatch.setattr(root.urlpatterns[0], "callback", boom)
    response = client.get("/")
    assert response.status_code == 500
    assert "Lỗi máy chủ" in response.content.decode()


def test_api_throttle_message_is_vietnamese():
    from django.utils import translation

    with translation.override("vi"):
        response = errors.api_exception_handler(Throttled(wait=30), {})
        assert response.status_code == 429
        assert response.data["detail"] == "Quá nhiều yêu cầu: hãy thử lại sau 30 giây."
        response = errors.api_exception_handler(Throttled(), {})
        assert response.data["detail"] == "Quá nhiều yêu cầu: hãy chờ một lát rồi thử lại."


def test_api_is_throttled_in_vietnamese(client_for, monkeypatch):
    from rest_framework.throttling import UserRateThrottle

    monkeypatch.setattr(UserRateThrottle, "allow_request", lambda self, request, view: False)
    monkeypatch.setattr(UserRateThrottle, "wait", lambda self: 12)
    response = client_for("ct.sokhcn").get("/api/registry/instruments/")
    assert response.status_code == 429
    assert response.json()["detail"] == "Quá nhiều yêu cầu: hãy thử lại sau 12 giây."
