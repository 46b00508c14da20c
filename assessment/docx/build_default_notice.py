"""Build ``default_notice.docx``, the default template of the 通报 (run: ``python assessment/docx/build_default_notice.py``).

A docxtpl template in the style of an official notice (GB/T 9704): A4, the
body in 仿宋 三号 (16 pt), headings in 黑体, the title in 二号 (22 pt), the
issuing office and date at the bottom right, page numbers in the footer. The
placeholders are those of ``assessment.notice.notice_context`` (README, "The
ranking notice"); an administrator's own template uses the same ones.
"""

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

OUT = Path(__file__).with_name("default_notice.docx")
BODY_FONT, HEADING_FONT = "仿宋", "黑体"
BODY_SIZE, TITLE_SIZE, TABLE_SIZE = Pt(16), Pt(22), Pt(12)


def _font(run, name: str, size, bold: bool = False, colour: RGBColor | None = None) -> None:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)  # Chinese text takes the East Asian font, not ``font.name``


def _paragraph(doc, text: str, *, font=BODY_FONT, size=BODY_SIZE, align=None, indent=True, bold=False, colour=None):
    paragraph = doc.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters
    paragraph.paragraph_format.line_spacing = Pt(28)
    _font(paragraph.add_run(text), font, size, bold, colour)
    return paragraph


def _cell(cell, text: str, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run(text), HEADING_FONT if bold else BODY_FONT, TABLE_SIZE, bold)


def _table(doc, headers: list[str], cells: list[str]) -> None:
    """A header row, then a docxtpl row loop over ``rows``."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        _cell(cell, header, bold=True)
    _cell(table.rows[1].cells[0], "{%tr for r in rows %}")
    for cell, text in zip(table.rows[2].cells, cells, strict=True):
        _cell(cell, text)
    _cell(table.rows[3].cells[0], "{%tr endfor %}")


def _page_numbers(section) -> None:
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run("— "), BODY_FONT, Pt(14))
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    _font(paragraph.add_run(" —"), BODY_FONT, Pt(14))


def build(out: Path = OUT) -> Path:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = BODY_FONT, BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    red = RGBColor(0xC0, 0x00, 0x00)
    _paragraph(doc, "{{ office }}", font=HEADING_FONT, size=Pt(26), align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
               colour=red)  # fmt: skip
    _paragraph(doc, "{{ number }}", align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _paragraph(doc, "{{ title }}", font=HEADING_FONT, size=TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _paragraph(doc, "{{ addressee }}", indent=False)
    _paragraph(doc, "{{ opening }}")
    _paragraph(doc, "一、测评排名", font=HEADING_FONT)
    headers = ["名次", "单位", "有效票数", "总体满意率", "较上轮"]
    cells = ["{{ r.rank }}", "{{ r.name }}", "{{ r.valid }}", "{{ r.rate }}", "{{ r.change }}"]
    _paragraph(doc, "{%p if has_scores %}", indent=False)
    _table(doc, [*headers, "考核得分"], [*cells, "{{ r.score }}"])
    _paragraph(doc, "{%p else %}", indent=False)
    _table(doc, headers, cells)
    _paragraph(doc, "{%p endif %}", indent=False)
    _paragraph(doc, "二、有关情况", font=HEADING_FONT)
    _paragraph(doc, "{{ top_three_text }}")
    _paragraph(doc, "{{ below_target_text }}")
    _paragraph(doc, "{{ fell_most_text }}")
    _paragraph(doc, "{{ closing }}")
    _paragraph(doc, "", indent=False)
    _paragraph(doc, "{{ office }}", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _paragraph(doc, "{{ date }}", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _page_numbers(section)
    doc.save(out)
    return out


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
