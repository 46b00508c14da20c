"""Checking a whole file against a round before anything is written.

Columns repeat a few values (units, respondent types, channels, dates,
options), so every distinct value of a column is resolved once in Python and
spread back over the rows with numpy: a million rows are checked in seconds.
Every problem is collected; the caller writes only if there is none (all or
nothing).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from spreadsheets.cells import cell_text, header_key, parse_date, whole_number
from spreadsheets.problems import FileRefused, Problem, Problems, add_reasons
from spreadsheets.reading import Source, match_headers, open_source
from surveys.models import Channel, Indicator, Option, Participation, Questionnaire, RespondentType, Round
from surveys.writing import CHANNEL_VALUES, RESPONDENT_VALUES, QuestionnaireRows
from units.models import Unit
from units.permissions import Action, units_for
from units.phones import PHONE_ERRORS, phone_canonical

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
# Other headers accepted for the same columns: as online survey platforms and clerks' own sheets name them.
HEADER_ALIASES = {
    NUMBER: ("问卷号", "答卷编号", "编号"),
    UNIT_CODE: ("单位代码", "单位编号", "学校代码"),
    UNIT_NAME: ("学校名称",),
    RESPONDENT_TYPE: ("受访者身份", "身份", "您的身份", "调查对象"),
    CHANNEL: ("调查方式", "调查渠道"),
    DATE: ("填写日期", "填报日期", "调查日期", "提交时间", "提交答卷时间", "答题时间"),
    PHONE: ("联系电话", "电话号码", "手机", "手机号", "手机号码", "联系方式"),
    INDICATOR: ("指标名称", "指标编码"),
}
HEADER_KEYS = {header_key(h) for name, others in HEADER_ALIASES.items() for h in (name, *others)}

add_reasons({
    "round_closed": gettext_lazy("The round is not open: results cannot be imported."),
    "already_imported": gettext_lazy(
        "This file was already imported into this round (import #%(job)s): it is refused so that no vote is counted twice."
    ),
    "changed": gettext_lazy(
        "Units, indicators or options of the round changed while the file was being checked: import it again."
    ),
    "worker_stopped": gettext_lazy(
        "The import stopped before it finished (the worker was stopped). Nothing was written: run it again."
    ),
    "crashed": gettext_lazy("The import failed because of an internal error. Nothing was written: run it again."),
    "missing_unit_column": gettext_lazy("The unit is missing: add a column 单位编码 (unit code) or 单位名称 (unit name)."),
    "indicator_not_in_round": gettext_lazy("This indicator is not part of the round."),
    "unknown_unit": gettext_lazy("Unknown unit."),
    "ambiguous_unit": gettext_lazy("Several units have this name: use the unit code (单位编码)."),
    "not_participating": gettext_lazy("This unit does not take part in the round."),
    "unknown_respondent_type": gettext_lazy("Unknown respondent type (expected one of %(choices)s)."),
    "unknown_channel": gettext_lazy("Unknown channel (expected one of %(choices)s)."),
    "date_outside": gettext_lazy("The date is outside the round's period (%(start)s to %(end)s)."),
    "bad_option": gettext_lazy("Not an option of the round's scale (%(choices)s)."),
    "no_answers": gettext_lazy("The row answers no indicator."),
    "duplicate_number_in_file": gettext_lazy("This questionnaire number already appears in row %(row)s."),
    "duplicate_number_in_round": gettext_lazy(
        "This questionnaire number is already in the round: it was imported or entered before."
    ),
    "duplicate_phone_in_file": gettext_lazy(
        "This phone number already appears in row %(row)s; the round allows one answer per phone."
    ),
    "duplicate_phone_in_round": gettext_lazy("This phone number has already answered in this round."),
    "unknown_indicator": gettext_lazy("Unknown indicator of this round."),
    "duplicate_count_row": gettext_lazy("This unit and indicator already appear in row %(row)s."),
})  # fmt: skip
PHONE_REASONS = list(PHONE_ERRORS)  # a phone's problem: 1 + its position here (0: none)

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
        return self.indicator_keys.get(header_key(header))

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
                vocabulary.indicator_keys[header_key(text)] = indicator
    for code, name, name_en in Indicator.objects.exclude(pk__in=[i.pk for i in indicators]).values_list(
        "code", "name", "name_en"
    ):
        vocabulary.other_indicator_keys |= {header_key(t) for t in (code, name, name_en) if t}
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


def phone_position(headers: list[str]) -> int | None:
    """Where a file's header row has the phone column (named 电话 or one of its aliases)."""
    keys = {header_key(h) for h in (PHONE, *HEADER_ALIASES[PHONE])}
    return next((p for p, h in enumerate(headers) if header_key(h) in keys), None)


def open_results_file(path: Path, file_name: str, check_cells: bool = True) -> Source:
    """An uploaded file of results, its header row found by the columns every such file has."""
    return open_source(path, file_name, header_keys=HEADER_KEYS, check_cells=check_cells)


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


def _date(value: object, text: str) -> int | None:
    """Days since year 1 (date.toordinal) of a date cell, an Excel serial number, or a written date."""
    try:
        return parse_date(value).toordinal()
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
    try:
        number = whole_number(value)
    except ValueError:
        return NOT_INTEGER
    return NEGATIVE if number < 0 else number


_MOBILE = r"1[3-9]\d{9}"


def _phones(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's canonical phone, and its problem (1 + position in PHONE_REASONS, 0 for none).

    Most cells already hold an 11-digit mobile: those are found at once by pandas; only the others
    go through ``phone_canonical``, each distinct value once.
    """
    texts = _texts(column)
    plain = pd.Series(texts, dtype=object).str.fullmatch(_MOBILE).to_numpy(dtype=bool)
    problems = np.zeros(len(texts), dtype=np.int8)
    others = np.flatnonzero(~plain & (texts != ""))
    if len(others):
        codes, uniques = pd.factorize(column.to_numpy(dtype=object)[others])
        canonical, reasons = [], []
        for value in uniques:
            try:
                canonical.append(phone_canonical(value))
                reasons.append(0)
            except ValidationError as error:
                canonical.append(cell_text(value))
                reasons.append(1 + PHONE_REASONS.index(error.code))
        texts = texts.copy()
        texts[others] = np.array(canonical, dtype=object)[codes]
        problems[others] = np.array(reasons, dtype=np.int8)[codes]
    return texts, problems


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
    written: dict[str, str]  # fixed column -> its header as written in the file (an alias, maybe)
    indicators: list[tuple[int, Indicator]]  # (position, indicator) in the round's order
    unnamed: list[int]  # positions of columns without a header
    ignored: list[str]  # headers of columns ignored (序号, 备注)

    def name(self, column: str) -> str:
        """The header of a fixed column as the file writes it, for messages."""
        return self.written.get(column, column)


def _aliases(fixed: list[str]) -> dict[str, str]:
    return {header_key(h): name for name in [*fixed, UNIT_NAME] for h in (name, *HEADER_ALIASES.get(name, ()))}


def _layout(source: Source, fixed: list[str], vocabulary: RoundVocabulary, *, options: bool) -> _Layout:
    """Where each expected column is; refuses the file on a missing, unknown or repeated column."""
    problems, headers, at = Problems(), source.headers, source.header_row
    matched = match_headers(headers, _aliases(fixed), at, problems)
    found: dict[int, int] = {}  # indicator or option id -> position
    option_keys = {}
    for option in vocabulary.options:
        option_keys |= {
            header_key(option.name): option,
            str(option.number): option,
            header_key(option.name_en or option.name): option,
        }
    for position in matched.others:
        header = headers[position]
        target = _target(header, vocabulary, option_keys, options)
        if target is None:
            not_in_round = not options and header_key(header) in vocabulary.other_indicator_keys
            problems.add("indicator_not_in_round" if not_in_round else "unknown_column", at, header, header)
        elif target.id in found:
            problems.add("duplicate_column", at, header, header)
        else:
            found[target.id] = position
    positions = matched.positions
    if UNIT_CODE not in positions and UNIT_NAME not in positions:
        problems.add("missing_unit_column", at, UNIT_CODE)
    for header in fixed:
        if header not in positions and header not in (UNIT_CODE, NUMBER, PHONE):
            problems.add("missing_column", at, header)
    for target in vocabulary.options if options else vocabulary.indicators:
        if target.id not in found:
            problems.add("missing_column", at, target.name)
    if problems:
        raise FileRefused(problems)
    targets = vocabulary.options if options else vocabulary.indicators
    indicators = [(found[t.id], t) for t in targets]
    return _Layout(positions, matched.written, indicators, matched.unnamed, matched.ignored)


def _target(header: str, vocabulary: RoundVocabulary, option_keys: dict, options: bool) -> Indicator | Option | None:
    return option_keys.get(header_key(header)) if options else vocabulary.indicator_for(header)


def _units(frame: pd.DataFrame, layout: _Layout, vocabulary: RoundVocabulary) -> tuple[np.ndarray, str]:
    if UNIT_CODE in layout.positions:
        return _resolve(frame[layout.positions[UNIT_CODE]], _unit_by_code(vocabulary)), UNIT_CODE
    return _resolve(frame[layout.positions[UNIT_NAME]], _unit_by_name(vocabulary)), UNIT_NAME


def _check_units(problems: Problems, frame, layout, vocabulary, units, header, rows, keep) -> None:
    column, name = frame[layout.positions[header]], layout.name(header)
    _report(problems, keep & (units == EMPTY), rows, column, "required", name)
    _report(problems, keep & (units == INVALID), rows, column, "unknown_unit", name)
    _report(problems, keep & (units == OTHER), rows, column, "ambiguous_unit", name)
    outside = keep & (units >= 0) & ~np.isin(units, vocabulary.participants)
    _report(problems, outside, rows, column, "not_participating", name)


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
    phones, phone_problems = _phones(frame[positions[PHONE]]) if PHONE in positions else (blank_text, np.zeros(n))
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
        _report(problems, keep & (values == EMPTY), rows, column, "required", layout.name(header))
        _report(problems, keep & (values == INVALID), rows, column, reason, layout.name(header), choices=choices)
    _check_dates(problems, frame[positions[DATE]], dates, rows, keep, vocabulary.round, layout.name(DATE))
    for k, (position, indicator) in enumerate(layout.indicators):
        invalid = keep & (answers[:, k] == INVALID)
        _report(
            problems, invalid, rows, frame[position], "bad_option", indicator.name, choices=vocabulary.option_choices()
        )
    _report(problems, keep & (answers == EMPTY).all(axis=1), rows, None, "no_answers", None)
    if NUMBER in positions:
        too_long = keep & (pd.Series(numbers).str.len().to_numpy() > NUMBER_CHARS)
        _report(problems, too_long, rows, frame[positions[NUMBER]], "too_long", layout.name(NUMBER), max=NUMBER_CHARS)
    for code, reason in enumerate(PHONE_REASONS, start=1):
        _report(problems, keep & (phone_problems == code), rows, frame.get(positions.get(PHONE)), f"phone_{reason}",
                layout.name(PHONE))  # fmt: skip
    _unnamed_data(problems, frame, layout, rows)
    # Compact types: a million questionnaires keep in a few tens of MB besides their numbers and phones.
    return {
        "rows": rows[keep].astype(np.int32), "unit_ids": units[keep], "respondent_types": types[keep].astype(np.int8),
        "channels": channels[keep].astype(np.int8), "dates": dates[keep].astype(np.int32),
        "numbers": numbers[keep], "phones": phones[keep], "answers": np.maximum(answers[keep] + 1, 0).astype(np.int8),
    }  # fmt: skip


def _check_dates(problems: Problems, column: pd.Series, dates: np.ndarray, rows, keep, round: Round, name: str) -> None:
    _report(problems, keep & (dates == EMPTY), rows, column, "required", name)
    _report(problems, keep & (dates == INVALID), rows, column, "bad_date", name)
    outside = keep & (dates >= 0) & ((dates < round.start.toordinal()) | (dates > round.end.toordinal()))
    _report(problems, outside, rows, column, "date_outside", name, start=str(round.start), end=str(round.end))


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
) -> tuple[QuestionnaireRows, Problems, list[str]]:
    """The file's valid questionnaires, every problem found (the file is imported only if there is none)
    and the headers of the columns ignored."""
    layout = _layout(source, QUESTIONNAIRE_COLUMNS, vocabulary, options=False)
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
        _check_repeats(problems, data.numbers, data.rows, layout.name(NUMBER), existing,
                       in_file="duplicate_number_in_file", in_round="duplicate_number_in_round")  # fmt: skip
    if PHONE in layout.positions and not round.allow_repeat_phone:
        existing = set(round.questionnaires.exclude(phone="").values_list("phone", flat=True))
        _check_repeats(problems, data.phones, data.rows, layout.name(PHONE), existing,
                       in_file="duplicate_phone_in_file", in_round="duplicate_phone_in_round")  # fmt: skip
    return data, problems, layout.ignored


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
        return OTHER if header_key(text) in vocabulary.other_indicator_keys else None

    return resolve


def validate_counts(
    source: Source, vocabulary: RoundVocabulary, progress: Callable[[int, int], None] = lambda done, total: None
) -> tuple[CountRows, Problems, list[str]]:
    layout = _layout(source, COUNTS_COLUMNS, vocabulary, options=True)
    problems, counts, first_row, done = Problems(), {}, {}, 0
    for frame in source.chunks(set()):
        rows = frame.index.to_numpy(dtype=np.int64)
        units, unit_header = _units(frame, layout, vocabulary)
        indicator_column, indicator_header = frame[layout.positions[INDICATOR]], layout.name(INDICATOR)
        indicators = _resolve(indicator_column, _indicators(vocabulary))
        cells = np.column_stack([_resolve(frame[p], _count) for p, _ in layout.indicators])
        # A row without any count changes nothing (a template row left empty).
        keep = (cells != EMPTY).any(axis=1)
        _check_units(problems, frame, layout, vocabulary, units, unit_header, rows, keep)
        for code, reason in ((EMPTY, "required"), (INVALID, "unknown_indicator"), (OTHER, "indicator_not_in_round")):
            _report(problems, keep & (indicators == code), rows, indicator_column, reason, indicator_header)
        for k, (position, option) in enumerate(layout.indicators):
            _report(problems, keep & (cells[:, k] == NEGATIVE), rows, frame[position], "negative", option.name)
            _report(problems, keep & (cells[:, k] == NOT_INTEGER), rows, frame[position], "not_integer", option.name)
        _unnamed_data(problems, frame, layout, rows)
        option_ids = [option.id for _, option in layout.indicators]
        for position in np.flatnonzero(keep & (units >= 0) & (indicators >= 0)):
            unit_id, indicator_id, row = int(units[position]), int(indicators[position]), int(rows[position])
            if (unit_id, indicator_id) in first_row:
                problems.add("duplicate_count_row", row, indicator_header, indicator_column.iloc[position],
                             params={"row": first_row[(unit_id, indicator_id)]})  # fmt: skip
                continue
            first_row[(unit_id, indicator_id)] = row
            for option_id, value in zip(option_ids, cells[position].tolist(), strict=True):
                counts.setdefault(unit_id, {})[(indicator_id, option_id)] = max(value, 0)
        done += len(frame)
        progress(done, max(done, source.estimated_rows))
    if not first_row and not problems:
        raise FileRefused(Problem("empty"))
    return CountRows(counts, len(first_row)), problems, layout.ignored
