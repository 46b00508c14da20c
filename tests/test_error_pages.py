"""Production error pages (DEBUG off): each renders in Chinese and English and reveals nothing."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as manyi_urlpatterns

SECRET = "/srv/manyi/surveys/engine.py line 42 in secret_function"


def boom(request):
    raise RuntimeError(SECRET)


urlpatterns = [*manyi_urlpatterns, path("boom/", boom)]

HEADINGS = {
    403: {"zh-hans": "无权操作", "en": "Not allowed"},
    404: {"zh-hans": "页面不存在", "en": "Page not found"},
    500: {"zh-hans": "服务器错误", "en": "Server error"},
    "csrf": {"zh-hans": "表单无法提交", "en": "The form could not be sent"},
}
LANGUAGES = ["zh-hans", "en"]


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__


def _client(language: str, user=None, **kwargs) -> Client:
    client = Client(**kwargs)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


def _reveals_nothing(page: str) -> None:
    for tell in ("Traceback", "Exception", "DEBUG", "Django", "settings.py", "request_path", "exception"):
        assert tell not in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_unit_outside_the_subtree_is_not_named_on_the_404(users, tree, language):
    response = _client(language, users["admin"]).get("/units/S2/")
    assert response.status_code == 404
    page = response.content.decode()
    assert HEADINGS[404][language] in page
    assert "S2" not in page and tree["s2"].name not in page
    _reveals_nothing(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_unknown_address_gets_the_404(db, language):
    response = _client(language).get("/no-such-page/secret-name/")
    assert response.status_code == 404
    page = response.content.decode()
    assert HEADINGS[404][language] in page
    assert "secret-name" not in page and "no-such-page" not in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_forbidden_page_gets_the_403(users, language):
    response = _client(language, users["leader"]).get("/users/")
    assert response.status_code == 403
    page = response.content.decode()
    assert HEADINGS[403][language] in page
    _reveals_nothing(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_crash_gets_the_500_without_its_details(db, language):
    response = _client(language, raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert HEADINGS[500][language] in page
    assert "secret_function" not in page and "/srv/manyi" not in page and "RuntimeError" not in page
    _reveals_nothing(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_form_without_its_csrf_token_gets_the_csrf_page(db, language):
    response = _client(language, enforce_csrf_checks=True).post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    page = response.content.decode()
    assert HEADINGS["csrf"][language] in page
    assert "CSRF cookie" not in page and "Referer" not in page
    _reveals_nothing(page)


def test_the_500_page_renders_without_a_request_or_a_database():
    """Django renders 500.html with an empty context; nothing in it may need more (here: no db fixture)."""
    from django.template import loader

    page = loader.get_template("500.html").render()
    assert HEADINGS[500]["zh-hans"] in page
