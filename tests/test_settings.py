"""Settings read from the environment refuse bad values loudly."""

import pytest
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
