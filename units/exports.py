"""Units to Excel in the import format, so that an exported file imports back with nothing changed."""

from pathlib import Path
from typing import IO

from django.utils.translation import gettext as _

from spreadsheets.writing import Book, workbook_kind
from units.imports import HEADERS, kind_label
from units.models import Unit
from units.permissions import Action, scope_paths, units_for


@workbook_kind("units")
def export_units(out: str | Path | IO[bytes], *, user=None, under: Unit | None = None) -> int:
    """Write the units the user may see (all for ``user=None``), optionally one subtree, in the import format.

    The parent of a unit at the top of the user's scope lies outside it, so it is left empty.
    Returns the number of units written.
    """
    units = Unit.objects.all() if user is None else units_for(user, Action.VIEW)
    if under is not None:
        units = units.under(under)
    tops = set(scope_paths(user, Action.VIEW) or []) if user is not None else set()
    book = Book(out)
    sheet = book.list_sheet(_("Units"), HEADERS)
    count = 0
    rows = units.order_by("path").values_list("code", "name", "kind", "parent__code", "order", "path")
    for code, name, kind, parent_code, order, path in rows.iterator(chunk_size=2000):
        sheet.append([code, name, kind_label(kind, name), None if path in tops else parent_code, order])
        count += 1
    book.close()
    return count
