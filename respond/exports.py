"""The live progress of a round as a workbook, in the user's subtree."""

from typing import IO

from django.utils.translation import gettext as _

from respond.progress import ProgressRow
from spreadsheets.writing import Book, workbook_kind
from surveys.models import Round


@workbook_kind("progress")
def export_progress(out: IO[bytes], *, round: Round, rows: list[ProgressRow], columns: list[str]) -> None:
    """One row per unit as the round page shows it (``columns``: the breakdown of ``rows[i].cells``)."""
    headers = [_("Unit code"), _("Unit"), _("Today"), _("Total"), _("Held"), _("Target"), *columns]
    book = Book(out)
    sheet = book.list_sheet(_("Progress"), headers, title=f"{round.name} · {_('Progress')}")
    for row in rows:
        sheet.append([row.unit.code, row.unit.name, row.today, row.total, row.held, row.target or None, *row.cells])
    book.close()
