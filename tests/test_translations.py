"""The Chinese and English catalogues are complete, and the committed .mo files match them."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"


def _entries(po: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of every entry but the header."""
    entries = []
    for raw in po.read_text(encoding="utf-8").split("\n\n"):
        block = "\n".join(line for line in raw.splitlines() if not line.startswith("#") or line.startswith("#,"))
        if "msgid" not in block:
            continue
        msgid = "".join(
            re.findall(r'"(.*)"', block.split("msgid", 1)[1].split("msgstr", 1)[0].split("msgid_plural")[0])
        )
        msgstr = "".join(re.findall(r'"(.*)"', block.split("msgstr", 1)[1].split("msgstr[1]")[0]))
        context = re.search(r'^msgctxt "(.*)"', block, re.MULTILINE)
        if msgid:
            # A msgid with a context (pgettext) is catalogued as "context\x04msgid".
            key = f"{context.group(1)}\x04{msgid}" if context else msgid
            entries.append((key, msgstr, "#, fuzzy" in block))
    return entries


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_every_message_is_translated(language):
    entries = _entries(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 500
    assert [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy] == []


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_the_compiled_catalogue_is_up_to_date(language):
    folder = LOCALE / language / "LC_MESSAGES"
    with open(folder / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    translated = {msgid.replace('\\"', '"').replace("\\n", "\n") for msgid, _, _ in _entries(folder / "django.po")}
    missing = [msgid for msgid in translated if msgid not in compiled._catalog and (msgid, 0) not in compiled._catalog]
    assert missing == [], "run `make messages` (or compilemessages) and commit the .mo files"


def test_the_english_catalogue_says_what_the_source_says():
    entries = _entries(LOCALE / "en" / "LC_MESSAGES" / "django.po")
    assert [msgid for msgid, msgstr, _ in entries if msgstr != msgid] == []


def test_the_chinese_copy_writes_taizhang_and_full_width_punctuation():
    entries = _entries(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po")
    assert [msgstr for _, msgstr, _ in entries if "台帐" in msgstr] == []  # 台账, the standard form
    templates = Path(settings.BASE_DIR) / "templates"
    assert [str(p) for p in templates.rglob("*.html") if "台帐" in p.read_text(encoding="utf-8")] == []
    # An ASCII colon or comma between Chinese characters (a format such as "家长:60,学生:20" is typed input).
    cjk = "[\u4e00-\u9fff]"
    ascii_between = re.compile(f"{cjk}[:,()]|[:,()]{cjk}")
    assert [m for _, m, _ in entries if ascii_between.search(m) and "家长:60" not in m] == []
