"""Questionnaire-by-questionnaire entry: who may, what is saved, what is remembered, what is refused."""

import html

import pytest
from django.urls import reverse

from surveys.models import Questionnaire, ResultChange, RoundStatus
from tests.factories import RoleFactory, UnitFactory, UserFactory, make_round
from units.models import RoleKind, UnitKind

pytestmark = pytest.mark.django_db


def entry_url(round) -> str:
    return reverse("surveys:questionnaire_enter", args=[round.code])


def form_data(round, unit, picks: dict[int, int] | None = None, **fields) -> dict:
    """POST data of the entry form: ``picks`` maps indicator positions to option numbers."""
    data = {"unit": unit.pk, "respondent_type": "parent", "channel": "paper", "date": "2026-05-01"}
    indicators = round.ordered_indicators()
    data.update({f"answer_{indicators[i].id}": n for i, n in (picks or {}).items()})
    data.update(fields)
    return data


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_anonymous_is_sent_to_login(client, round, tree):
    for response in (client.get(entry_url(round)), client.post(entry_url(round), form_data(round, tree["s1"]))):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert not Questionnaire.objects.exists()


def test_staff_sees_only_the_participating_units_of_their_subtree(client_for, users, round):
    response = client_for(users["staff"]).get(entry_url(round))
    assert response.status_code == 200
    assert [u.code for u in response.context["form"].fields["unit"].queryset] == ["S1"]
    assert "二区第一小学" not in text(response)


def test_staff_saves_a_questionnaire_with_an_unanswered_indicator(client_for, users, round, tree, options):
    client = client_for(users["staff"])
    data = form_data(round, tree["s1"], {0: 1, 1: 2, 3: 3}, number="A-001", phone="138 0013 8000")
    response = client.post(entry_url(round), data)
    assert response.status_code == 302
    assert response.url == entry_url(round)
    questionnaire = Questionnaire.objects.get()
    assert (questionnaire.unit, questionnaire.number, questionnaire.phone) == (tree["s1"], "A-001", "13800138000")
    assert questionnaire.created_by == users["staff"]
    answers = dict(questionnaire.answers.values_list("indicator__order", "option__number"))
    assert answers == {1: 1, 2: 2, 4: 3}  # indicators 3, 5 and 6 left unanswered
    assert ResultChange.objects.filter(action="created", questionnaire_id_ref=questionnaire.pk).exists()


def test_after_saving_the_next_blank_form_remembers_unit_type_channel_and_date(client_for, users, round, tree):
    client = client_for(users["staff"])
    data = form_data(round, tree["s1"], {0: 1}, respondent_type="teacher", channel="phone", date="2026-03-04")
    client.post(entry_url(round), data)
    client.post(entry_url(round), {**data, "number": "B-2"})
    response = client.get(entry_url(round))
    form = response.context["form"]
    assert not form.is_bound
    assert form.initial["unit"] == tree["s1"].pk
    assert (form.initial["respondent_type"], form.initial["channel"]) == ("teacher", "phone")
    assert form.initial["date"] == "2026-03-04"
    assert form["number"].value() == "B-3"  # the next number of the stack is offered ...
    assert "autofocus" in form.fields["number"].widget.attrs  # ... and has the cursor
    body = text(response)
    assert 'value="2026-03-04"' in body
    assert response.context["memory"]["saved"] == 2
    assert response.context["memory"]["last"]["number"] == "B-2"
    assert reverse("surveys:questionnaire_edit", args=[round.code, Questionnaire.objects.get(number="B-2").pk]) in body


def test_a_new_session_starts_with_the_unit_box_focused(client_for, users, round, tree):
    # Two units in scope, nothing remembered: the clerk picks the unit first.
    RoleFactory(user=users["staff"], unit=tree["d2"], kind=RoleKind.STAFF)
    form = client_for(users["staff"]).get(entry_url(round)).context["form"]
    assert "autofocus" in form.fields["unit"].widget.attrs
    assert form.initial.get("unit") is None


def test_a_leader_may_not_enter(client_for, users, round, tree):
    client = client_for(users["leader"])
    assert client.get(entry_url(round)).status_code == 403
    assert client.post(entry_url(round), form_data(round, tree["s1"], {0: 1})).status_code == 403
    assert not Questionnaire.objects.exists()


def test_a_round_without_units_of_the_users_subtree_is_not_found(client_for, users, tree):
    only_d2 = make_round([tree["s2"]], code="D2ONLY", name="二区专项调查")
    for role in ("staff", "admin", "leader", "nobody"):
        response = client_for(users[role]).get(entry_url(only_d2))
        assert response.status_code == 404
        assert "二区专项调查" not in text(response)


def test_staff_of_another_district_cannot_enter_for_a_unit_outside_their_subtree(client_for, users, round, tree):
    response = client_for(users["staff"]).post(entry_url(round), form_data(round, tree["s2"], {0: 1}))
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert "二区第一小学" not in text(response)
    assert not Questionnaire.objects.exists()


def test_superuser_may_enter_for_any_unit(client_for, users, round, tree):
    response = client_for(users["superuser"]).post(entry_url(round), form_data(round, tree["s2"], {5: 4}))
    assert response.status_code == 302
    assert Questionnaire.objects.get().unit == tree["s2"]


def test_wrong_method_is_refused(client_for, users, round):
    client = client_for(users["staff"])
    assert client.put(entry_url(round)).status_code == 405
    assert client.delete(entry_url(round)).status_code == 405


def _refused(client, round, data, field) -> str:
    response = client.post(entry_url(round), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    body = text(response)
    for message in errors[field]:
        assert message in body
    return body


def test_missing_unit_is_named_and_nothing_is_saved(client_for, users, round, tree):
    data = form_data(round, tree["s1"], {0: 1})
    del data["unit"]
    _refused(client_for(users["staff"]), round, data, "unit")
    assert not Questionnaire.objects.exists()


def test_date_outside_the_period_is_named_and_nothing_is_saved(client_for, users, round, tree):
    body = _refused(client_for(users["staff"]), round, form_data(round, tree["s1"], {0: 1}, date="2025-12-31"), "date")
    assert "2026-01-01" in body  # the message gives the period
    assert not Questionnaire.objects.exists()
    assert not ResultChange.objects.exists()


def test_duplicate_number_is_named_and_nothing_is_saved(client_for, users, round, tree, answer):
    answer(tree["s1"], {0: 1}, number="N-7")
    body = _refused(client_for(users["staff"]), round, form_data(round, tree["s1"], {0: 2}, number="N-7"), "number")
    assert "N-7" in body
    assert Questionnaire.objects.count() == 1


def test_duplicate_phone_is_named_unless_the_round_allows_repeats(client_for, users, round, tree, answer):
    answer(tree["s1"], {0: 1}, phone="13800138000")
    client = client_for(users["staff"])
    _refused(client, round, form_data(round, tree["s1"], {0: 2}, phone="138-0013-8000"), "phone")
    _refused(
        client, round, form_data(round, tree["s1"], {0: 2}, phone="１３８ ００１３ ８０００"), "phone"
    )  # full-width
    _refused(client, round, form_data(round, tree["s1"], {0: 2}, phone="+86 138 0013 8000"), "phone")
    _refused(client, round, form_data(round, tree["s1"], {0: 2}, phone="8613800138000"), "phone")
    assert Questionnaire.objects.count() == 1
    round.allow_repeat_phone = True
    round.save()
    assert client.post(entry_url(round), form_data(round, tree["s1"], {0: 2}, phone="13800138000")).status_code == 302
    assert Questionnaire.objects.count() == 2


@pytest.mark.parametrize(
    "field, value",
    [
        ("phone", "call me"),
        ("phone", "+" + "1" * 20),
        ("phone", "1.39123E+10"),
        ("respondent_type", "alien"),
        ("date", "2026-13-40"),
    ],  # fmt: skip
)
def test_malformed_fields_are_named(client_for, users, round, tree, field, value):
    _refused(client_for(users["staff"]), round, form_data(round, tree["s1"], {0: 1}, **{field: value}), field)
    assert not Questionnaire.objects.exists()


def test_an_option_outside_the_scale_is_named(client_for, users, round, tree):
    data = form_data(round, tree["s1"], {0: 9})
    _refused(client_for(users["staff"]), round, data, f"answer_{round.ordered_indicators()[0].id}")
    assert not Questionnaire.objects.exists()


def test_a_unit_not_taking_part_cannot_be_chosen(client_for, users, round, tree):
    other = UnitFactory(code="S9", name="一区第九小学", kind=UnitKind.SCHOOL, parent=tree["d1"])
    _refused(client_for(users["staff"]), round, form_data(round, other, {0: 1}), "unit")
    assert not Questionnaire.objects.exists()


@pytest.mark.parametrize("status", [RoundStatus.CLOSED, RoundStatus.DRAFT])
def test_a_round_not_open_refuses_entry_with_a_message(client_for, users, round, tree, status):
    round.status = status
    round.save()
    client = client_for(users["staff"])
    response = client.get(entry_url(round))
    assert response.status_code == 200
    assert "form" not in response.context
    assert "未开放" in text(response)
    response = client.post(entry_url(round), form_data(round, tree["s1"], {0: 1}))
    assert "未开放" in text(response)
    assert not Questionnaire.objects.exists()


def test_staff_of_a_school_enters_without_choosing_the_unit(client_for, round, tree):
    clerk = UserFactory()
    RoleFactory(user=clerk, unit=tree["s2"], kind=RoleKind.STAFF)
    form = client_for(clerk).get(entry_url(round)).context["form"]
    assert form.initial["unit"] == tree["s2"].pk
    assert "autofocus" in form.fields["number"].widget.attrs


def test_a_form_with_no_answer_is_refused_as_the_import_refuses_such_a_row(client_for, users, round, tree):
    response = client_for(users["staff"]).post(entry_url(round), form_data(round, tree["s1"], {}, number="A-9"))
    assert response.status_code == 200
    assert "问卷至少要回答一项指标" in text(response)
    assert not Questionnaire.objects.exists()


@pytest.mark.parametrize(
    ("last", "next"), [("A-009", "A-010"), ("99", "100"), ("0001", "0002"), ("B7x", ""), ("", ""), ("Ａ１", "Ａ2")]
)
def test_the_next_questionnaire_number_adds_one_to_the_trailing_digits_keeping_their_width(last, next):
    from surveys.forms import next_number

    assert next_number(last) == next


def test_two_mistakes_of_one_form_are_shown_together(client_for, users, round, tree):
    client = client_for(users["staff"])
    client.post(entry_url(round), form_data(round, tree["s1"], {0: 1}, number="A-1"))
    # A phone the form refuses, a number already used and no answer at all: three messages on one page.
    response = client.post(entry_url(round), form_data(round, tree["s1"], number="A-1", phone="12"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "phone" in form.errors
    assert "已被使用" in " ".join(form.errors["number"])
    assert "至少要回答一项指标" in " ".join(form.non_field_errors())
    assert Questionnaire.objects.count() == 1


def test_a_clerk_who_left_number_and_phone_empty_starts_the_next_form_on_the_answers(client_for, users, round, tree):
    client = client_for(users["staff"])
    client.post(entry_url(round), form_data(round, tree["s1"], {0: 1}))
    form = client.get(entry_url(round)).context["form"]
    first_answer = form.fields[form.answer_name(form.indicators[0])]
    assert "autofocus" in first_answer.widget.attrs
    assert "autofocus" not in form.fields["number"].widget.attrs
    assert form.fields["number"].widget.attrs["tabindex"] == "-1"  # Tab passes the boxes he does not use
    assert form.fields["phone"].widget.attrs["tabindex"] == "-1"
