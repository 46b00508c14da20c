"""One form for every phone stored; numbers that lost digits in Excel are refused, not guessed."""

import pytest
from django.core.exceptions import ValidationError

from ledger.forms import ConcernForm
from outreach.forms import HouseholdForm, VisitForm
from surveys.forms import QuestionnaireForm
from tests.factories import GroupMemberFactory, LeadershipGroupFactory
from units.forms import GroupMemberForm
from units.models import GroupMember
from units.phones import PhoneField, phone_canonical, phones_canonicalise

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13811112222", "13811112222"), ("138-1111-2222", "13811112222"), ("138 1111 2222", "13811112222"),
        ("+86 138 1111 2222", "13811112222"), ("8613811112222", "13811112222"), ("0086-13811112222", "13811112222"),
        ("１３８１１１１２２２２", "13811112222"), ("138.1111.2222", "13811112222"), (13811112222, "13811112222"),
        (13811112222.0, "13811112222"), ("13811112222.0", "13811112222"),
        ("0539-1234567", "0539-1234567"), ("05391234567", "0539-1234567"), ("(0539) 123 4567", "0539-1234567"),
        ("+86 539 1234567", "0539-1234567"), ("010-12345678", "010-12345678"), ("02112345678", "021-12345678"),
        ("", ""), (None, ""),
    ],
)  # fmt: skip
def test_phones_have_one_canonical_form(typed, stored):
    assert phone_canonical(typed) == stored


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("1.39123E+10", "lost_digits"), ("1.3812345678e10", "lost_digits"), (123456789012345678.0, "lost_digits"),
        (13811112222.5, "lost_digits"), ("138abc11112", "invalid"), ("12345", "invalid"), ("138111122223", "invalid"),
        (5391234567, "invalid"), ("call me", "invalid"),
    ],
)  # fmt: skip
def test_phones_that_lost_digits_or_are_not_phones_are_refused(typed, code):
    with pytest.raises(ValidationError) as refused:
        phone_canonical(typed)
    assert refused.value.code == code


def test_the_form_field_cleans_to_the_canonical_form_and_names_the_reason():
    field = PhoneField(required=False)
    assert field.clean("+86 138-1111-2222") == "13811112222"
    with pytest.raises(ValidationError) as refused:
        field.clean("1.39123E+10")
    assert "1.39123E+10" in refused.value.messages[0] and "Excel" in refused.value.messages[0]


def test_stored_phones_are_canonicalised_where_possible(tree):
    group = LeadershipGroupFactory(unit=tree["d1"])
    members = [
        GroupMemberFactory(group=group, phone=phone) for phone in ("138-1111-2222", "1.39123E+10", "", "0539 1234567")
    ]
    assert phones_canonicalise(GroupMember, "phone") == 2
    assert [GroupMember.objects.get(pk=m.pk).phone for m in members] == [
        "13811112222",
        "1.39123E+10",
        "",
        "0539-1234567",
    ]


@pytest.mark.parametrize(
    ("form", "field"),
    [(QuestionnaireForm, "phone"), (ConcernForm, "raiser_phone"), (HouseholdForm, "phone"), (VisitForm, "new_phone"),
     (GroupMemberForm, "phone")],
)  # fmt: skip
def test_every_form_that_takes_a_phone_stores_the_canonical_form(form, field):
    assert isinstance(form.base_fields[field], PhoneField)
