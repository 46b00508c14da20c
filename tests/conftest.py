"""Shared fixtures: a small tree (city > two districts > schools) and a user per role."""

import pytest
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from tests.factories import RoleFactory, UnitFactory, UserFactory
from units.models import RoleKind, UnitKind

# No wall-clock limit on a property's examples: on a busy machine (CI, two cores shared) Hypothesis's
# default 200 ms deadline fails tests whose behaviour is right.
hypothesis_settings.register_profile("manyi", deadline=None)
hypothesis_settings.load_profile("manyi")


@pytest.fixture(autouse=True)
def _chinese_by_default(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def _tasks_in_process(settings):
    """Tasks run in-process unless a test asks for the real worker."""
    from config.celery import app

    # Celery reads Django's CELERY_* name before its own, so both are set.
    app.conf.update(task_always_eager=True, CELERY_TASK_ALWAYS_EAGER=True)
    yield


@pytest.fixture
def tree(db):
    """city C > districts D1, D2 > schools S1 (in D1), S2 (in D2)."""
    city = UnitFactory(code="C", name="示范市", kind=UnitKind.CITY)
    d1 = UnitFactory(code="D1", name="一区", kind=UnitKind.DISTRICT, parent=city)
    d2 = UnitFactory(code="D2", name="二区", kind=UnitKind.DISTRICT, parent=city)
    s1 = UnitFactory(code="S1", name="一区第一小学", kind=UnitKind.SCHOOL, parent=d1)
    s2 = UnitFactory(code="S2", name="二区第一小学", kind=UnitKind.SCHOOL, parent=d2)
    return {"city": city, "d1": d1, "d2": d2, "s1": s1, "s2": s2}


def _user_with(kind: str, unit) -> object:
    user = UserFactory()
    RoleFactory(user=user, unit=unit, kind=kind)
    return user


@pytest.fixture
def users(tree):
    """One user per role on district D1, a superuser, and a user with no role."""
    return {
        "admin": _user_with(RoleKind.ADMIN, tree["d1"]),
        "staff": _user_with(RoleKind.STAFF, tree["d1"]),
        "leader": _user_with(RoleKind.LEADER, tree["d1"]),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
        "nobody": UserFactory(),
    }


@pytest.fixture
def client_for(client):
    """``client_for(user)``: a test client signed in as that user.

    django-axes refuses ``client.login(...)`` without a request (a ValueError): sign in with this,
    with ``client.force_login``, or with ``client.login(request=HttpRequest(), ...)``.
    """

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
