"""Statistical notions said in plain words (issue 12): where a unit stands, what it takes to reach a target.

A clerk or a bureau director reads "在临沂市10个区县中排第8" and "需将6张不满意票转为满意，或新增54张满意票",
not "临沂市 下 8/10" or "6 / 54".
"""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from surveys.engine import VotesNeeded
from units.models import UnitKind


def peers_noun(kind: str) -> str:
    """What peers of a kind are called in a sentence that counts them (10个区县, 80所学校 reads 80个学校 here)."""
    nouns = {
        UnitKind.CITY: pgettext("peers counted", "cities"),
        UnitKind.DISTRICT: pgettext("peers counted", "districts and counties"),
        UnitKind.BUREAU: pgettext("peers counted", "bureaus"),
        UnitKind.TOWN: pgettext("peers counted", "towns and townships"),
        UnitKind.VILLAGE: pgettext("peers counted", "villages and communities"),
        UnitKind.SCHOOL: pgettext("peers counted", "schools"),
        UnitKind.KINDERGARTEN: pgettext("peers counted", "kindergartens"),
        UnitKind.DEPARTMENT: pgettext("peers counted", "departments"),
    }
    return nouns.get(kind, pgettext("peers counted", "units"))


def rank_sentence(*, rank: int | None, ranked: int, scope: str, kind: str) -> str:
    """ "Rank 8 of the 10 districts and counties of 临沂市", or "" when the unit is not ranked."""
    if not rank:
        return ""
    return _("Rank %(rank)s of the %(ranked)s %(peers)s of %(scope)s") % {
        "rank": rank,
        "ranked": ranked,
        "peers": peers_noun(kind),
        "scope": scope,
    }


def votes_sentence(needed: VotesNeeded | None) -> str:
    """The two ways to reach a target rate, or "" when there is nothing to reach."""
    if needed is None:
        return ""
    if needed.gain is None:
        return _("Turn %(convert)s dissatisfied votes into satisfied ones") % {"convert": needed.convert}
    return _("Turn %(convert)s dissatisfied votes into satisfied ones, or gain %(gain)s more satisfied votes") % {
        "convert": needed.convert,
        "gain": needed.gain,
    }


def rival_votes_sentence(*, convert: int | None, gain: int | None) -> str:
    """What it takes to pass the peer at the target rank (either way may be impossible: None)."""
    if convert is None and gain is None:
        return _("Converting every dissatisfied vote is not enough.")
    if convert is None:
        return _("Gain %(gain)s more satisfied votes (converting every dissatisfied vote is not enough)") % {
            "gain": gain
        }
    return votes_sentence(VotesNeeded(convert=convert, gain=gain))
