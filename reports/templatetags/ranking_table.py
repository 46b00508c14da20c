"""The rows of the ranking table, printed in Python.

A ranking of 1,000 peers has some 20,000 cells. Through the template engine
they cost several times what the figures themselves cost; printed here from
the strings that ``reports.ranking`` already made, they cost a few
milliseconds (docs/performance.md, "Rankings and reports"). Names and codes
are escaped (``html.escape``: what Django's ``escape`` does, without its lazy
wrapper), URLs are percent-encoded; every other value is a number or a fixed string.
"""

from html import escape
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.plain_words import votes_sentence
from reports.ranking import Ranking, RankingPage, Row

register = template.Library()


class _Printer:
    def __init__(self, ranking: Ranking, marked: int | None = None) -> None:
        self.marked = marked
        placeholder = "__unit__"
        base = reverse("reports:unit", args=[ranking.round.code, placeholder])
        self.url_head, self.url_tail = base.split(placeholder)
        self.url_query = f"?scope={quote(ranking.scope.code)}"
        self.low = escape(
            _("Fewer than %(n)s valid votes: the rate is uncertain.") % {"n": ranking.round.min_valid_votes}
        )
        self.low_label = escape(_("few votes"))
        self.close_label = escape(_("not clearly different from the unit above"))
        self.close = escape(
            _("Not clearly different from the unit above: their %(confidence)s intervals overlap.")
            % {"confidence": "95 %"}
        )
        self.met = f'<span class="text-success" title="{escape(_("Target rate met"))}">✓</span>'
        self.missed = f'<span class="text-danger" title="{escape(_("Target rate not met"))}">✗</span>'
        self.sort_column = ranking.sort_column
        self.planned = ranking.planned
        self.below_label = escape(_("below plan"))
        self.below = escape(_("Fewer questionnaires than the sample plan's n: the margin is wider than planned."))
        self.doubtful_label = escape(_("Data doubtful"))
        self.doubtful = _("Discrepancy rate of the call-backs %(rate)s %%, above the plan's limit.")

    def _margin_title(self, row: Row, cell) -> str:
        """An indicator's margin at the sample achieved, as the cell's title (the table has one margin column)."""
        if not self.planned or row.sample is None or cell.hundredths is None:  # no rate, no margin beside it
            return ""
        margin = row.sample.margin(cell.rate)
        return "" if margin is None else f' title="±{margin}"'

    def row(self, row: Row) -> str:
        unit, overall, counts, needed = row.unit, row.overall, row.overall.counts, row.votes_needed
        url = f"{self.url_head}{quote(unit.code)}{self.url_tail}{self.url_query}"
        badges = ""
        if row.low_votes:
            badges += f' <span class="badge text-bg-warning" title="{self.low}">{self.low_label}</span>'
        if row.not_clearly_different:
            badges += (
                f' <span class="badge text-bg-light border fw-normal" title="{self.close}">{self.close_label}</span>'
            )
        if row.below_plan:
            badges += f' <span class="badge text-bg-warning" title="{self.below}">{self.below_label}</span>'
        if row.doubtful is not None:
            title = escape(self.doubtful % {"rate": row.doubtful})
            badges += f' <span class="badge text-bg-danger" title="{title}">{self.doubtful_label}</span>'
        margin = f'<td class="num small">{row.margin_text}</td>' if self.planned else ""
        target = "" if row.target_met is None else (self.met if row.target_met else self.missed)
        votes = escape(votes_sentence(needed))
        cells = "".join(
            f'<td class="num{" sorted" if n == self.sort_column else ""}"{self._margin_title(row, cell)}'
            f' style="background:{cell.colour}">{cell.text}</td>'
            if cell.colour
            else f'<td class="num"{self._margin_title(row, cell)}>{cell.text}</td>'
            for n, cell in enumerate(row.indicators, start=1)
        )
        if unit.id == self.marked:  # the row of the unit asked for (``unit=CODE``)
            opening = f'<tr id="marked-row" class="table-info{" rank-line" if row.line_below else ""}">'
        else:
            opening = '<tr class="rank-line">' if row.line_below else "<tr>"
        # Name and rate first, then the indicators: on a phone and at 1366 px they are what is read first.
        return (
            f"{opening}"
            f'<td class="num">{"" if row.sort_rank is None else row.sort_rank}</td>'
            f'<td class="unit-cell"><a href="{url}">{escape(unit.name)}</a> '
            f'<small class="text-muted">{escape(unit.code)}</small>{badges}</td>'
            f'<td class="num fw-semibold{" sorted" if self.sort_column == 0 else ""}">{overall.text}</td>'
            f"{margin}{cells}"
            f'<td class="num">{counts.valid}</td><td class="num">{counts.satisfied}</td>'
            f'<td class="num">{counts.basic}</td><td class="num">{counts.dissatisfied}</td>'
            f'<td class="num">{counts.excluded}</td>'
            f'<td class="num small text-muted">{overall.interval_text}</td>'
            f'<td class="text-center">{target}</td><td class="small votes-cell">{votes}</td>'
            f'<td class="num">{row.rate_change_text}</td><td class="num">{row.rank_change_text}</td>'
            "</tr>"
        )


@register.simple_tag
def ranking_rows(ranking: Ranking, page: RankingPage | None = None) -> SafeString:
    """The rows of ``page`` (default: every row), the row of the unit asked for marked."""
    printer = _Printer(ranking, page.marked if page else None)
    rows = page.rows if page else ranking.rows
    return mark_safe("\n".join(printer.row(row) for row in rows))  # names and codes escaped in row()
