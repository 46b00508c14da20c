"""Phones leaving Manyi in a workbook: shown by the one phone rule, and logged when any is whole."""

from units.models import PhoneExport, Unit
from units.permissions import mask_phone, may_see_phone


class PhonesShown:
    """The phones of one export as ``user`` may read them; ``log()`` at the end records the whole ones.

    ``export`` names the workbook (its kind in ``spreadsheets.writing``), ``unit`` its scope.
    """

    def __init__(self, user, export: str, unit: Unit | None) -> None:
        self.user, self.export, self.unit = user, export, unit
        self.whole = 0

    def __call__(self, unit: Unit | None, phone: str) -> str:
        if not phone:
            return ""
        if may_see_phone(self.user, unit):
            self.whole += 1
            return phone
        return mask_phone(phone)

    def log(self) -> None:
        if self.whole and self.user.is_authenticated:
            PhoneExport.objects.create(user=self.user, export=self.export, unit=self.unit, phones=self.whole)
