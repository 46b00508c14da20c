"""Pooled tallies of the units above: kept by the writer, equal to a recount, checked and rebuilt; figures of a scope."""

import datetime
import random
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from surveys.figures import figures_of, round_figures
from surveys.models import Participation, PooledDelta, PooledTally
from surveys.outline import round_children, round_outline, round_peers, round_unit
from surveys.services import QuestionnaireData, questionnaire_create, questionnaire_delete, questionnaire_update
from surveys.tallies import pooled_mismatches, pooled_rebuild, tally_fold, tally_mismatches, tally_rebuild
from surveys.writing import reported_counts_set_many
from tests.factories import UnitFactory, make_round
from units.models import UnitKind

pytestmark = pytest.mark.django_db


def pooled(round, unit) -> dict:
    """The unit's pooled tallies once the pending deltas are folded in."""
    tally_fold(round.id)
    rows = PooledTally.objects.filter(round=round, unit=unit).exclude(count=0)
    return {(i, o): n for i, o, n in rows.values_list("indicator_id", "option_id", "count")}


def test_a_saved_questionnaire_is_pooled_into_every_unit_above(round, tree, answer, options):
    answer(tree["s1"], {0: 1, 1: 3})
    first, second = (i.id for i in round.ordered_indicators()[:2])
    expected = {(first, options[1].id): 1, (second, options[3].id): 1}
    assert pooled(round, tree["d1"]) == expected
    assert pooled(round, tree["city"]) == expected
    assert pooled(round, tree["s1"]) == {} and pooled(round, tree["d2"]) == {}
    assert pooled_mismatches(round.id) == []


def test_editing_and_deleting_keep_the_pooled_tallies_equal_to_a_recount(round, tree, answer, users):
    questionnaire = answer(tree["s1"], {0: 1})
    answer(tree["s2"], {0: 2})
    indicator, option = round.ordered_indicators()[0], round.scale.options.get(number=3)
    data = QuestionnaireData(unit=tree["s2"], respondent_type="parent", channel="paper",
                             date=datetime.date(2026, 5, 1), answers={indicator.id: option.id})  # fmt: skip
    questionnaire_update(questionnaire=questionnaire, data=data, user=users["superuser"])
    assert pooled(round, tree["d1"]) == {}
    assert pooled(round, tree["d2"])[indicator.id, option.id] == 1
    assert pooled_mismatches(round.id) == [] and tally_mismatches(round.id) == []
    questionnaire_delete(questionnaire=questionnaire, user=users["superuser"])
    assert pooled(round, tree["d2"]) == {(indicator.id, round.scale.options.get(number=2).id): 1}
    assert pooled_mismatches(round.id) == []


def test_a_save_appends_deltas_that_figures_count_once_before_and_after_the_fold(round, tree, answer):
    answer(tree["s1"], {0: 1, 1: 3})
    answer(tree["s2"], {0: 2})
    assert (
        not PooledTally.objects.exists() and PooledDelta.objects.count() == 6
    )  # S1's 2 answers to D1 and C, S2's 1 to D2 and C
    units = [round_unit(round, tree[key].pk) for key in ("city", "d1", "d2")]
    before = figures_of(round, units)
    assert pooled_mismatches(round.id) == []  # the pooled rows plus their pending deltas
    assert tally_fold(round.id) == 6 and not PooledDelta.objects.exists()
    after = figures_of(round, units)
    whole = round_figures(round)
    for unit in units:
        assert before.counts(unit.id) == after.counts(unit.id) == whole.counts(unit.id)
    assert tally_fold(round.id) == 0 and pooled_mismatches(round.id) == []


def test_check_tallies_finds_a_wrong_pooled_tally_and_repairs_it(round, tree, answer):
    answer(tree["s1"], {0: 1})
    tally_fold(round.id)
    PooledTally.objects.filter(round=round, unit=tree["city"]).update(count=7)
    out = StringIO()
    with pytest.raises(CommandError, match="--repair"):
        call_command("check_tallies", round.code, stdout=out)
    assert "0 tallies differ" in out.getvalue() and "1 pooled tallies" in out.getvalue()
    assert tally_rebuild(round.id) == 1
    assert pooled_mismatches(round.id) == []


def test_a_moved_school_takes_its_votes_to_its_new_district(round, tree, answer):
    answer(tree["s1"], {0: 1})
    school = tree["s1"]
    school.parent = tree["d2"]
    school.save()
    assert pooled(round, tree["d1"]) == {} and len(pooled(round, tree["d2"])) == 1
    assert pooled_mismatches(round.id) == []
    assert pooled_rebuild(round.id) == 0


def _random_round(seed: int, tree, users):
    """A city of 3 districts with schools and a kindergarten, random questionnaires and reported counts."""
    rng = random.Random(seed)
    units = [tree["s1"], tree["s2"]]
    d3 = UnitFactory(code=f"D3-{seed}", kind=UnitKind.DISTRICT, parent=tree["city"])
    for k in range(rng.randint(1, 5)):
        units.append(UnitFactory(code=f"X{seed}-{k}", kind=UnitKind.SCHOOL, parent=rng.choice([tree["d1"], d3])))
    units.append(UnitFactory(code=f"K{seed}", kind=UnitKind.KINDERGARTEN, parent=tree["d2"]))
    units.append(tree["d1"])  # a district that takes part itself, above schools that take part
    round = make_round(units, code=f"P{seed}")
    indicators = round.ordered_indicators()
    options = list(round.scale.options.order_by("number"))
    for _ in range(rng.randint(0, 25)):
        picks = {i.id: rng.choice(options).id for i in indicators if rng.random() < 0.7} or {
            indicators[0].id: options[0].id
        }
        data = QuestionnaireData(unit=rng.choice(units), respondent_type="parent", channel="paper",
                                 date=datetime.date(2026, 5, 1), answers=picks)  # fmt: skip
        questionnaire_create(round=round, data=data, user=users["superuser"])
    counts = {u.id: {(indicators[0].id, rng.choice(options).id): rng.randint(0, 9)} for u in rng.sample(units, 2)}
    reported_counts_set_many(round=round, counts=counts, user=users["superuser"])
    return round


@pytest.mark.parametrize("seed", range(6))
def test_the_figures_of_a_scope_equal_the_figures_of_the_whole_round(seed, tree, users):
    round = _random_round(seed, tree, users)
    assert pooled_mismatches(round.id) == [] and tally_mismatches(round.id) == []
    whole = round_figures(round)
    outline = round_outline(round)
    assert [u.id for u in outline.scopes] == sorted(
        (
            u.id
            for u in whole.units.values()
            if any(v.path != u.path and v.path.startswith(u.path) for v in whole.units.values())
        ),
        key=lambda pk: whole.units[pk].path,
    )
    for scope in outline.scopes:
        for level in outline.levels(scope):
            peers = round_peers(round, scope, level)
            assert peers == whole.peers(scope, level)
            part = figures_of(round, [scope, *peers])
            for unit in [scope, *peers]:
                for indicator in [None, *[i.id for i in whole.indicators]]:
                    assert part.option_counts(unit.id, indicator) == whole.option_counts(unit.id, indicator)
        assert round_children(round, scope) == [u for u in whole.units.values() if u.parent_id == scope.id]
    for unit in whole.units.values():
        assert round_unit(round, unit.id) == unit


def test_the_outline_follows_a_renamed_unit_and_not_another_rounds_units(round, tree):
    assert [u.code for u in round_outline(round).scopes] == ["C", "D1", "D2"]
    tree["d2"].name = "新二区"
    tree["d2"].save()
    assert round_outline(round).scope("D2").name == "新二区"
    school = UnitFactory(code="S9", kind=UnitKind.SCHOOL, parent=UnitFactory(code="D9", parent=tree["city"]))
    make_round([school], code="OTHER")  # another round's participants change nothing here
    assert [u.code for u in round_outline(round).scopes] == ["C", "D1", "D2"]


def test_the_outline_follows_a_unit_joining_the_round(round, tree):
    assert round_outline(round).levels(round_outline(round).scope("C")) == ["district", "school"]
    kindergarten = UnitFactory(code="K1", kind=UnitKind.KINDERGARTEN, parent=tree["d1"])
    Participation.objects.create(round=round, unit=kindergarten)
    assert round_outline(round).levels(round_outline(round).scope("D1")) == ["kindergarten", "school"]
    assert [u.code for u in round_peers(round, round_outline(round).scope("C"), "kindergarten")] == ["K1"]
