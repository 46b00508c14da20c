"""Checking a whole file against a round before anything is written.

Columns repeat a few values (units, respondent types, channels, dates,
options), so every distinct value of a column is resolved once in Python and
spread back over the rows with numpy: a million rows are checked in seconds.
Every problem is collected; the caller writes only if there is none (all or
nothing).
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from imports.problems import FileRefused, Problem, Problems
from imports.reading import ERROR_COLUMN, Source, cell_text
from surveys.models import Channel, Indicator, Option, Participation, Questionnaire, RespondentType, Round
from surveys.writing import CHANNEL_VALUES, RESPONDENT_VALUES, QuestionnaireRows
from units.models import Unit
from units.permissions import Action, units_for

# Column headers of the files: a data format (the template's Chinese headers), never translated.
NUMBER = "问卷编号"
UNIT_CODE = "单位编码"
UNIT_NAME = "单位名称"
RESPONDENT_TYPE = "受访者类型"
CHANNEL = "渠道"
DATE = "日期"
PHONE = "电话"
INDICATOR = "指标"
QUESTIONNAIRE_COLUMNS = [NUMBER, UNIT_CODE, RESPONDENT_TYPE, CHANNEL, DATE, PHONE]  # then one per indicator
COUNTS_COLUMNS = [UNIT_CODE, INDICATOR]  # then one per option of the scale

# Labels written in the files (Chinese, as on paper forms), besides the English values.
RESPONDENT_LABELS = {
    "家长": RespondentType.PARENT,
    "学生": RespondentType.STUDENT,
    "教师": RespondentType.TEACHER,
    "老师": RespondentType.TEACHER,
    "居民": RespondentType.RESIDENT,
    "群众": RespondentType.RESIDENT,
    "企业": RespondentType.ENTERPRISE,
    "其他": RespondentType.OTHER,
}
CHANNEL_LABELS = {
    "电话": Channel.PHONE,
    "纸质": Channel.PAPER,
    "纸质问卷": Channel.PAPER,
    "网络": Channel.ONLINE,
    "网上": Channel.ONLINE,
    "在线": Channel.ONLINE,
    "走访": Channel.VISIT,
    "入户": Channel.VISIT,
}
NUMBER_CHARS = Questionnaire._meta.get_field("number").max_length
PHONE_CHARS = Questionnaire._meta.get_field("phone").max_length

# Results of resolving a cell; real results are >= 0.
EMPTY, INVALID, OTHER = -1, -2, -3  # OTHER: an ambiguous unit name, or an indicator outside the round
NEGATIVE, NOT_INTEGER = -3, -4

Resolver = Callable[[object, str], int | None]


def _key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


# ---------------------------------------------------------------- what the round accepts


@dataclass
class RoundVocabulary:
    """The round's indicators, options and the units the importing user may enter results for."""

    round: Round
    indicators: list[Indicator]
    options: list[Option]
    unit_by_code: dict[str, int]
    units_by_name: dict[str, list[int]]
    participants: np.ndarray  # sorted unit ids taking part in the round
    indicator_keys: dict[str, Indicator] = field(default_factory=dict)
    other_indicator_keys: set[str] = field(default_factory=set)

    def indicator_for(self, header: str) -> Indicator | None:
        return self.indicator_keys.get(_key(header))

    def option_choices(self) -> str:
        return ", ".join(f"{o.number} {o.name}" for o in self.options)


def round_vocabulary(round: Round, user) -> RoundVocabulary:
    """Read once per import; ``user`` None (the command line without --user) means every unit."""
    scope = Unit.objects.all() if user is None else units_for(user, Action.ENTER)
    unit_by_code, units_by_name = {}, {}
    for unit_id, code, name in scope.values_list("id", "code", "name"):
        unit_by_code[code] = unit_id
        units_by_name.setdefault(_key(name), []).append(unit_id)
    participants = np.array(
        sorted(Participation.objects.filter(round=round).values_list("unit_id", flat=True)), dtype=np.int64
    )
    indicators = round.ordered_indicators()
    vocabulary = RoundVocabulary(
        round=round, indicators=indicators, options=list(Option.objects.filter(scale_id=round.scale_id).order_by("number")),
        unit_by_code=unit_by_code, units_by_name=units_by_name, participants=participants,
    )  # fmt: skip
    for indicator in indicators:
        for text in (indicator.code, indicator.name, indicator.name_en):
            if text:
                vocabulary.indicator_keys[_key(text)] = indicator
    for code, name, name_en in Indicator.objects.exclude(pk__in=[i.pk for i in indicators]).values_list(
        "code", "name", "name_en"
    ):
        vocabulary.other_indicator_keys |= {_key(t) for t in (code, name, name_en) if t}
    return vocabulary


# ---------------------------------------------------------------- resolving columns


def _resolve(column: pd.Series, resolver: Resolver) -> np.ndarray:
    """Each cell's result (an id or code >= 0, EMPTY or INVALID), resolving each distinct value once."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, uniques = column.cat.codes.to_numpy(), column.cat.categories.to_numpy(dtype=object)
    else:
        codes, uniques = pd.factorize(column.to_numpy(dtype=object))
    table = np.empty(len(uniques) + 1, dtype=np.int64)
    table[-1] = EMPTY  # code -1: a missing cell
    for position, value in enumerate(uniques):
        text = cell_text(value)
        result = resolver(value, text) if text else EMPTY
        table[position] = INVALID if result is None else result
    return table[codes]


def _texts(column: pd.Series) -> np.ndarray:
    """The cells as stripped text (numbers, phones: mostly distinct values)."""
    if pd.api.types.infer_dtype(column, skipna=False) == "string":
        return column.str.strip().to_numpy(dtype=object)
    codes, uniques = pd.factorize(column.to_numpy(dtype=object))
    table = np.array([cell_text(v) for v in uniques] + [""], dtype=object)
    return table[codes]


def _lookup(mapping: dict) -> Resolver:
    return lambda value, text: mapping.get(text, mapping.get(_key(text)))


def _unit_by_code(vocabulary: RoundVocabulary) -> Resolver:
    codes = vocabulary.unit_by_code
    return lambda value, text: codes.get(text, codes.get(text.upper()))


def _unit_by_name(vocabulary: RoundVocabulary) -> Resolver:
    participants = set(vocabulary.participants.tolist())

    def resolve(value: object, text: str) -> int | None:
        candidates = vocabulary.units_by_name.get(_key(text), [])
        taking_part = [c for c in candidates if c in participants]
        if len(taking_part) == 1 or len(candidates) == 1:
            return (taking_part or candidates)[0]
        return OTHER if candidates else None

    return resolve


def _coded(values: list[str], labels: dict[str, str]) -> Resolver:
    mapping = {value: position for position, value in enumerate(values)}
    mapping |= {label: values.index(value) for label, value in labels.items()}
    return _lookup(mapping)


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


def _date(value: object, text: str) -> int | None:
    """Days since year 1 (date.toordinal) of a date cell, an Excel serial number, or a written date."""
    if isinstance(value, datetime.datetime):
        return value.date().toordinal()
    if isinstance(value, datetime.date):
        return value.toordinal()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (_EXCEL_EPOCH + datetime.timedelta(days=int(value))).toordinal() if 20000 < value < 80000 else None
    found = _DATE.match(text) or (re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text))
    if not found:
        return None
    try:
        return datetime.date(*(int(part) for part in found.groups())).toordinal()
    except ValueError:
        return None


def _options(vocabulary: RoundVocabulary) -> Resolver:
    """An option's position in the scale (a label, an English label or the option's number)."""
    mapping = {}
    for position, option in enumerate(vocabulary.options):
        mapping[str(option.number)] = position
        mapping[_key(option.name)] = position
        if option.name_en:
            mapping[_key(option.name_en)] = position
    return _lookup(mapping)


def _count(value: object, text: str) -> int:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            return NOT_INTEGER
    if not number.is_integer():
        return NOT_INTEGER
    return NEGATIVE if number < 0 else int(number)


def _report(problems: Problems, mask: np.ndarray, rows: np.ndarray, column: pd.Series | None, reason: str,
            header: str | None, params_for: Callable[[int], dict] | None = None, **params) -> None:  # fmt: skip
    """One problem per row in ``mask``; values are read only for the problems kept."""
    positions = np.flatnonzero(mask)
    if not len(positions):
        return
    kept = positions[: problems.room()]
    values = column.iloc[kept].tolist() if column is not None else [""] * len(kept)
    problems.add_rows(reason, rows[kept], header, values, total=len(positions), params_for=params_for, **params)


# ---------------------------------------------------------------- questionnaires


@dataclass
class _Layout:
    positions: dict[str, int]  # fixed column -> position in the file
    indicators: list[tuple[int, Indicator]]  # (position, indicator) in the round's order
    unnamed: list[int]  # positions of columns without a header


def _layout(headers: list[str], fixed: list[str], vocabulary: RoundVocabulary, *, options: bool) -> _Layout:
    """Where each expected column is; refuses the file on a missing, unknown or repeated column."""
    problems = Problems()
    positions: dict[str, int] = {}
    found: dict[int, int] = {}  # indicator or option id -> position
    option_keys = {}
    for option in vocabulary.options:
        option_keys |= {
            _key(option.name): option,
            str(option.number): option,
            _key(option.name_en or option.name): option,
        }
    for position, header in enumerate(headers):
        if header in ("", ERROR_COLUMN):
            continue
        target = None if header in fixed or header == UNIT_NAME else _target(header, vocabulary, option_keys, options)
        if target is None and (header in fixed or header == UNIT_NAME):
            key, where = header, positions
        elif target is not None:
            key, where = target.id, found
        else:
            not_in_round = not options and _key(header) in vocabulary.other_indicator_keys
            problems.add("indicator_not_in_round" if not_in_round else "unknown_column", 1, header, header)
            continue
        if key in where:
            problems.add("duplicate_column", 1, header, header)
        where[key] = position
    if UNIT_CODE not in positions and UNIT_NAME not in positions:
        problems.add("missing_unit_column", 1, UNIT_CODE)
    for header in fixed:
        if header not in positions and header not in (UNIT_CODE, NUMBER, PHONE):
            problems.add("missing_column", 1, header)
    for target in vocabulary.options if options else vocabulary.indicators:
        if target.id not in found:
            problems.add("missing_column", 1, target.name)
    if problems:
        raise FileRefused(problems)
    targets = vocabulary.options if options else vocabulary.indicators
    unnamed = [p for p, h in enumerate(headers) if h == ""]
    return _Layout(positions, [(found[t.id], t) for t in targets], unnamed)


def _target(header: str, vocabulary: RoundVocabulary, option_keys: dict, options: bool) -> Indicator | Option | None:
    return option_keys.get(_key(header)) if options else vocabulary.indicator_for(header)


def _units(frame: pd.DataFrame, layout: _Layout, vocabulary: RoundVocabulary) -> tuple[np.ndarray, str]:
    if UNIT_CODE in layout.positions:
        return _resolve(frame[layout.positions[UNIT_CODE]], _unit_by_code(vocabulary)), UNIT_CODE
    return _resolve(frame[layout.positions[UNIT_NAME]], _unit_by_name(vocabulary)), UNIT_NAME


def _check_units(problems: Problems, frame, layout, vocabulary, units, header, rows, keep) -> None:
    column = frame[layout.positions[header]]
    _report(problems, keep & (units == EMPTY), rows, column, "required", header)
    _report(problems, keep & (units == INVALID), rows, column, "unknown_unit", header)
    _report(problems, keep & (units == OTHER), rows, column, "ambiguous_unit", header)
    outside = keep & (units >= 0) & ~np.isin(units, vocabulary.participants)
    _report(problems, outside, rows, column, "not_participating", header)


def _unnamed_data(problems: Problems, frame: pd.DataFrame, layout: _Layout, rows: np.ndarray) -> None:
    for position in layout.unnamed:
        filled = _texts(frame[position]) != ""
        _report(problems, filled, rows, frame[position], "unnamed_column", None)


def _questionnaire_chunk(frame: pd.DataFrame, layout: _Layout, vocabulary: RoundVocabulary, problems: Problems) -> dict:
    positions, rows, n = layout.positions, frame.index.to_numpy(dtype=np.int64), len(frame)
    units, unit_header = _units(frame, layout, vocabulary)
    types = _resolve(frame[positions[RESPONDENT_TYPE]], _coded(RESPONDENT_VALUES, RESPONDENT_LABELS))
    channels = _resolve(frame[positions[CHANNEL]], _coded(CHANNEL_VALUES, CHANNEL_LABELS))
    dates = _resolve(frame[positions[DATE]], _date)
    options = _options(vocabulary)
    answers = np.column_stack([_resolve(frame[p], options) for p, _ in layout.indicators])
    blank_text = np.full(n, "", dtype=object)
    numbers = _texts(frame[positions[NUMBER]]) if NUMBER in positions else blank_text
    phones = _texts(frame[positions[PHONE]]) if PHONE in positions else blank_text
    # Rows left blank (Excel often keeps formatted empty rows) are not questionnaires.
    blank = (units == EMPTY) & (types == EMPTY) & (channels == EMPTY) & (dates == EMPTY)
    blank &= (answers == EMPTY).all(axis=1) & (numbers == "") & (phones == "")
    keep = ~blank

    _check_units(problems, frame, layout, vocabulary, units, unit_header, rows, keep)
    for values, header, reason, choices in (
        (types, RESPONDENT_TYPE, "unknown_respondent_type", "、".join(RESPONDENT_LABELS) + ", " + ", ".join(RESPONDENT_VALUES)),
        (channels, CHANNEL, "unknown_channel", "、".join(CHANNEL_LABELS) + ", " + ", ".join(CHANNEL_VALUES)),
    ):  # fmt: skip
        column = frame[positions[header]]
        _report(problems, keep & (values == EMPTY), rows, column, "required", header)
        _report(problems, keep & (values == INVALID), rows, column, reason, header, choices=choices)
    _check_dates(problems, frame[positions[DATE]], dates, rows, keep, vocabulary.round)
    for k, (position, indicator) in enumerate(layout.indicators):
        invalid = keep & (answers[:, k] == INVALID)
        _report(
            problems, invalid, rows, frame[position], "bad_option", indicator.name, choices=vocabulary.option_choices()
        )
    _report(problems, keep & (answers == EMPTY).all(axis=1), rows, None, "no_answers", None)
    for values, header, limit in ((numbers, NUMBER, NUMBER_CHARS), (phones, PHONE, PHONE_CHARS)):
        if header in positions:
            too_long = keep & (pd.Series(values).str.len().to_numpy() > limit)
            _report(problems, too_long, rows, frame[positions[header]], "too_long", header, max=limit)
    _unnamed_data(problems, frame, layout, rows)
    # Compact types: a million questionnaires keep in a few tens of MB besides their numbers and phones.
    return {
        "rows": rows[keep].astype(np.int32), "unit_ids": units[keep], "respondent_types": types[keep].astype(np.int8),
        "channels": channels[keep].astype(np.int8), "dates": dates[keep].astype(np.int32),
        "numbers": numbers[keep], "phones": phones[keep], "answers": np.maximum(answers[keep] + 1, 0).astype(np.int8),
    }  # fmt: skip


def _check_dates(problems: Problems, column: pd.Series, dates: np.ndarray, rows, keep, round: Round) -> None:
    _report(problems, keep & (dates == EMPTY), rows, column, "required", DATE)
    _report(problems, keep & (dates == INVALID), rows, column, "bad_date", DATE)
    outside = keep & (dates >= 0) & ((dates < round.start.toordinal()) | (dates > round.end.toordinal()))
    _report(problems, outside, rows, column, "date_outside", DATE, start=str(round.start), end=str(round.end))


def _check_repeats(problems: Problems, values: np.ndarray, rows: np.ndarray, header: str, existing: set[str], *,
                   in_file: str, in_round: str) -> None:  # fmt: skip
    """Values given twice in the file (every repeat after the first) or already in the round."""
    series = pd.Series(values)
    given = (series != "").to_numpy()
    repeated = series.duplicated(keep="first").to_numpy() & given
    if repeated.any():
        firsts = series[given & ~repeated & series.isin(set(series[repeated])).to_numpy()]
        first_row = dict(zip(firsts.tolist(), rows[firsts.index.to_numpy()].tolist(), strict=True))
        positions = np.flatnonzero(repeated)
        _report(problems, repeated, rows, series, in_file, header,
                params_for=lambda i: {"row": first_row[values[positions[i]]]})  # fmt: skip
    if existing:
        _report(problems, given & series.isin(existing).to_numpy(), rows, series, in_round, header)


def validate_questionnaires(
    source: Source, vocabulary: RoundVocabulary, progress: Callable[[int, int], None] = lambda done, total: None
) -> tuple[QuestionnaireRows, Problems]:
    """The file's valid questionnaires, and every problem found (the file is imported only if there is none)."""
    layout = _layout(source.headers, QUESTIONNAIRE_COLUMNS, vocabulary, options=False)
    text_columns = {layout.positions[h] for h in (NUMBER, PHONE) if h in layout.positions}
    problems, parts, done = Problems(), [], 0
    for frame in source.chunks(text_columns):
        parts.append(_questionnaire_chunk(frame, layout, vocabulary, problems))
        done += len(frame)
        progress(done, max(done, source.estimated_rows))
    option_ids = [option.id for option in vocabulary.options]
    data = QuestionnaireRows.concatenate([i.id for _, i in layout.indicators], option_ids, parts)
    if not len(data) and not problems:
        raise FileRefused(Problem("empty"))
    round = vocabulary.round
    if NUMBER in layout.positions:
        existing = set(round.questionnaires.exclude(number="").values_list("number", flat=True))
        _check_repeats(problems, data.numbers, data.rows, NUMBER, existing,
                       in_file="duplicate_number_in_file", in_round="duplicate_number_in_round")  # fmt: skip
    if PHONE in layout.positions and not round.allow_repeat_phone:
        existing = set(round.questionnaires.exclude(phone="").values_list("phone", flat=True))
        _check_repeats(problems, data.phones, data.rows, PHONE, existing,
                       in_file="duplicate_phone_in_file", in_round="duplicate_phone_in_round")  # fmt: skip
    return data, problems


# ---------------------------------------------------------------- counts


@dataclass
class CountRows:
    """Valid counts of a file: unit id -> {(indicator id, option id): count}."""

    counts: dict[int, dict[tuple[int, int], int]]
    rows: int

    def __len__(self) -> int:
        return self.rows


def _indicators(vocabulary: RoundVocabulary) -> Resolver:
    def resolve(value: object, text: str) -> int | None:
        indicator = vocabulary.indicator_for(text)
        if indicator is not None:
            return indicator.id
        return OTHER if _key(text) in vocabulary.other_indicator_keys else None

    return resolve


def validate_counts(
    source: Source, vocabulary: RoundVocabulary, progress: Callable[[int, int], None] = lambda done, total: None
) -> tuple[CountRows, Problems]:
    layout = _layout(source.headers, COUNTS_COLUMNS, vocabulary, options=True)
    problems, counts, first_row, done = Problems(), {}, {}, 0
    for frame in source.chunks(set()):
        rows = frame.index.to_numpy(dtype=np.int64)
        units, unit_header = _units(frame, layout, vocabulary)
        indicator_column = frame[layout.positions[INDICATOR]]
        indicators = _resolve(indicator_column, _indicators(vocabulary))
        cells = np.column_stack([_resolve(frame[p], _count) for p, _ in layout.indicators])
        # A row without any count changes nothing (a template row left empty).
        keep = (cells != EMPTY).any(axis=1)
        _check_units(problems, frame, layout, vocabulary, units, unit_header, rows, keep)
        _report(problems, keep & (indicators == EMPTY), rows, indicator_column, "required", INDICATOR)
        _report(problems, keep & (indicators == INVALID), rows, indicator_column, "unknown_indicator", INDICATOR)
        _report(problems, keep & (indicators == OTHER), rows, indicator_column, "indicator_not_in_round", INDICATOR)
        for k, (position, option) in enumerate(layout.indicators):
            _report(problems, keep & (cells[:, k] == NEGATIVE), rows, frame[position], "negative", option.name)
            _report(problems, keep & (cells[:, k] == NOT_INTEGER), rows, frame[position], "not_integer", option.name)
        _unnamed_data(problems, frame, layout, rows)
        option_ids = [option.id for _, option in layout.indicators]
        for position in np.flatnonzero(keep & (units >= 0) & (indicators >= 0)):
            unit_id, indicator_id, row = int(units[position]), int(indicators[position]), int(rows[position])
            if (unit_id, indicator_id) in first_row:
                problems.add("duplicate_count_row", row, INDICATOR, indicator_column.iloc[position],
                             params={"row": first_row[(unit_id, indicator_id)]})  # fmt: skip
                continue
            first_row[(unit_id, indicator_id)] = row
            for option_id, value in zip(option_ids, cells[position].tolist(), strict=True):
                counts.setdefault(unit_id, {})[(indicator_id, option_id)] = max(value, 0)
        done += len(frame)
        progress(done, max(done, source.estimated_rows))
    if not first_row and not problems:
        raise FileRefused(Problem("empty"))
    return CountRows(counts, len(first_row)), problems
