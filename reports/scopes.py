"""The scope picker of the ranking page: where a scope lies, what lies below it, and a search for the others.

A province has some 1,000 scopes (units above the round's participants); a
select of all of them cost more than the district's ranking it chose. The
picker shows what the page is about instead: the scope's ancestors and child
scopes, read by key from the round's outline (``surveys.outline``), and a
search that asks the database for at most ``MATCHES_SHOWN`` scopes. Who may
see which scope is decided by ``units.permissions`` only.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q

from surveys.figures import UnitInfo
from surveys.models import Round
from surveys.outline import Outline, round_outline
from units.permissions import Action, units_for, visible_units

CHILDREN_SHOWN = 24  # more child scopes than this (a province's 1,000 districts): the first ones, then the search
MATCHES_SHOWN = 20
SEARCH_MAX_LENGTH = 50


@dataclass(frozen=True)
class ScopeLink:
    unit: UnitInfo
    query: str  # the ranking's query string for this scope: scope, and the level and sort kept when they apply
    within: str = ""  # the name of the scope above it (search matches: two districts may share a name)


@dataclass(frozen=True)
class ScopePicker:
    scope: UnitInfo
    ancestors: list[ScopeLink]  # those the user may see, from the top down
    children: list[ScopeLink]  # the first CHILDREN_SHOWN the user may see, by code
    children_total: int  # child scopes the user may see, in all

    @property
    def more(self) -> int:
        return self.children_total - len(self.children)

    def units(self) -> list[UnitInfo]:
        return [link.unit for link in self.ancestors] + [self.scope] + [link.unit for link in self.children]


def scope_query(outline: Outline, unit: UnitInfo, level: str = "", sort: str = "") -> str:
    """The ranking of ``unit``: the peers' level kept when there are such units below it, the sort kept."""
    query = {"scope": unit.code}
    if level and level in outline.levels(unit):
        query["level"] = level
    if sort:
        query["sort"] = sort
    return urlencode(query)


def scope_picker(
    outline: Outline, user, scope: UnitInfo, level: str = "", sort: str = "", shown: int = CHILDREN_SHOWN
) -> ScopePicker:
    """The ancestors and child scopes of ``scope`` that ``user`` may see (``scope`` itself already checked)."""
    ancestors = visible_units(user, Action.VIEW, outline.ancestors(scope))
    children = visible_units(user, Action.VIEW, outline.children(scope))
    return ScopePicker(
        scope,
        [ScopeLink(unit, scope_query(outline, unit, level, sort)) for unit in ancestors],
        [ScopeLink(unit, scope_query(outline, unit, level, sort)) for unit in children[:shown]],
        len(children),
    )


def search_links(round: Round, user, text: str, level: str = "", sort: str = "") -> list[ScopeLink]:
    """The search's matches as links to their rankings, each with the name of the scope above it."""
    outline = round_outline(round)
    links = []
    for unit in scope_search(round, user, text):
        parent = outline.unit(unit.parent_id) if unit.parent_id else None
        within = parent.name if parent is not None and visible_units(user, Action.VIEW, [parent]) else ""
        links.append(ScopeLink(unit, scope_query(outline, unit, level, sort), within))
    return links


def scope_search(round: Round, user, text: str, limit: int = MATCHES_SHOWN) -> list[UnitInfo]:
    """Scopes of the round that ``user`` may see whose code begins with ``text`` or whose name contains it.

    One query: the outline's scope ids (by primary key) filtered by the
    user's subtrees and the text, highest first then by code, at most ``limit``; the unit
    whose code is exactly ``text`` comes first. Never a loop over the units.
    """
    text = text.strip()[:SEARCH_MAX_LENGTH]
    if not text:
        return []
    outline = round_outline(round)
    found = list(
        units_for(user, Action.VIEW)
        .filter(pk__in=outline.ids)
        .filter(Q(code__istartswith=text) | Q(name__icontains=text))
        .order_by("depth", "code")
        .values_list("id", flat=True)[:limit]
    )
    exact = outline.scope(text)
    if exact is not None and visible_units(user, Action.VIEW, [exact]):
        found = [exact.id] + [pk for pk in found if pk != exact.id][: limit - 1]
    return [unit for pk in found if (unit := outline.unit(pk)) is not None]
