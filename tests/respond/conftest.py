import datetime
import secrets

import pytest
from django.core import signing
from django.utils import timezone

from respond.forms import FORM_SALT
from respond.services import links_ensure
from surveys.models import Option
from tests.factories import make_round


@pytest.fixture
def round(tree):
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=10), today + datetime.timedelta(days=10)
    return make_round([tree["s1"], tree["s2"]], start=start, end=end)


@pytest.fixture
def options(round):
    """Options of the round's scale by number: 1 满意, 2 基本满意, 3 不满意, 4 不了解."""
    return {o.number: o for o in Option.objects.filter(scale=round.scale)}


@pytest.fixture
def link(round, tree):
    return links_ensure(round, [tree["s1"]])[tree["s1"].pk]


def stamp(seconds_ago: int = 120, nonce: str | None = None) -> str:
    """The signed form stamp of a form shown ``seconds_ago``."""
    at = (timezone.now() - datetime.timedelta(seconds=seconds_ago)).timestamp()
    return signing.dumps({"nonce": nonce or secrets.token_urlsafe(24), "at": at}, salt=FORM_SALT)


@pytest.fixture
def answer_data(round, options):
    """``answer_data(picks={position: option number}, **fields)``: the POST of the public form."""
    indicators = round.ordered_indicators()

    def build(picks=None, **fields):
        picks = {0: 1, 1: 3} if picks is None else picks
        data = {"stamp": stamp(), "respondent_type": "parent", "opinion": "", "phone": "", "website": ""}
        data.update({f"i{indicators[i].pk}": str(options[n].pk) for i, n in picks.items()})
        data.update(fields)
        return data

    return build
