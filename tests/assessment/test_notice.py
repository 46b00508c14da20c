"""The ranking notice (通报): the Word document opened with python-docx, its text, table and layout."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from docx import Document

from assessment.docx.build_default_notice import build
from assessment.models import NoticeJob
from assessment.notice import notice_purge, notice_template_set, notice_write
from assessment.services import result_publish, scheme_create
from tests.reports.helpers import link
from units.models import Unit

pytestmark = pytest.mark.django_db


def _texts(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.text.strip()]


def _table(document) -> list[list[str]]:
    (table,) = document.tables
    return [[cell.text for cell in row.cells] for row in table.rows]


@pytest.fixture
def notice(round, assessed, tmp_path):
    def write(**options):
        out = tmp_path / "notice.docx"
        call_command("ranking_notice", round.code, scope="C", level="school", out=str(out), **options)
        return Document(str(out))

    return write


def test_the_notice_names_every_unit_and_its_rank(notice):
    document = notice(number="教督〔2026〕3号", office="示范市教育局")
    texts = _texts(document)
    assert not [t for t in texts if "{" in t or "}" in t]  # every placeholder and tag filled
    assert "关于R2026 满意度调查示范市各学校测评结果的通报" in texts
    assert "教督〔2026〕3号" in texts
    assert texts.count("示范市教育局") == 2  # the heading and the signature
    assert _table(document) == [
        ["名次", "单位", "有效票数", "总体满意率", "较上轮"],
        ["1", "一区第一小学", "100", "95.00%", "—"],
        ["2", "一区第二小学", "100", "90.00%", "—"],
        ["3", "二区第一小学", "100", "85.00%", "—"],
        ["4", "一区第三小学", "100", "80.00%", "—"],
    ]
    opening = next(t for t in texts if t.startswith("R2026"))
    assert "所属4个学校" in opening and "有效票400票" in opening and "总体满意率为87.50%" in opening
    assert "较上轮" not in opening  # no previous round
    assert "一区第一小学、一区第二小学、二区第一小学位列前三名，予以通报表扬。" in texts
    assert any(t.startswith("二区第一小学、一区第三小学总体满意率未达到90.00%的目标，不得评先评优") for t in texts)


def test_the_notice_gives_the_change_and_those_that_fell_most(round, earlier_round, give, schools, notice):
    link(round, earlier_round)
    for unit, satisfied in (("s1", 90), ("s2", 90), ("s3", 95), ("s4", 70)):
        give(schools[unit], satisfied, 0, 100 - satisfied, round=earlier_round)
    document = notice()
    texts = _texts(document)
    opening = next(t for t in texts if t.startswith("R2026"))
    assert "较上轮提高1.25个百分点" in opening  # 87.50 % against 86.25 %
    table = _table(document)
    assert table[1][4] == "+5.00" and table[2][4] == "-5.00"
    assert "较上轮下降较多的有：二区第一小学（下降5.00个百分点）、一区第二小学（下降5.00个百分点）。" in texts


def test_with_a_scheme_the_table_gives_the_assessment_score(round, assessed, tmp_path):
    scope = Unit.objects.get(code="C")
    scheme = scheme_create(
        name="考核", scope=scope, level="school", rounds=[round], components=[{"kind": "rate"}], by=None
    )
    result_publish(scheme=scheme, round=round, by=None)
    out = io.BytesIO()
    notice_write(round, scope, "school", out)
    table = _table(Document(io.BytesIO(out.getvalue())))
    assert table[0][-1] == "考核得分"
    assert [row[-1] for row in table[1:]] == ["5.00", "5.00", "4.72", "4.44"]


def test_the_notice_is_a4_in_official_fonts_with_page_numbers(notice):
    document = notice()
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    xml = document.element.xml + section.footer._element.xml
    assert 'w:eastAsia="仿宋"' in document.styles.element.xml
    assert 'w:eastAsia="黑体"' in xml
    assert 'w:instr="PAGE"' in section.footer._element.xml


def test_the_command_names_what_is_wrong(round, tmp_path):
    out = str(tmp_path / "n.docx")
    with pytest.raises(CommandError, match="NOPE"):
        call_command("ranking_notice", "NOPE", scope="C", level="school", out=out)
    with pytest.raises(CommandError, match="XX"):
        call_command("ranking_notice", round.code, scope="XX", level="school", out=out)
    with pytest.raises(CommandError, match="village"):
        call_command("ranking_notice", round.code, scope="C", level="village", out=out)
    with pytest.raises(CommandError, match=".docx"):
        call_command("ranking_notice", round.code, scope="C", level="school", out=str(tmp_path / "n.txt"))


def _own_template(tmp_path) -> bytes:
    document = Document()
    document.add_paragraph("{{ office }}：{{ title }}")
    document.add_paragraph("{% for r in rows %}{{ r.rank }}={{ r.name }};{% endfor %}")
    path = tmp_path / "own.docx"
    document.save(path)
    return path.read_bytes()


def test_a_scope_may_use_its_own_template(round, assessed, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    scope = Unit.objects.get(code="C")
    notice_template_set(
        scope=scope, upload=SimpleUploadedFile("own.docx", _own_template(tmp_path)), office="督导室", by=None
    )
    out = io.BytesIO()
    notice_write(round, scope, "school", out)
    texts = _texts(Document(io.BytesIO(out.getvalue())))
    assert texts[0] == "督导室：关于R2026 满意度调查示范市各学校测评结果的通报"
    assert texts[1] == "1=一区第一小学;2=一区第二小学;3=二区第一小学;4=一区第三小学;"


@pytest.mark.parametrize("content", [b"not a zip", None])
def test_a_template_that_cannot_be_filled_is_refused(round, tmp_path, content):
    if content is None:
        document = Document()
        document.add_paragraph("{% for r in rows %}{{ r.rank }")  # an unclosed tag
        buffer = io.BytesIO()
        document.save(buffer)
        content = buffer.getvalue()
    with pytest.raises(ValueError, match="无法填写此 Word 模板"):
        notice_template_set(
            scope=Unit.objects.get(code="C"), upload=SimpleUploadedFile("t.docx", content), office="", by=None
        )


def test_the_default_template_can_be_rebuilt(tmp_path):
    document = Document(str(build(tmp_path / "default.docx")))
    assert "{{ title }}" in _texts(document)
    assert len(document.tables) == 2  # with and without the assessment score


def test_old_notices_are_purged(round, users):
    old = NoticeJob.objects.create(user=users["admin"], round=round, scope=Unit.objects.get(code="D1"), level="school")
    NoticeJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=365))
    fresh = NoticeJob.objects.create(
        user=users["admin"], round=round, scope=Unit.objects.get(code="D1"), level="school"
    )
    assert notice_purge() == 1
    assert list(NoticeJob.objects.values_list("pk", flat=True)) == [fresh.pk]
