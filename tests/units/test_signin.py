"""Signing in: lock-out after repeated wrong passwords, unlocking, idle sessions, password rules."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tests.factories import UserFactory
from units.signin import client_address

HERE, ELSEWHERE = "10.0.0.1", "10.0.0.2"
LOCKED_ZH = "登录失败次数过多，暂时无法登录。"


@pytest.fixture
def clerk(db):
    return UserFactory(username="clerk", password="right-password-2026")


@pytest.fixture
def colleague(db):
    return UserFactory(username="colleague", password="colleague-password-2026")


def sign_in(username: str, password: str, address: str = HERE, language: str | None = None):
    client = Client()
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)
    return client, response


def fail(times: int, username: str = "clerk", address: str = HERE):
    for _ in range(times):
        sign_in(username, "wrong", address)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_a_wrong_password_shows_the_form_again(clerk):
    client, response = sign_in("clerk", "wrong")
    assert response.status_code == 200
    assert not signed_in(client)
    assert "请输入一个正确的" in response.content.decode()  # Django's own "wrong username or password"


def test_fewer_failures_than_the_limit_do_not_lock(clerk):
    fail(settings.AXES_FAILURE_LIMIT - 1)
    client, response = sign_in("clerk", "right-password-2026")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert signed_in(client)


def test_the_last_allowed_failure_answers_with_the_lock_page_in_chinese(clerk):
    fail(settings.AXES_FAILURE_LIMIT - 1)
    client, response = sign_in("clerk", "wrong")
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED_ZH in page
    assert f"最后一次输错密码后的 {settings.AXES_COOLOFF_TIME.seconds // 60} 分钟内不能登录" in page
    assert "系统管理员" in page


def test_the_right_password_fails_while_the_account_is_locked(clerk):
    fail(settings.AXES_FAILURE_LIMIT)
    client, response = sign_in("clerk", "right-password-2026")
    assert response.status_code == 429
    assert LOCKED_ZH in response.content.decode()
    assert not signed_in(client)


def test_the_account_is_locked_from_other_addresses_too(clerk):
    fail(settings.AXES_FAILURE_LIMIT, address=HERE)
    client, response = sign_in("clerk", "right-password-2026", address=ELSEWHERE)
    assert response.status_code == 429
    assert not signed_in(client)


def test_the_address_is_locked_for_other_accounts_and_only_that_address(clerk, colleague):
    fail(settings.AXES_FAILURE_LIMIT, address=HERE)
    client, response = sign_in("colleague", "colleague-password-2026", address=HERE)
    assert response.status_code == 429
    assert not signed_in(client)
    client, response = sign_in("colleague", "colleague-password-2026", address=ELSEWHERE)
    assert response.status_code == 302
    assert signed_in(client)


def test_failures_spread_over_accounts_lock_the_address(clerk, colleague):
    fail(settings.AXES_FAILURE_LIMIT - 1, username="clerk")
    fail(1, username="colleague")
    _, response = sign_in("colleague", "colleague-password-2026")
    assert response.status_code == 429


def test_the_lock_page_speaks_english_to_english_readers(clerk):
    fail(settings.AXES_FAILURE_LIMIT)
    _, response = sign_in("clerk", "right-password-2026", language="en")
    page = response.content.decode()
    assert "Too many failed sign-ins: signing in is locked for now." in page
    assert "minutes" in page and LOCKED_ZH not in page


def test_the_lock_ends_after_the_lock_time(clerk):
    fail(settings.AXES_FAILURE_LIMIT)
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    )
    client, response = sign_in("clerk", "right-password-2026")
    assert response.status_code == 302
    assert signed_in(client)


def test_a_pause_longer_than_the_lock_time_starts_the_count_again(clerk):
    fail(settings.AXES_FAILURE_LIMIT - 1)
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    )
    fail(1)
    client, response = sign_in("clerk", "right-password-2026")
    assert response.status_code == 302
    assert signed_in(client)


def test_trying_while_locked_does_not_make_the_lock_longer(clerk):
    fail(settings.AXES_FAILURE_LIMIT)
    first = AccessAttempt.objects.get().attempt_time
    fail(3)
    assert AccessAttempt.objects.get().attempt_time == first


@pytest.mark.parametrize("command", [["axes_reset_username", "clerk"], ["axes_reset_ip", HERE], ["axes_reset"]])
def test_an_administrators_command_unlocks(clerk, command):
    fail(settings.AXES_FAILURE_LIMIT)
    call_command(*command)
    client, response = sign_in("clerk", "right-password-2026")
    assert response.status_code == 302
    assert signed_in(client)


def test_a_superuser_unlocks_in_the_django_admin(clerk, client):
    fail(settings.AXES_FAILURE_LIMIT)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert "clerk" in client.get(changelist).content.decode()
    attempt = AccessAttempt.objects.get()
    client.post(changelist, {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"})
    assert not AccessAttempt.objects.exists()
    assert sign_in("clerk", "right-password-2026")[1].status_code == 302


def test_the_admins_sign_in_page_is_locked_too(clerk):
    UserFactory(username="boss", password="boss-password-2026", is_superuser=True, is_staff=True)
    fail(settings.AXES_FAILURE_LIMIT, username="boss")
    client = Client()
    response = client.post(
        reverse("admin:login"), {"username": "boss", "password": "boss-password-2026"}, REMOTE_ADDR=HERE
    )
    assert response.status_code == 429
    assert not signed_in(client)


# ---------------------------------------------------------------- the address behind a reverse proxy


def _request(forwarded: str | None = None, remote: str = "127.0.0.1"):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/login/", **extra)


def test_without_a_proxy_the_forwarded_header_is_ignored(settings):
    settings.MANYI_PROXY_COUNT = 0
    assert client_address(_request("6.6.6.6", remote="10.1.1.1")) == "10.1.1.1"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the first entry was written by the client
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
        (1, None, "127.0.0.1"),
        (1, "not-an-address", "127.0.0.1"),
        (2, "203.0.113.7", "127.0.0.1"),  # fewer entries than proxies: not trusted
    ],
)
def test_behind_proxies_the_client_is_read_from_the_right(settings, count, forwarded, expected):
    settings.MANYI_PROXY_COUNT = count
    assert client_address(_request(forwarded)) == expected


def test_behind_a_proxy_one_client_locked_out_leaves_the_others_alone(settings, clerk, colleague):
    settings.MANYI_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(reverse("login"), {"username": "clerk", "password": "x"}, HTTP_X_FORWARDED_FOR="203.0.113.7")
    other = Client()
    response = other.post(
        reverse("login"),
        {"username": "colleague", "password": "colleague-password-2026"},
        HTTP_X_FORWARDED_FOR="203.0.113.8",
    )
    assert response.status_code == 302
    assert signed_in(other)


# ---------------------------------------------------------------- idle sessions


def test_sessions_expire_after_the_configured_idle_time():
    assert settings.SESSION_COOKIE_AGE == settings.MANYI_SESSION_IDLE_MINUTES * 60 == 120 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def _session_row(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_each_request_pushes_the_expiry_back(clerk):
    client, _ = sign_in("clerk", "right-password-2026")
    Session.objects.filter(pk=_session_row(client).pk).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=1)
    )
    assert client.get(reverse("home")).status_code == 200
    left = _session_row(client).expire_date - timezone.now()
    assert (
        datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
        < left
        <= datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    )


def test_an_idle_session_has_to_sign_in_again(clerk):
    client, _ = sign_in("clerk", "right-password-2026")
    Session.objects.filter(pk=_session_row(client).pk).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# ---------------------------------------------------------------- password rules and changing a password


def _rules_shown(page: str) -> bool:
    return all(escape(rule) in page for rule in password_validators_help_texts())


def test_the_password_rules_are_shown_where_a_password_is_changed(clerk, client_for):
    page = client_for(clerk).get(reverse("password_change")).content.decode()
    assert len(password_validators_help_texts()) == len(settings.AUTH_PASSWORD_VALIDATORS)
    assert _rules_shown(page)
    assert "修改密码" in page


def test_the_password_rules_are_shown_on_the_new_user_form(users, client_for):
    page = client_for(users["admin"]).get(reverse("units:user_create")).content.decode()
    assert _rules_shown(page)


def test_a_password_breaking_the_rules_is_refused(clerk, client_for):
    client = client_for(clerk)
    data = {"old_password": "right-password-2026", "new_password1": "short", "new_password2": "short"}
    response = client.post(reverse("password_change"), data)
    assert response.status_code == 200
    assert "密码太短，至少需要 8 个字符。" in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.check_password("right-password-2026")


def test_a_wrong_old_password_is_refused(clerk, client_for):
    data = {"old_password": "wrong", "new_password1": "a-new-password-2027", "new_password2": "a-new-password-2027"}
    response = client_for(clerk).post(reverse("password_change"), data)
    assert response.status_code == 200
    clerk.refresh_from_db()
    assert clerk.check_password("right-password-2026")


def test_a_good_password_is_changed_and_the_user_stays_signed_in(clerk, client_for):
    client = client_for(clerk)
    data = {
        "old_password": "right-password-2026",
        "new_password1": "a-new-password-2027",
        "new_password2": "a-new-password-2027",
    }
    response = client.post(reverse("password_change"), data)
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    clerk.refresh_from_db()
    assert clerk.check_password("a-new-password-2027")
    assert "密码已修改" in client.get(reverse("password_change_done")).content.decode()


def test_changing_a_password_needs_signing_in(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
