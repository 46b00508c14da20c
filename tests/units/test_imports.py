"""Units by Excel: the import checks every row and writes all or nothing; the export reads back unchanged."""

from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from spreadsheets.problems import FileRefused
from tests.factories import RoleFactory, UserFactory
from tests.units.conftest import build_xlsx, read_xlsx
from units.exports import export_units
from units.imports import CODE, KIND, NAME, ORDER, PARENT, import_units
from units.management.commands.import_units import Command as ImportCommand
from units.models import RoleKind, Unit, UnitKind

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, tuple]:
    return {u.code: (u.name, u.kind, u.parent_id, u.order, u.path, u.depth) for u in Unit.objects.all()}


def assert_paths_consistent() -> None:
    """Every unit's materialised path is its parent's path plus its own id."""
    for unit in Unit.objects.select_related("parent"):
        expected = (unit.parent.path if unit.parent else "/") + f"{unit.pk}/"
        assert unit.path == expected, unit.code
        assert unit.depth == expected.count("/") - 2


def refused(file, **kwargs) -> list[tuple[int | None, str]]:
    with pytest.raises(FileRefused) as caught:
        import_units(file, **kwargs)
    return [(p.row, p.column) for p in caught.value.problems.kept]


def test_a_good_file_creates_units_under_their_parents(tree, xlsx):
    result = import_units(xlsx([["D3", "三区", "区", "C"], ["S3", "三区实验小学", "学校", "D3"]]))
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    school = Unit.objects.get(code="S3")
    assert school.parent.code == "D3"
    assert school.kind == UnitKind.SCHOOL
    assert school.is_within(tree["city"])
    assert school.depth == 2
    assert_paths_consistent()


def test_a_unit_may_come_after_its_children(tree, xlsx):
    rows = [["V1", "一村", "村", "T1"], ["T1", "一镇", "镇", "D3"], ["D3", "三区", "县", "C"]]
    assert import_units(xlsx(rows)).created == 3
    assert list(Unit.objects.get(code="V1").ancestors().values_list("code", flat=True)) == ["C", "D3", "T1"]
    assert_paths_consistent()


def test_reimporting_the_same_file_changes_nothing(tree, xlsx):
    rows = [["S3", "新学校", "学校", "D1"], ["K1", "新幼儿园", "幼儿园", "S3"]]
    import_units(xlsx(rows))
    before = snapshot()
    result = import_units(xlsx(rows))
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert snapshot() == before


def test_a_changed_name_kind_and_order_update_the_unit(tree, xlsx):
    header = ["编码", "名称", "类型", "上级编码", "排序"]
    result = import_units(
        xlsx([["S1", "一区实验小学", "幼儿园", "D1", 7], ["S2", "二区第一小学", "学校", "D2", ""]], header)
    )
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    school = Unit.objects.get(code="S1")
    assert (school.name, school.kind, school.order) == ("一区实验小学", UnitKind.KINDERGARTEN, 7)
    assert school.path == tree["s1"].path


def test_a_changed_parent_moves_the_whole_subtree(tree, xlsx):
    result = import_units(xlsx([["D1", "一区", "区", "D2"]]))
    assert result.updated == 1
    school = Unit.objects.get(code="S1")
    assert school.is_within(Unit.objects.get(code="D2"))
    assert school.depth == 3
    assert_paths_consistent()


def test_a_parent_and_its_child_may_swap_places_in_one_file(tree, xlsx):
    # D1 goes under its own child S1, which moves up to the city: no step of the writing may form a cycle.
    import_units(xlsx([["D1", "一区", "区", "S1"], ["S1", "一区第一小学", "学校", "C"]]))
    assert Unit.objects.get(code="D1").parent.code == "S1"
    assert Unit.objects.get(code="S1").parent.code == "C"
    assert_paths_consistent()


def test_an_exported_file_imports_back_unchanged(tree):
    buffer = BytesIO()
    assert export_units(buffer) == 5
    buffer.seek(0)
    before = snapshot()
    result = import_units(buffer)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 5)
    assert snapshot() == before


def test_the_export_writes_the_import_format_with_the_label_the_name_uses(tree):
    Unit.objects.filter(code="D2").update(name="二县")
    buffer = BytesIO()
    export_units(buffer, under=Unit.objects.get(code="D2"))
    (rows,) = read_xlsx(buffer.getvalue()).values()
    assert rows[0] == [CODE, NAME, KIND, PARENT, ORDER]
    assert rows[1:] == [["D2", "二县", "县", "C", 0], ["S2", "二区第一小学", "学校", "D2", 0]]


def test_dry_run_reports_but_writes_nothing(tree, xlsx):
    result = import_units(xlsx([["S3", "新学校", "学校", "D1"], ["S1", "改名", "学校", "D1"]]), dry_run=True)
    assert (result.created, result.updated, result.dry_run) == (1, 1, True)
    assert not Unit.objects.filter(code="S3").exists()
    assert Unit.objects.get(code="S1").name == "一区第一小学"


BAD_ROWS = [
    pytest.param(["S9", "", "学校", "D1"], NAME, id="missing name"),
    pytest.param(["", "无编码", "学校", "D1"], CODE, id="missing code"),
    pytest.param(["S 9", "坏编码", "学校", "D1"], CODE, id="code with a space"),
    pytest.param(["S9", "某校", "大学", "D1"], KIND, id="unknown kind"),
    pytest.param(["S9", "某校", "", "D1"], KIND, id="missing kind"),
    pytest.param(["S9", "某校", "学校", "NOPE"], PARENT, id="unknown parent"),
    pytest.param(["S9", "某校", "学校", "S9"], PARENT, id="own parent"),
    pytest.param(["S3", "重复", "学校", "D1"], CODE, id="duplicate code"),
]


@pytest.mark.parametrize(("bad", "column"), BAD_ROWS)
def test_each_kind_of_bad_row_is_reported_with_its_row_number_and_nothing_is_written(tree, xlsx, bad, column):
    before = snapshot()
    # The bad row is Excel row 3: row 1 is the header, row 2 a good unit that must not be written either.
    assert refused(xlsx([["S3", "好学校", "学校", "D1"], bad])) == [(3, column)]
    assert snapshot() == before


def test_all_bad_rows_are_reported_together(tree, xlsx):
    rows = [
        ["X1", "", "学校", "D1"],
        ["X2", "某校", "大学", "D1"],
        ["X3", "某校", "学校", "NOPE"],
        ["X4", "甲", "学校", "D1"],
        ["X4", "乙", "学校", "D1"],
        ["Y1", "循环一", "学校", "Y2"],
        ["Y2", "循环二", "学校", "Y1"],
        ["X5", "排序错", "学校", "D1", "第一"],
    ]
    problems = refused(xlsx(rows, ["编码", "名称", "类型", "上级编码", "排序"]))
    assert problems == [(2, NAME), (3, KIND), (4, PARENT), (6, CODE), (7, PARENT), (8, PARENT), (9, ORDER)]
    assert Unit.objects.count() == 5


def test_problem_messages_name_the_row_the_column_and_the_value(tree, xlsx):
    with pytest.raises(FileRefused) as caught:
        import_units(
            xlsx([["S3", "新学校", "大学", "D1"], ["S4", "又一所", "学校", "NOPE"], ["S3", "重复", "学校", "D1"]])
        )
    kind, parent, duplicate = caught.value.problems.kept
    assert (kind.row, kind.column) == (2, KIND)
    assert "大学" in kind.message and "学校" in kind.message  # the bad label and the accepted ones
    assert "2" in str(kind) and "类型" in str(kind)
    assert "NOPE" in parent.message
    assert (duplicate.row, duplicate.column) == (4, CODE)
    assert "S3" in duplicate.message and "2" in duplicate.message  # where the code first appears


def test_a_cycle_is_reported_on_each_of_its_rows_naming_the_chain(tree, xlsx):
    with pytest.raises(FileRefused) as caught:
        import_units(
            xlsx([["Y1", "循环一", "学校", "Y2"], ["OK", "无关", "学校", "D1"], ["Y2", "循环二", "学校", "Y1"]])
        )
    first, second = caught.value.problems.kept
    assert [(first.row, first.column), (second.row, second.column)] == [(2, PARENT), (4, PARENT)]
    assert "Y1 → Y2 → Y1" in first.message


def test_a_cycle_through_units_already_known_is_refused(tree, xlsx):
    before = snapshot()
    assert refused(xlsx([["D1", "一区", "区", "S1"]])) == [(2, PARENT)]
    assert snapshot() == before


def test_codes_typed_as_numbers_are_read_as_text(tree, xlsx):
    import_units(xlsx([[1001, "数字编码区", "区", "C"], [100101, "数字编码校", "学校", 1001]]))
    assert Unit.objects.get(code="100101").parent.code == "1001"


def test_english_column_names_and_kind_labels_are_accepted(tree, xlsx):
    import_units(
        xlsx(
            [["D3", "Third", "county", "C"], ["K3", "Kinder", "Kindergarten", "D3"]],
            ["code", "name", "kind", "parent code"],
        )
    )
    assert Unit.objects.get(code="D3").kind == UnitKind.DISTRICT
    assert Unit.objects.get(code="K3").kind == UnitKind.KINDERGARTEN


def test_a_file_that_is_not_a_spreadsheet_is_refused(tree):
    assert refused(BytesIO(b"%PDF-1.4\x00\x01 binary")) == [(None, None)]
    assert Unit.objects.count() == 5


def test_a_file_without_the_required_columns_is_refused(tree, xlsx):
    with pytest.raises(FileRefused) as caught:
        import_units(xlsx([["S3", "新学校", "学校"]], ["编码", "名称", "类型"]))
    assert "上级编码" in str(caught.value)


def test_a_file_without_units_is_refused(tree, xlsx):
    assert refused(xlsx([])) == [(None, None)]


# Importing as an administrator: only inside their subtree, never revealing what lies outside it.


def test_an_administrator_imports_inside_their_subtree(tree, users, xlsx):
    result = import_units(
        xlsx([["S3", "一区新学校", "学校", "D1"], ["S1", "一区改名小学", "学校", "D1"]]), user=users["admin"]
    )
    assert (result.created, result.updated) == (1, 1)
    assert Unit.objects.get(code="S3").parent == tree["d1"]


def test_an_administrator_cannot_import_outside_their_subtree_and_learns_nothing_of_it(tree, users, xlsx):
    rows = [
        ["S3", "好学校", "学校", "D1"],
        ["S4", "想放到二区", "学校", "D2"],
        ["R1", "新的市", "市", ""],
        ["S2", "改别人的学校", "学校", "D1"],
        ["D1", "一区", "区", "C"],
    ]
    with pytest.raises(FileRefused) as caught:
        import_units(xlsx(rows), user=users["admin"])
    problems = caught.value.problems.kept
    assert [(p.row, p.column) for p in problems] == [(3, PARENT), (4, PARENT), (5, CODE), (6, PARENT)]
    text = "\n".join(str(p) for p in problems)
    assert "二区" not in text and "示范市" not in text
    # A parent outside the subtree reads exactly like one that does not exist.
    assert problems[0].message == problems[3].message.replace("“C”", "“D2”")
    assert Unit.objects.count() == 5


def test_staff_and_leaders_cannot_import_anything(tree, users, xlsx):
    for role in ("staff", "leader"):
        assert refused(xlsx([["S3", "新学校", "学校", "D1"]]), user=users[role]) == [(2, PARENT)]
    assert not Unit.objects.filter(code="S3").exists()


def test_an_administrator_reimports_their_own_export_unchanged(tree, users):
    buffer = BytesIO()
    export_units(buffer, user=users["admin"])
    (rows,) = read_xlsx(buffer.getvalue()).values()
    assert [r[0] for r in rows[1:]] == ["D1", "S1"]
    assert rows[1][3] is None  # D1's parent, the city, is outside the administrator's subtree
    buffer.seek(0)
    result = import_units(buffer, user=users["admin"])
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


def test_a_unit_one_only_reads_is_left_alone_when_unchanged_and_refused_when_changed(tree, xlsx):
    user = UserFactory()
    RoleFactory(user=user, unit=tree["city"], kind=RoleKind.LEADER)
    RoleFactory(user=user, unit=tree["d1"], kind=RoleKind.ADMIN)
    assert import_units(xlsx([["C", "示范市", "市", ""]]), user=user).unchanged == 1
    assert refused(xlsx([["C", "改名市", "市", ""]]), user=user) == [(2, CODE)]
    assert refused(xlsx([["S9", "放到市下", "学校", "C"]]), user=user) == [(2, PARENT)]


def test_only_a_superuser_may_import_a_top_level_unit(tree, users, xlsx):
    assert import_units(xlsx([["P2", "另一市", "市", ""]]), user=users["superuser"]).created == 1
    assert Unit.objects.get(code="P2").parent is None


# The management commands.


def test_import_command_prints_a_summary(tree, tmp_path):
    path = tmp_path / "units.xlsx"
    path.write_bytes(build_xlsx([["S3", "新学校", "学校", "D1"]]).getvalue())
    out = StringIO()
    call_command("import_units", str(path), stdout=out)
    assert "1" in out.getvalue() and "units.xlsx" in out.getvalue()
    assert Unit.objects.filter(code="S3").exists()


def test_import_command_dry_run_writes_nothing(tree, tmp_path):
    path = tmp_path / "units.xlsx"
    path.write_bytes(build_xlsx([["S3", "新学校", "学校", "D1"]]).getvalue())
    call_command("import_units", str(path), "--dry-run", stdout=StringIO())
    assert not Unit.objects.filter(code="S3").exists()


def test_import_command_refuses_bad_rows_with_the_reasons(tree, tmp_path):
    path = tmp_path / "units.xlsx"
    path.write_bytes(build_xlsx([["S3", "新学校", "大学", "D1"], ["S4", "又一所", "学校", "NOPE"]]).getvalue())
    with pytest.raises(CommandError) as caught:
        call_command("import_units", str(path), stdout=StringIO())
    assert "大学" in str(caught.value) and "NOPE" in str(caught.value)
    assert not Unit.objects.filter(code__in=["S3", "S4"]).exists()


def test_import_command_exits_non_zero_on_a_file_that_is_not_a_workbook(tree, tmp_path, capsys, monkeypatch):
    path = tmp_path / "units.xlsx"
    path.write_text("not a workbook")
    # run_from_argv closes the connections when done, which would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as caught:
        ImportCommand().run_from_argv(["manage.py", "import_units", str(path), "--skip-checks"])
    assert caught.value.code == 1
    assert "CommandError" in capsys.readouterr().err


def test_import_command_refuses_a_missing_file(tree, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_units", str(tmp_path / "nothing.xlsx"))


def test_export_command_writes_one_subtree(tree, tmp_path):
    path = tmp_path / "out.xlsx"
    out = StringIO()
    call_command("export_units", str(path), "--under", "D1", stdout=out)
    (rows,) = read_xlsx(path.read_bytes()).values()
    assert [r[:4] for r in rows[1:]] == [["D1", "一区", "区", "C"], ["S1", "一区第一小学", "学校", "D1"]]
    assert "2" in out.getvalue()


def test_export_command_refuses_an_unknown_unit(tree, tmp_path):
    with pytest.raises(CommandError):
        call_command("export_units", str(tmp_path / "out.xlsx"), "--under", "NOPE")


def test_import_command_refuses_in_chinese_naming_every_problem(tree, tmp_path):
    path = tmp_path / "units.xlsx"
    path.write_bytes(
        build_xlsx([["S3", "新学校", "大学", "D1"]], ["编码", "名称", "类型", "上级编码", "名称"]).getvalue()
    )
    with pytest.raises(CommandError) as caught:
        call_command("import_units", str(path), stdout=StringIO())
    assert "被拒绝，未写入任何数据（共 1 个问题）" in str(caught.value)
    assert "第 1 行“名称”列：此列重复出现。" in str(caught.value)
