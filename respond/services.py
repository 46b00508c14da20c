"""Writes of online answering: links, settings, invitations, receiving answers and reviewing held ones.

Accepted answers become questionnaires only through ``surveys.writing.questionnaires_add``
(channel "online", source "online"), in the same transaction as the submission,
so that follow-ups open from the one rule that listens to the writer.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from ledger.models import CategoryOfConcern, Concern, Source
from ledger.services import ConcernData, concern_create
from respond.models import Invitation, Mode, OnlineSetting, PhoneCheck, Status, Submission, SurveyLink, UnitTarget
from respond.quotas import is_full, parse_quotas
from respond.screening import Arrival, Earlier, earlier_answers, hold_flags
from respond.sms import sms_send
from surveys.models import Channel, Participation, Questionnaire, Round, RoundStatus
from surveys.selectors import round_units
from surveys.writing import QuestionnaireRows, questionnaires_add, round_ids
from units.models import Unit
from units.permissions import Action

PHONE_CODE_MINUTES = 10
PHONE_CODE_ATTEMPTS = 5
PHONE_CODES_PER_HOUR = 10  # per network address: SMS cost money and must not flood strangers' phones


# ---------------------------------------------------------------- the open period


class PeriodState:
    BEFORE = "before"
    OPEN = "open"
    CLOSED = "closed"


def period_state(round: Round, today: datetime.date | None = None) -> str:
    """Whether the round takes answers today: before its period (or still a draft), open, or closed."""
    today = today or timezone.localdate()
    if round.status == RoundStatus.CLOSED or today > round.end:
        return PeriodState.CLOSED
    if round.status == RoundStatus.DRAFT or today < round.start:
        return PeriodState.BEFORE
    return PeriodState.OPEN


def online_setting(round: Round) -> OnlineSetting:
    setting, _created = OnlineSetting.objects.get_or_create(round=round)
    return setting


def link_setting(link: SurveyLink) -> OnlineSetting:
    """The setting of the link's round as ``link_for_token`` read it with the link (made now if there is none).

    Only for a link just read by ``link_for_token``: a round kept longer may hold a setting edited since.
    """
    setting = Round.online_setting.related.get_cached_value(link.round, default=None)
    return setting if setting is not None else online_setting(link.round)


def address_hash(address: str) -> str:
    """A keyed hash of the network address: answers from one address can be compared, the address not read back."""
    return salted_hmac("manyi.respond.address", address or "").hexdigest()


# ---------------------------------------------------------------- links


def links_ensure(round: Round, units: list[Unit]) -> dict[int, SurveyLink]:
    """The active link of each unit (participating units only), created where missing."""
    existing = {link.unit_id: link for link in SurveyLink.objects.active().filter(round=round, unit__in=units)}
    missing = [unit for unit in units if unit.pk not in existing]
    if missing:
        SurveyLink.objects.bulk_create([SurveyLink(round=round, unit=unit) for unit in missing], ignore_conflicts=True)
        existing = {link.unit_id: link for link in SurveyLink.objects.active().filter(round=round, unit__in=units)}
    return existing


@transaction.atomic
def link_revoke(*, round: Round, unit: Unit) -> None:
    SurveyLink.objects.active().filter(round=round, unit=unit).update(revoked_at=timezone.now())


@transaction.atomic
def link_reissue(*, round: Round, unit: Unit) -> SurveyLink:
    """A new token for the unit; the old link answers 404 from now on."""
    link_revoke(round=round, unit=unit)
    return SurveyLink.objects.create(round=round, unit=unit)


def link_for_token(token: str) -> SurveyLink | None:
    """The active link of a participating unit, or None (the caller answers a plain 404).

    One query for every public request: the link, its round with the round's
    scale and online setting, its unit, and whether the unit still takes part.
    """
    taking_part = Participation.objects.filter(round_id=OuterRef("round_id"), unit_id=OuterRef("unit_id"))
    # Exists as a column, not a filter: as a filter (a semi-join) PostgreSQL's planning alone took longer.
    links = SurveyLink.objects.active().filter(token=token).annotate(taking_part=Exists(taking_part))
    link = links.select_related("round", "round__scale", "round__online_setting", "unit").first()
    return link if link is not None and link.taking_part else None


# ---------------------------------------------------------------- receiving answers


class Refused(Exception):
    """An answer the mode does not allow (already answered, over the limit, a bad code): nothing is stored."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Answered:
    """An answer as the public form gives it, already cleaned."""

    nonce: str
    started_at: datetime.datetime
    address: str
    user_agent: str
    device: str
    respondent_type: str
    answers: dict[int, int]  # indicator id -> option id
    opinion: str = ""
    phone: str = ""
    code: str = ""  # invitation code, or the SMS code in phone-check mode


def submission_receive(
    *, link: SurveyLink, answered: Answered, setting: OnlineSetting | None = None,
    ids: tuple[list[int], list[int]] | None = None,
) -> Submission:  # fmt: skip
    """Store an answer, screen it and, unless held, write it as a questionnaire.

    A form sent again (back and resubmit) carries the same nonce and returns
    the first submission: it is never counted twice. In phone-check mode the
    SMS code is checked first, in its own transaction, so that a wrong code
    counts as a try even though the answer is refused. ``setting`` and ``ids``
    (the round's indicator and option ids, in the writer's order) are what the
    public page has just read, if it has; otherwise they are read here.
    """
    setting = setting or online_setting(link.round)
    if setting.mode == Mode.PHONE:
        phone_check_verify(round=link.round, phone=answered.phone, code=answered.code)
    try:
        return _receive(link, answered, setting, ids)
    except IntegrityError:  # the same form sent twice at the same moment, where no lock queued them (SQLite)
        earlier = Submission.objects.filter(nonce=answered.nonce).first()
        if earlier is None:
            raise
        return earlier


@transaction.atomic
def _receive(link: SurveyLink, answered: Answered, setting: OnlineSetting, ids) -> Submission:
    now = timezone.now()
    hashed = address_hash(answered.address)
    # The form's nonce is one of the identities: two sends of one form queue, and the second finds the first.
    _one_at_a_time(link.round_id, nonce=answered.nonce, device=answered.device, phone=answered.phone, address=hashed)
    # The round is read again, here, with the counts: not locked, as answers to one round arrive many at once,
    # and the writer refuses them once the round is closed.
    earlier = earlier_answers(round=link.round, unit_id=link.unit_id, now=now, nonce=answered.nonce,
                              address_hash=hashed, device=answered.device, phone=answered.phone)  # fmt: skip
    if earlier.resent:
        return Submission.objects.get(nonce=answered.nonce)
    round = earlier.round
    if period_state(round) != PeriodState.OPEN:
        raise Refused(_("This survey is not open."), status=403)
    identity, respondent_type, phone = _identify(setting, link, answered, earlier, now)
    if setting.stop_when_full and _unit_is_full(setting, link.unit_id, respondent_type):
        raise Refused(_("This unit has all the answers it needs. Thank you for your willingness to help!"))
    # In open mode a device that answered before was refused above: screening need not look again.
    device = "" if setting.mode == Mode.OPEN else answered.device
    flags = hold_flags(
        Arrival(round=round, unit_id=link.unit_id, started_at=answered.started_at, submitted_at=now,
                address_hash=hashed, phone=phone, device=device, earlier=earlier)
    )  # fmt: skip
    submission = Submission(
        round=round, unit_id=link.unit_id, started_at=answered.started_at, submitted_at=now, address_hash=hashed,
        user_agent=answered.user_agent[:300], mode=setting.mode, identity=identity, device=answered.device,
        nonce=answered.nonce, respondent_type=respondent_type, phone=phone,
        answers={str(i): o for i, o in answered.answers.items()}, opinion=answered.opinion,
        status=Status.HELD if flags else Status.ACCEPTED, flags=",".join(flags),
    )  # fmt: skip
    if submission.status == Status.ACCEPTED:
        _write(submission, round, user=None, ids=ids)  # first, so that the submission is inserted with its link
    submission.save()
    return submission


def _one_at_a_time(round_id: int, **identities: str) -> None:
    """Queue this answer behind any other of the same form, device, phone or address in the round, until it commits.

    The rules "already answered" and "repeated" read earlier submissions, then
    this one is inserted: without the lock, two answers sent at the same
    moment from one phone both find nothing and both count. A transaction
    advisory lock per identity (a hash: a collision only makes two strangers
    wait for each other) serialises just those answers; answers from other
    respondents, the usual case, never wait. Keys are taken in a fixed order
    so that two answers sharing two identities cannot deadlock. SQLite
    serialises every writer anyway.
    """
    if connection.vendor != "postgresql":
        return
    keys = sorted({_lock_key(f"{round_id}:{kind}:{value}") for kind, value in identities.items() if value})
    if keys:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(["pg_advisory_xact_lock(%s)"] * len(keys)), keys)


def _lock_key(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


def _identify(
    setting: OnlineSetting, link: SurveyLink, answered: Answered, earlier: Earlier, now
) -> tuple[str, str, str]:
    """Who answers, as the mode knows it: (identity, respondent type, phone); Refused if the mode says no."""
    if setting.mode == Mode.INVITATION:
        invitation = _use_invitation(link, answered.code, now)
        # The listed phone stays on the list: only a phone the respondent gives with its consent goes with the answer.
        return invitation.code, invitation.respondent_type, answered.phone
    if setting.mode == Mode.PHONE:  # the code was checked by submission_receive
        if earlier.phone_checked:
            raise Refused(_("This phone number has already answered this survey."))
        return answered.phone, answered.respondent_type, answered.phone
    if answered.device and earlier.device:
        raise Refused(_("This device has already answered this survey. Thank you!"))
    if earlier.address_hour >= setting.address_hourly_limit:
        raise Refused(_("Too many answers from this network in the last hour. Please try again later."), status=429)
    return answered.device, answered.respondent_type, answered.phone


def unit_targets(setting: OnlineSetting, unit_ids: list[int]) -> dict[int, int]:
    """Each unit's sample target: its own if one was set, else the round's target per unit."""
    own = UnitTarget.objects.filter(round_id=setting.round_id, unit_id__in=unit_ids)
    return dict.fromkeys(unit_ids, setting.sample_target) | dict(own.values_list("unit_id", "sample_target"))


def unit_quotas(setting: OnlineSetting, unit_ids: list[int]) -> dict[int, dict[str, int]]:
    """Each unit's quotas: its own if it has a target with quotas, else the round's."""
    own = UnitTarget.objects.filter(round_id=setting.round_id, unit_id__in=unit_ids).exclude(quotas="")
    return dict.fromkeys(unit_ids, parse_quotas(setting.quotas)) | {
        unit_id: parse_quotas(text) for unit_id, text in own.values_list("unit_id", "quotas")
    }


def _unit_is_full(setting: OnlineSetting, unit_id: int, respondent_type: str) -> bool:
    """The unit's questionnaires (every channel) against its sample target and the type's quota."""
    counted = Questionnaire.objects.filter(round_id=setting.round_id, unit_id=unit_id)
    return is_full(
        sample_target=unit_targets(setting, [unit_id])[unit_id], quotas=unit_quotas(setting, [unit_id])[unit_id],
        total=counted.count(), of_type=counted.filter(respondent_type=respondent_type).count(),
        respondent_type=respondent_type,
    )  # fmt: skip


def _use_invitation(link: SurveyLink, code: str, now) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .filter(round_id=link.round_id, unit_id=link.unit_id, code=code.strip().upper())
        .first()
    )
    if invitation is None:
        raise Refused(_("This invitation code is not known for this unit."), status=403)
    if invitation.used_at is not None:
        raise Refused(_("This invitation code has already been used."))
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    return invitation


def _write(submission: Submission, round: Round, user, ids: tuple[list[int], list[int]] | None = None) -> None:
    """The submission as a questionnaire, through the one writer of results; the caller saves the submission."""
    rows = QuestionnaireRows.single(
        *(ids or round_ids(round)), unit_id=submission.unit_id, respondent_type=submission.respondent_type,
        channel=Channel.ONLINE, date=timezone.localdate(submission.submitted_at), number="", phone=submission.phone,
        answers=submission.answer_map(),
    )  # fmt: skip
    (submission.questionnaire_id_ref,) = questionnaires_add(round=round, rows=rows, user=user, source="online").tolist()


# ---------------------------------------------------------------- review of held answers


@transaction.atomic
def submissions_review(*, round: Round, ids: list[int], accept: bool, reason: str, user) -> int:
    """Accept (written as questionnaires, by ``user``) or reject held answers; returns how many were decided.

    The caller has limited ``ids`` to the units where the user may enter results.
    """
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the decision.")})
    round = Round.objects.select_for_update().get(pk=round.pk)
    held = list(Submission.objects.select_for_update().filter(round=round, pk__in=ids, status=Status.HELD))
    now = timezone.now()
    for submission in held:
        submission.status = Status.ACCEPTED if accept else Status.REJECTED
        submission.reason, submission.reviewed_by, submission.reviewed_at = reason.strip()[:300], user, now
        if accept:
            _write(submission, round, user=user)
        submission.save(update_fields=["status", "reason", "reviewed_by", "reviewed_at", "questionnaire_id_ref"])
    return len(held)


# ---------------------------------------------------------------- opinions into the ledger


@transaction.atomic
def opinion_to_concern(*, submission: Submission, category: CategoryOfConcern, user) -> Concern:
    """A ledger concern from an accepted answer's opinion (once); the respondent stays anonymous in it."""
    submission = Submission.objects.select_for_update().select_related("unit").get(pk=submission.pk)
    if submission.concern_id_ref is not None or submission.status != Status.ACCEPTED or not submission.opinion:
        raise ValidationError(_("This opinion cannot be made into a concern (again)."))
    data = ConcernData(
        unit=submission.unit, source=Source.SURVEY_COMMENT, category=category, text=submission.opinion,
        received_on=timezone.localdate(submission.submitted_at), detail={"online_answer": submission.pk},
    )  # fmt: skip
    concern = concern_create(data=data, by=user)
    submission.concern_id_ref = concern.pk
    submission.save(update_fields=["concern_id_ref"])
    return concern


# ---------------------------------------------------------------- phone check


def _code_hash(round: Round, phone: str, code: str) -> str:
    return hashlib.sha256(f"{round.pk}:{phone}:{code}".encode()).hexdigest()


def phone_check_send(*, round: Round, phone: str, address: str) -> None:
    """Send a 6-digit code to the phone for this round: one a minute per phone, a few an hour per address."""
    now, hashed = timezone.now(), address_hash(address)
    sent = PhoneCheck.objects.filter(round=round)
    if sent.filter(phone=phone, sent_at__gte=now - datetime.timedelta(minutes=1)).exists():
        raise Refused(_("A code was sent less than a minute ago. Please wait."), status=429)
    if sent.filter(address_hash=hashed, sent_at__gte=now - datetime.timedelta(hours=1)).count() >= PHONE_CODES_PER_HOUR:
        raise Refused(_("Too many codes were asked for from this network. Please try again later."), status=429)
    code = f"{secrets.randbelow(1_000_000):06d}"
    PhoneCheck.objects.create(round=round, phone=phone, code_hash=_code_hash(round, phone, code), address_hash=hashed)
    sms_send(phone, _("Your code for “%(round)s”: %(code)s") % {"round": round.name, "code": code})


def phone_check_verify(*, round: Round, phone: str, code: str) -> None:
    """Refused unless ``code`` is the latest code sent to ``phone`` in the last minutes (a few tries only)."""
    since = timezone.now() - datetime.timedelta(minutes=PHONE_CODE_MINUTES)
    check = PhoneCheck.objects.filter(round=round, phone=phone, sent_at__gte=since).order_by("-sent_at").first()
    if check is None or check.attempts >= PHONE_CODE_ATTEMPTS:
        raise Refused(_("Ask for a code sent to your phone first."), status=403)
    if not secrets.compare_digest(check.code_hash, _code_hash(round, phone, code.strip())):
        PhoneCheck.objects.filter(pk=check.pk).update(attempts=check.attempts + 1)
        raise Refused(_("The code is not correct."), status=403)


# ---------------------------------------------------------------- settings and invitations


@transaction.atomic
def online_setting_save(*, setting: OnlineSetting) -> OnlineSetting:
    if setting.mode != Mode.INVITATION and not setting.respondent_type_choices():
        raise ValidationError({"respondent_types": _("Choose at least one respondent type.")})
    setting.save()
    return setting


@dataclass(frozen=True)
class Target:
    """A unit's own goal: its sample target and, optionally, its quotas (None: the round's quotas)."""

    sample_target: int
    quotas: dict[str, int] | None = None  # respondent type -> percent of the sample target


def quotas_text(quotas: dict[str, int] | None) -> str:
    return ",".join(f"{kind}:{share}" for kind, share in (quotas or {}).items())


@transaction.atomic
def unit_targets_set(*, round: Round, targets: dict[int, "Target | int"], user) -> int:
    """Set units' own sample targets and quotas (unit id -> Target, or a bare target); all or nothing.

    Only participating units of the round that ``user`` administers; any other
    unit, a negative target or quotas that are not shares of 1-100 % adding up
    to at most 100 % refuse everything (ValidationError naming them).
    """
    targets = {unit_id: t if isinstance(t, Target) else Target(sample_target=t) for unit_id, t in targets.items()}
    allowed = set(round_units(round, user, Action.MANAGE).filter(pk__in=list(targets)).values_list("pk", flat=True))
    outside = Unit.objects.filter(pk__in=set(targets) - allowed).order_by("code").values_list("code", flat=True)
    if set(targets) - allowed:
        codes = "、".join(outside) or ", ".join(str(pk) for pk in sorted(set(targets) - allowed))
        raise ValidationError(_("You may not set targets of these units in this round: %(units)s.") % {"units": codes})
    for target in targets.values():
        if target.sample_target < 0:
            raise ValidationError({"sample_target": _("Enter a whole number of 0 or more.")})
        try:
            parse_quotas(quotas_text(target.quotas))
        except ValueError as error:
            raise ValidationError({"quotas": str(error)}) from None
    UnitTarget.objects.bulk_create(
        [UnitTarget(round=round, unit_id=unit_id, sample_target=t.sample_target, quotas=quotas_text(t.quotas))
         for unit_id, t in targets.items()],
        update_conflicts=True, unique_fields=["round", "unit"], update_fields=["sample_target", "quotas"],
    )  # fmt: skip
    return len(targets)


@dataclass(frozen=True)
class Invitee:
    unit: Unit
    name: str
    phone: str
    respondent_type: str


@transaction.atomic
def invitations_add(*, round: Round, invitees: list[Invitee]) -> int:
    """Give each invitee a single-use code; all or nothing."""
    Invitation.objects.bulk_create(
        Invitation(round=round, unit=i.unit, name=i.name, phone=i.phone, respondent_type=i.respondent_type)
        for i in invitees
    )
    return len(invitees)
