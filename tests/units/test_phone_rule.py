"""The one phone rule: a number is whole only for administrators of the unit its record belongs to.

District D1 has two kindergartens, K1 and K2. Every record here belongs to K1. Its administrator (a
district staff member who also administers K1) reads the numbers whole; the administrator of the
sibling K2, the district's staff and its leader read them masked, on lists, detail pages, forms and
in the cells of every export.
"""

import datetime
import html
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from outreach.models import FollowUp
from outreach.services import visit_record
from surveys.models import Questionnaire
from surveys.services import QuestionnaireData, questionnaire_create
from tests.factories import (
    ConcernFactory,
    GroupMemberFactory,
    HouseholdFactory,
    LeadershipGroupFactory,
    RoleFactory,
    UnitFactory,
    UserFactory,
    make_round,
)
from units.models import PhoneExport, RoleKind, UnitKind

pytestmark = pytest.mark.django_db

WHOLE, MASKED = "13812345678", "138****5678"
K2_WHOLE = "13987654321"


@pytest.fixture
def k1(tree, users):
    """K1 and K2 in D1, each with an administrator who is also a staff member of the district."""
    k1 = UnitFactory(code="K1", name="一区第一幼儿园", kind=UnitKind.KINDERGARTEN, parent=tree["d1"])
    k2 = UnitFactory(code="K2", name="一区第二幼儿园", kind=UnitKind.KINDERGARTEN, parent=tree["d1"])
    for name, unit in (("k1_admin", k1), ("k2_admin", k2)):
        users[name] = UserFactory()
        RoleFactory(user=users[name], unit=unit, kind=RoleKind.ADMIN)
        RoleFactory(user=users[name], unit=tree["d1"], kind=RoleKind.STAFF)
    round = make_round([k1, k2])
    satisfied = {round.ordered_indicators()[0].id: round.scale.options.get(number=1).id}

    def saved(unit, phone: str) -> Questionnaire:
        data = QuestionnaireData(unit=unit, respondent_type="parent", channel="phone", date=datetime.date(2026, 5, 1),
                                 phone=phone, answers=satisfied)  # fmt: skip
        return questionnaire_create(round=round, data=data, user=None)

    questionnaire = saved(k1, WHOLE)
    saved(k2, K2_WHOLE)
    household = HouseholdFactory(unit=k1, phone=WHOLE)
    visit_record(
        household=household,
        by=users["staff"],
        date=timezone.localdate(),
        method="phone",
        notes="已回访",
        phone_check="yes",
    )
    return {
        "unit": k1,
        "round": round,
        "questionnaire": questionnaire,
        "follow_up": FollowUp.objects.create(questionnaire=questionnaire, unit=k1, round=round),
        "concern": ConcernFactory(unit=k1, raiser_name="王女士", raiser_phone=WHOLE),
        "household": household,
        "member": GroupMemberFactory(group=LeadershipGroupFactory(unit=k1), phone=WHOLE),
    }


def body(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def cells(response) -> list:
    content = response.getvalue() if hasattr(response, "getvalue") else b"".join(response.streaming_content)
    workbook = load_workbook(BytesIO(content), read_only=True)
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]


def pages(k1) -> list[str]:
    """Every page that prints one of K1's phones, for any role that sees K1."""
    round, unit = k1["round"].code, k1["unit"].code
    return [
        reverse("surveys:questionnaire_list", args=[round]),
        reverse("outreach:follow_ups", args=[unit]),
        reverse("outreach:follow_up", args=[k1["follow_up"].pk]),
        reverse("ledger:unit", args=[unit]),
        reverse("ledger:concern", args=[k1["concern"].pk]),
        reverse("outreach:households", args=[unit]),
        reverse("outreach:household", args=[k1["household"].pk]),
        reverse("units:groups", args=[unit]),
    ]


def exports(k1) -> list[str]:
    unit = k1["unit"].code
    return [
        reverse("ledger:export", args=[unit]),
        reverse("outreach:visits_export", args=[unit]),
        reverse("units:roster_export", args=[unit]),
    ]


def test_the_administrator_of_the_records_unit_reads_it_whole(client_for, users, k1):
    client = client_for(users["k1_admin"])
    for url in pages(k1):
        assert WHOLE in body(client.get(url)), url
    for url in exports(k1):
        assert WHOLE in cells(client.get(url)), url


@pytest.mark.parametrize("role", ["k2_admin", "staff", "leader"])
def test_everyone_else_reads_it_masked_on_pages_and_in_exports(client_for, users, k1, role):
    client = client_for(users[role])
    for url in pages(k1):
        page = body(client.get(url))
        assert MASKED in page and WHOLE not in page, url
    for url in exports(k1):
        values = cells(client.get(url))
        assert MASKED in values and WHOLE not in values, url


def test_administering_one_kindergarten_shows_no_whole_number_of_another(client_for, users, k1):
    page = body(client_for(users["k1_admin"]).get(reverse("surveys:questionnaire_list", args=[k1["round"].code])))
    assert WHOLE in page and "139****4321" in page and K2_WHOLE not in page


def edit_url(q) -> str:
    return reverse("surveys:questionnaire_edit", args=[q.round.code, q.pk])


def posted(form, **changes) -> dict:
    """The edit form as the browser would post it back: its initial values, then ``changes``."""
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(changes)
    return data


@pytest.mark.parametrize("role, shown", [("k1_admin", WHOLE), ("k2_admin", MASKED), ("staff", MASKED)])
def test_the_questionnaire_forms_show_the_phone_by_the_rule(client_for, users, k1, role, shown):
    q = k1["questionnaire"]
    client = client_for(users[role])
    edit = client.get(edit_url(q))
    assert edit.context["form"]["phone"].value() == shown and (shown == WHOLE) == (WHOLE in body(edit))
    delete = body(client.get(reverse("surveys:questionnaire_delete", args=[q.round.code, q.pk])))
    assert shown in delete and (shown == WHOLE) == (WHOLE in delete)


def test_saving_the_edit_form_unchanged_keeps_the_number_the_user_cannot_read(client_for, users, k1):
    q = k1["questionnaire"]
    client = client_for(users["staff"])
    form = client.get(edit_url(q)).context["form"]
    response = client.post(edit_url(q), posted(form, number="改-1"))
    assert response.status_code == 302
    q.refresh_from_db()
    assert (q.number, q.phone) == ("改-1", WHOLE)


def test_a_new_number_typed_over_the_mask_replaces_it(client_for, users, k1):
    q = k1["questionnaire"]
    client = client_for(users["staff"])
    form = client.get(edit_url(q)).context["form"]
    assert client.post(edit_url(q), posted(form, phone="139-0000-1111")).status_code == 302
    q.refresh_from_db()
    assert q.phone == "13900001111"


def test_an_edited_mask_is_refused_rather_than_stored(client_for, users, k1):
    q = k1["questionnaire"]
    client = client_for(users["staff"])
    form = client.get(edit_url(q)).context["form"]
    response = client.post(edit_url(q), posted(form, phone="138****0000"))
    assert response.status_code == 200 and "phone" in response.context["form"].errors
    q.refresh_from_db()
    assert q.phone == WHOLE


# ---------------------------------------------------------------- exports of whole phones are logged


def test_an_export_with_whole_phones_is_logged_who_when_what(client_for, users, k1):
    client = client_for(users["k1_admin"])
    for url in exports(k1):
        client.get(url)
    logged = list(PhoneExport.objects.order_by("id").values_list("user", "export", "unit", "phones"))
    unit = k1["unit"].pk
    assert logged == [(users["k1_admin"].pk, "ledger", unit, 1), (users["k1_admin"].pk, "visits", unit, 1),
                      (users["k1_admin"].pk, "roster", unit, 1)]  # fmt: skip
    assert all(export.at is not None for export in PhoneExport.objects.all())


@pytest.mark.parametrize("role", ["k2_admin", "staff", "leader"])
def test_an_export_of_masked_phones_only_is_not_logged(client_for, users, k1, role):
    client = client_for(users[role])
    for url in exports(k1):
        assert client.get(url).status_code == 200
    assert not PhoneExport.objects.exists()


def test_only_superusers_read_the_log_and_nobody_edits_it(client_for, users, k1):
    client_for(users["k1_admin"]).get(exports(k1)[0])
    export = PhoneExport.objects.get()
    url = reverse("admin:units_phoneexport_changelist")
    users["k1_admin"].is_staff = True  # an administrator with admin access still may not read the log
    users["k1_admin"].save()
    assert client_for(users["k1_admin"]).get(url).status_code == 403
    superuser = client_for(users["superuser"])
    assert superuser.get(url).status_code == 200
    assert (
        superuser.post(reverse("admin:units_phoneexport_delete", args=[export.pk]), {"post": "yes"}).status_code == 403
    )
    assert PhoneExport.objects.filter(pk=export.pk).exists()
