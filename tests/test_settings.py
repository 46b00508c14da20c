"""Settings read from the environment refuse bad values loudly."""

import importlib.util
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list


def test_booleans_accept_the_usual_spellings(monkeypatch):
    monkeypatch.setenv("X_FLAG", "Off")
    assert env_bool("X_FLAG", True) is False
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG", False) is True
    monkeypatch.delenv("X_FLAG")
    assert env_bool("X_FLAG", True) is True


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_a_bad_boolean_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("X_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", True)


def test_whole_numbers_are_checked(monkeypatch):
    monkeypatch.setenv("X_N", "12")
    assert env_int("X_N", 1, minimum=1) == 12
    monkeypatch.setenv("X_N", "twelve")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("X_N", 1)
    monkeypatch.setenv("X_N", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("X_N", 5, minimum=1)


def test_lists_are_split_on_commas(monkeypatch):
    monkeypatch.setenv("X_HOSTS", " a.gov.cn, ,b.gov.cn ")
    assert env_list("X_HOSTS", []) == ["a.gov.cn", "b.gov.cn"]


def _settings_with(monkeypatch, tmp_path, **environment):
    """The settings module as it reads the environment at start-up, loaded afresh (the running settings stay)."""
    monkeypatch.setenv("MANYI_VAR_DIR", str(tmp_path))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("settings_probe", Path(settings.BASE_DIR) / "config" / "settings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sign_in_and_session_settings_come_from_the_environment(monkeypatch, tmp_path):
    loaded = _settings_with(
        monkeypatch,
        tmp_path,
        MANYI_LOGIN_FAILURE_LIMIT="3",
        MANYI_LOGIN_LOCK_MINUTES="30",
        MANYI_SESSION_IDLE_MINUTES="45",
        MANYI_PROXY_COUNT="1",
    )
    assert loaded.AXES_FAILURE_LIMIT == 3
    assert loaded.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    assert loaded.SESSION_COOKIE_AGE == 45 * 60
    assert loaded.SESSION_SAVE_EVERY_REQUEST is True
    assert loaded.MANYI_PROXY_COUNT == 1


def test_sign_in_and_session_defaults(monkeypatch, tmp_path):
    for name in (
        "MANYI_LOGIN_FAILURE_LIMIT",
        "MANYI_LOGIN_LOCK_MINUTES",
        "MANYI_SESSION_IDLE_MINUTES",
        "MANYI_PROXY_COUNT",
    ):
        monkeypatch.delenv(name, raising=False)
    loaded = _settings_with(monkeypatch, tmp_path)
    assert (loaded.AXES_FAILURE_LIMIT, loaded.AXES_COOLOFF_TIME.total_seconds()) == (5, 15 * 60)
    assert (loaded.SESSION_COOKIE_AGE, loaded.MANYI_PROXY_COUNT) == (120 * 60, 0)


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("MANYI_LOGIN_FAILURE_LIMIT", "five", "a whole number"),
        ("MANYI_LOGIN_FAILURE_LIMIT", "0", "at least 1"),
        ("MANYI_LOGIN_LOCK_MINUTES", "15m", "a whole number"),
        ("MANYI_LOGIN_LOCK_MINUTES", "0", "at least 1"),
        ("MANYI_SESSION_IDLE_MINUTES", "2h", "a whole number"),
        ("MANYI_SESSION_IDLE_MINUTES", "-5", "at least 1"),
        ("MANYI_PROXY_COUNT", "yes", "a whole number"),
        ("MANYI_PROXY_COUNT", "-1", "at least 0"),
    ],
)
def test_a_bad_sign_in_or_session_setting_stops_the_start(monkeypatch, tmp_path, name, value, reason):
    with pytest.raises(ImproperlyConfigured, match=f"{name} must be {reason}"):
        _settings_with(monkeypatch, tmp_path, **{name: value})
