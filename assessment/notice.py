"""The ranking notice (通报): a Word document filled from a docxtpl template, and the jobs that build it.

The notice is an official Chinese document, so its words are Chinese whatever
the language of the interface. Its figures are those of the ranking
(``reports.ranking.ranking_for``) and, when a scheme applies to the round,
the assessment (the published result, else computed now).
"""

import datetime
import io
import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from docxtpl import DocxTemplate

from assessment.models import NoticeJob, NoticeTemplate
from assessment.services import assessment_compute, latest_result, published_assessment, scheme_for
from config.celery import send_job_after_commit
from reports.models import ReportStatus, keep_cutoff
from reports.ranking import Figure, Ranking, hundredths_text, ranking_for
from surveys.engine import points_units
from surveys.models import Round
from units.models import Unit, UnitKind
from units.paths import ids_of
from units.permissions import Action, can

logger = logging.getLogger(__name__)
DEFAULT_TEMPLATE = Path(__file__).parent / "docx" / "default_notice.docx"
FELL_MOST = 3  # the notice names at most this many units whose rate fell most
LEVEL_WORDS = {
    UnitKind.CITY: "市",
    UnitKind.DISTRICT: "区（县）",
    UnitKind.BUREAU: "局",
    UnitKind.TOWN: "镇（乡）",
    UnitKind.VILLAGE: "村（居）",
    UnitKind.SCHOOL: "学校",
    UnitKind.KINDERGARTEN: "幼儿园",
    UnitKind.DEPARTMENT: "科室",
}


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _pooled(rows, previous: bool = False) -> Figure | None:
    votes = [0, 0, 0, 0]
    for row in rows:
        figure = row.previous if previous else row.overall
        if figure is None:
            continue
        votes = [a + b for a, b in zip(votes, figure.votes, strict=True)]
    return Figure.of(votes) if any(votes) else None


def _scores(round: Round, ranking: Ranking) -> dict[int, str] | None:
    """Each unit's assessment total when a scheme applies to the round (published if it was), else None."""
    scheme = scheme_for(round, Unit.objects.get(pk=ranking.scope.id), ranking.level)
    if scheme is None:
        return None
    result = latest_result(scheme, round)
    if result is not None:
        assessment = published_assessment(result)
    else:
        assessment = assessment_compute(round=round, scope_code=ranking.scope.code, level=ranking.level, scheme=scheme)
    return {row.unit_id: str(row.total) for row in assessment.rows}


def notice_context(
    round: Round, scope_code: str, level: str, *, office: str = "", number: str = "", day: datetime.date | None = None
) -> dict:
    """Every placeholder of the template (README, "The ranking notice"); a ValueError names a bad scope or level."""
    ranking = ranking_for(round, scope_code, level)
    day = day or timezone.localdate()
    scores = _scores(round, ranking)
    word = LEVEL_WORDS.get(level, str(UnitKind(level).label) if level in UnitKind.values else level)
    rows = [
        {
            "rank": row.overall.rank if row.overall.rank is not None else "—",
            "name": row.unit.name,
            "code": row.unit.code,
            "valid": row.overall.valid,
            "rate": f"{row.overall.text}%" if row.overall.hundredths is not None else "—",
            "change": row.rate_change_text or "—",
            "score": scores.get(row.unit.id, "—") if scores is not None else "",
            "below_target": row.target_met is False,
        }
        for row in ranking.rows
    ]
    now, before = _pooled(ranking.rows), _pooled(ranking.rows, previous=True)
    title = f"关于{round.name}{ranking.scope.name}各{word}测评结果的通报"
    context = {
        "title": title,
        "number": number or f"〔{day.year}〕  号",
        "office": office,
        "addressee": f"{ranking.scope.name}各{word}：",
        "date": chinese_date(day),
        "round": round.name,
        "scope": ranking.scope.name,
        "level": word,
        "units": len(rows),
        "ranked": ranking.ranked,
        "valid_votes": sum(row.overall.valid for row in ranking.rows),
        "rate": f"{now.text}%" if now else "—",
        "change": "",
        "target_rate": "" if round.target_rate is None else f"{round.target_rate}%",
        "has_scores": scores is not None,
        "rows": rows,
    }
    if now and before:
        change = points_units(now.positive, now.valid, before.positive, before.valid)
        context["change"] = ("提高" if change >= 0 else "下降") + f"{hundredths_text(abs(change))}个百分点"
    context |= _paragraphs(context, ranking)
    return context


def _paragraphs(context: dict, ranking: Ranking) -> dict:
    c = context
    opening = f"{c['round']}测评工作已经结束。本次测评{c['scope']}所属{c['units']}个{c['level']}，共收回有效票{c['valid_votes']}票，总体满意率为{c['rate']}"
    opening += f"，较上轮{c['change']}。" if c["change"] else "。"
    opening += "现将测评结果通报如下："
    top = [row.unit.name for row in ranking.rows if row.overall.rank is not None and row.overall.rank <= 3]
    top_text = f"{'、'.join(top)}位列前三名，予以通报表扬。" if top else "本次测评无单位取得有效排名。"
    below = [row.unit.name for row in ranking.rows if row.target_met is False]
    if ranking.round.target_rate is None:
        below_text = ""
    elif below:
        below_text = (
            f"{'、'.join(below)}总体满意率未达到{c['target_rate']}的目标，不得评先评优，请认真查找原因，限期整改。"
        )
    else:
        below_text = f"各{c['level']}总体满意率均达到{c['target_rate']}的目标。"
    fell = sorted((row for row in ranking.rows if row.rate_change is not None and row.rate_change < 0),
                  key=lambda row: (row.rate_change, row.unit.code))[:FELL_MOST]  # fmt: skip
    fell_text = (
        "较上轮下降较多的有：" + "、".join(f"{row.unit.name}（下降{-row.rate_change}个百分点）" for row in fell) + "。"
        if fell
        else ""
    )
    closing = "希望各单位对照测评结果，巩固成绩，补齐短板，切实提高群众满意度。"
    return {
        "opening": opening,
        "top_three": top,
        "top_three_text": top_text,
        "below_target": below,
        "below_target_text": below_text,
        "fell_most": [row.unit.name for row in fell],
        "fell_most_text": fell_text,
        "closing": closing,
    }


def template_for(scope: Unit) -> tuple[Path | str, str]:
    """The template file (the scope's own, else the nearest above it, else the default) and its issuing office."""
    own = {t.scope_id: t for t in NoticeTemplate.objects.filter(scope_id__in=_lineage(scope))}
    for pk in reversed(_lineage(scope)):
        if pk in own:
            return own[pk].file.path, own[pk].office
    return DEFAULT_TEMPLATE, ""


def _lineage(scope: Unit) -> list[int]:
    return ids_of(scope.path)


def notice_write(round: Round, scope: Unit, level: str, out, *, office: str = "", number: str = "") -> dict:
    """Fill the scope's template and save the document to ``out`` (a path or a binary file); returns the context."""
    template_file, template_office = template_for(scope)
    context = notice_context(round, scope.code, level, office=office or template_office or scope.name, number=number)
    document = DocxTemplate(template_file)
    document.render(context)
    document.save(out)
    return context


def notice_template_of(scope: Unit) -> NoticeTemplate | None:
    return NoticeTemplate.objects.filter(scope=scope).first()


@transaction.atomic
def notice_template_set(*, scope: Unit, upload, office: str, by) -> NoticeTemplate:
    """Keep a scope's own template, once it has been filled with sample figures without an error."""
    content = upload.read()
    _try_template(content)
    template = notice_template_of(scope) or NoticeTemplate(scope=scope)
    if template.file:
        template.file.delete(save=False)
    template.office, template.uploaded_by = office, by
    template.file.save(f"{scope.pk}-{uuid.uuid4().hex[:8]}.docx", ContentFile(content), save=False)
    template.save()
    return template


def _try_template(content: bytes) -> None:
    sample = {
        "title": "关于测评结果的通报", "number": "〔2026〕1号", "office": "办公室", "addressee": "各单位：",
        "date": "2026年1月1日", "round": "测评", "scope": "示范市", "level": "学校", "units": 1, "ranked": 1,
        "valid_votes": 100, "rate": "90.00%", "change": "", "target_rate": "90%", "has_scores": True,
        "rows": [{"rank": 1, "name": "单位", "code": "U1", "valid": 100, "rate": "90.00%", "change": "—",
                  "score": "8.00", "below_target": False}],
        "opening": "", "top_three": ["单位"], "top_three_text": "", "below_target": [], "below_target_text": "",
        "fell_most": [], "fell_most_text": "", "closing": "",
    }  # fmt: skip
    try:
        document = DocxTemplate(io.BytesIO(content))
        document.render(sample)
        document.save(io.BytesIO())
    except Exception as error:  # a broken zip, a bad Jinja tag: the template is refused with the reason
        raise ValueError(_("This Word template cannot be filled: %(error)s") % {"error": error}) from None


@transaction.atomic
def notice_template_remove(*, scope: Unit) -> None:
    template = notice_template_of(scope)
    if template is not None:
        template.file.delete(save=False)
        template.delete()


# ---------------------------------------------------------------- jobs


@transaction.atomic
def notice_job_create(*, user, round: Round, scope: Unit, level: str) -> NoticeJob:
    from assessment.tasks import build_notice

    job = NoticeJob.objects.create(user=user, round=round, scope=scope, level=level)
    send_job_after_commit(build_notice, job.id)
    return job


def notice_job_run(job_id: int) -> NoticeJob:
    """Build the job's document under MEDIA_ROOT/notices/; a failure is recorded on the job, not raised."""
    job = NoticeJob.objects.select_related("round", "scope", "user").get(pk=job_id)
    if job.status == ReportStatus.DONE:
        return job
    _set(job, status=ReportStatus.RUNNING, error="")
    try:
        if not can(job.user, Action.VIEW, job.scope):
            raise PermissionError(_("The scope is no longer within your units."))
        name = f"notices/{job.id}-{uuid.uuid4().hex[:12]}.docx"
        path = Path(settings.MEDIA_ROOT) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        notice_write(job.round, job.scope, job.level, path)
    except Exception as error:
        logger.exception("notice job %s failed", job.id)
        _set(job, status=ReportStatus.FAILED, error=str(error) or error.__class__.__name__, finished_at=timezone.now())
        return job
    job.file.name = name
    _set(job, status=ReportStatus.DONE, file=job.file, finished_at=timezone.now())
    return job


def notice_purge(now: datetime.datetime | None = None) -> int:
    """Delete notice jobs (and their files) older than MANYI_REPORT_KEEP_DAYS, as report jobs are."""
    expired = list(NoticeJob.objects.filter(created_at__lt=keep_cutoff(now)))
    for job in expired:
        if job.file:
            job.file.delete(save=False)
    NoticeJob.objects.filter(pk__in=[job.pk for job in expired]).delete()
    return len(expired)


def _set(job: NoticeJob, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))
