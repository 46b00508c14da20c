"""Where a unit stands among its peers, as a leader of it may be shown them.

The peers of a district are the other districts of the city: they lie outside
the district leader's subtree. Whether the leader sees them, by name or
anonymised, is ``units.permissions.peer_disclosure``; this module only shapes
what is shown. A peer line carries a label, a rank and printed rates: no code,
no id and no unit, so that no page built from it can link into a peer's
subtree, ledger, questionnaires or people, and an anonymised peer's name is
never handed to a template or to the JSON.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reports.ranking import OVERALL, Ranking, ranking_of
from surveys.engine import votes_to_pass
from surveys.figures import UnitInfo
from surveys.models import Round
from surveys.outline import round_unit
from units.models import PeerDisclosure, UnitKind
from units.paths import is_strictly_under
from units.permissions import peer_disclosure


@dataclass(frozen=True, slots=True)
class PeerLine:
    label: str  # the unit's name, or "其他单位A" when anonymised
    is_self: bool
    rank: int | None
    rate: str  # the overall rate as printed ("—" without data)
    indicator_rates: list[str]


@dataclass(frozen=True, slots=True)
class RankGapLine:
    """What it takes to pass the peer now at the target rank, with that peer named as the leader may see it."""

    rival: str
    rival_rank: int
    rival_rate: str
    convert: int | None  # None: converting every dissatisfied vote is not enough
    gain: int | None  # None: the rival is at 100 %

    @property
    def text(self) -> str:
        """ "要超过目前排第1的其他单位A，需将8张不满意票转为满意，或新增141张满意票。" (each case one whole sentence)."""
        values = {"rival": self.rival, "rank": self.rival_rank, "convert": self.convert, "gain": self.gain}
        if self.convert is not None and self.gain is not None:
            text = _("To pass %(rival)s, now ranked %(rank)s: convert %(convert)s dissatisfied votes to satisfied, "
                     "or gain %(gain)s more satisfied votes.")  # fmt: skip
        elif self.convert is not None:
            text = _("To pass %(rival)s, now ranked %(rank)s: convert %(convert)s dissatisfied votes to satisfied.")
        elif self.gain is not None:
            text = _("To pass %(rival)s, now ranked %(rank)s, converting every dissatisfied vote is not enough: "
                     "gain %(gain)s more satisfied votes.")  # fmt: skip
        else:
            text = _("To pass %(rival)s, now ranked %(rank)s, converting every dissatisfied vote is not enough.")
        return text % values


@dataclass(frozen=True, slots=True)
class PeerStanding:
    disclosure: str
    scope_name: str
    level: str
    rank: int | None
    ranked: int
    indicator_names: list[str]
    lines: list[PeerLine]
    rank_gap: RankGapLine | None

    @property
    def around_self(self) -> list[PeerLine | None]:
        """The first three lines and the two either side of the unit; None where lines are left out.

        What a phone's first screen can hold of 120 schools: the leaders, and the unit among its neighbours.
        """
        me = next((i for i, line in enumerate(self.lines) if line.is_self), 0)
        shown, last = [], -1
        for i, line in enumerate(self.lines):
            if i < 3 or abs(i - me) <= 2:
                shown += [None] if i != last + 1 else []
                shown.append(line)
                last = i
        return shown + ([None] if last != len(self.lines) - 1 else [])

    @property
    def sentence(self) -> str:
        """ "在临沂市10个区县中排第8" (or that the unit has no rank yet)."""
        peers = peers_text(self.level, len(self.lines))
        if self.rank is None:
            return _("Not ranked yet among %(peers)s of %(scope)s") % {"peers": peers, "scope": self.scope_name}
        return _("Rank %(rank)s among %(peers)s of %(scope)s") % {
            "rank": self.rank,
            "peers": peers,
            "scope": self.scope_name,
        }


def peers_text(kind: str, count: int) -> str:
    """ "10个区县", "20所学校": a count of units of one kind, with the counting word Chinese uses for it."""
    texts = {
        UnitKind.CITY: ngettext("%(count)s city", "%(count)s cities", count),
        UnitKind.DISTRICT: ngettext("%(count)s district or county", "%(count)s districts and counties", count),
        UnitKind.BUREAU: ngettext("%(count)s bureau", "%(count)s bureaus", count),
        UnitKind.TOWN: ngettext("%(count)s town or township", "%(count)s towns and townships", count),
        UnitKind.VILLAGE: ngettext("%(count)s village or community", "%(count)s villages and communities", count),
        UnitKind.SCHOOL: ngettext("%(count)s school", "%(count)s schools", count),
        UnitKind.KINDERGARTEN: ngettext("%(count)s kindergarten", "%(count)s kindergartens", count),
        UnitKind.DEPARTMENT: ngettext("%(count)s department", "%(count)s departments", count),
    }
    return texts.get(kind, ngettext("%(count)s unit", "%(count)s units", count)) % {"count": count}


def anonymous_label(position: int) -> str:
    """The n-th other peer (0: A, 25: Z, 26: AA, ...), as "其他单位A"."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return _("Other unit %(letter)s") % {"letter": letters}


def peer_scope(round: Round, unit: UnitInfo) -> UnitInfo | None:
    """The unit the round ranks ``unit`` under: the round's own scope when above it, else its parent."""
    under = round_unit(round, round.under_id) if round.under_id else None
    if under is not None and is_strictly_under(unit.path, under.path):
        return under
    return round_unit(round, unit.parent_id) if unit.parent_id else None


def peer_standing_for(user, round: Round, unit: UnitInfo, scope: UnitInfo | None = None) -> PeerStanding | None:
    """The unit among its peers as ``user`` may be shown them; None when not shown at all.

    The peers' figures come from the ranking of ``scope`` (default: ``peer_scope``; the peers are outside
    the user's units by design).
    """
    scope = scope or peer_scope(round, unit)
    if scope is None:
        return None
    disclosure = peer_disclosure(user, round, unit, scope)
    if disclosure == PeerDisclosure.NONE:
        return None
    return peer_standing_build(ranking_of(round, scope, unit.kind, OVERALL), unit, disclosure)


def peer_standing_build(ranking: Ranking, unit: UnitInfo, disclosure: str) -> PeerStanding | None:
    """The lines of ``ranking`` (already in rank order) with names as ``disclosure`` allows."""
    row = ranking.row_for(unit.id)
    if row is None:
        return None
    labels, others = {}, 0
    for peer in ranking.rows:
        if peer is row or disclosure == PeerDisclosure.NAMED:
            labels[peer.unit.id] = peer.unit.name
        else:
            labels[peer.unit.id] = anonymous_label(others)
            others += 1
    lines = [
        PeerLine(labels[peer.unit.id], peer is row, peer.overall.rank, peer.overall.text,
                 [cell.text for cell in peer.indicators])
        for peer in ranking.rows
    ]  # fmt: skip
    return PeerStanding(
        disclosure=disclosure,
        scope_name=ranking.scope.name,
        level=unit.kind,
        rank=row.overall.rank,
        ranked=ranking.ranked,
        indicator_names=[indicator.label() for indicator in ranking.indicators],
        lines=lines,
        rank_gap=_rank_gap(ranking, row, labels),
    )


def _rank_gap(ranking: Ranking, row, labels: dict[int, str]) -> RankGapLine | None:
    """Votes to pass the peer now at the target rank; None without a target rank or when the unit is within it."""
    target = ranking.round.target_rank
    if not target or (row.overall.rank is not None and row.overall.rank <= target):
        return None
    others = [peer for peer in ranking.rows if peer is not row and peer.overall.rank is not None]
    if len(others) < target or row.overall.valid == 0:
        return None
    rival = others[target - 1]
    convert, gain = votes_to_pass(row.overall.counts, rival.overall.rate)
    return RankGapLine(labels[rival.unit.id], rival.overall.rank, rival.overall.text, convert, gain)


def peer_standing_json(standing: PeerStanding | None) -> dict | None:
    """The standing in the unit API: labels, ranks and rates only, as on the page."""
    if standing is None:
        return None
    return {
        "disclosure": standing.disclosure,
        "scope": standing.scope_name,
        "rank": standing.rank,
        "ranked": standing.ranked,
        "sentence": standing.sentence,
        "indicators": standing.indicator_names,
        "peers": [
            {
                "label": line.label,
                "self": line.is_self,
                "rank": line.rank,
                "rate": line.rate,
                "indicator_rates": line.indicator_rates,
            }
            for line in standing.lines
        ],  # fmt: skip
    }
