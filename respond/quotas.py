"""Sample targets and quotas per respondent type: plain numbers in, plain numbers out.

A quota is a share of the unit's sample target for one respondent type
("parent:60,student:20" asks that 60 % of the target be parents); a type
without a quota has no limit of its own.
"""

import math

from django.utils.translation import gettext as _

from surveys.models import RespondentType


def parse_quotas(text: str) -> dict[str, int]:
    """``{"parent": 60, ...}`` from "parent:60,student:20" (or the Chinese labels 家长:60); ValueError with why."""
    names = {value: value for value in RespondentType.values} | {
        str(label): value for value, label in RespondentType.choices
    }
    quotas = {}
    for part in filter(None, (p.strip() for p in text.replace("，", ",").replace("：", ":").split(","))):
        name, _sep, share = part.partition(":")
        kind = names.get(name.strip())
        if kind is None:
            raise ValueError(_("%(name)s is not a respondent type.") % {"name": name.strip()})
        if not share.strip().rstrip("%").isdigit() or not 0 < int(share.strip().rstrip("%")) <= 100:
            raise ValueError(_("The share of %(name)s must be a whole percent from 1 to 100.") % {"name": name.strip()})
        quotas[kind] = int(share.strip().rstrip("%"))
    if sum(quotas.values()) > 100:
        raise ValueError(_("The quotas add up to more than 100 %."))
    return quotas


def quota_counts(sample_target: int, quotas: dict[str, int]) -> dict[str, int]:
    """Answers wanted per respondent type: the share of the target, rounded up."""
    return {kind: math.ceil(sample_target * share / 100) for kind, share in quotas.items()}


def is_full(*, sample_target: int, quotas: dict[str, int], total: int, of_type: int, respondent_type: str) -> bool:
    """Whether the unit has all the answers it wants, overall or of this respondent type (no target: never)."""
    if not sample_target:
        return False
    wanted = quota_counts(sample_target, quotas).get(respondent_type)
    return total >= sample_target or (wanted is not None and of_type >= wanted)
