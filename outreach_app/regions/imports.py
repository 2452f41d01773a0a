"""The region CSV import: a file is checked as a whole against the tree (nothing is
imported unless every line is good), then its regions are created and changed in file order;
``apply_region_import`` flushes, the caller commits."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace

from flask_babel import gettext as _
from sqlalchemy import select

from outreach_app.audit.services import record
from outreach_app.core.validation import has_control_characters, without_control_characters
from outreach_app.extensions import db
from outreach_app.regions.models import BranchAccess, Region
from outreach_app.regions.services import RegionData, assign_region
from outreach_app.regions.tree import (
    DIVISION_CODE_MESSAGE,
    DIVISION_CODE_RE,
    MAX_LEVEL,
    level_label,
    move_region,
    normalize_code,
)

CSV_COLUMNS = ("division_code", "name", "name_en", "parent_code", "branch_access", "is_rural")
MAX_IMPORT_ROWS = 5000
MAX_IMPORT_BYTES = 2 * 1024 * 1024
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "t", "是"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "n", "f", "否"})


# problem(column, message): report a problem with one value of the line being checked
_Problem = Callable[[str, str], None]


@dataclass(frozen=True)
class ExistingRegion:
    """What the import needs to know about a region already in the tree."""

    id: int
    parent_id: int | None
    level: int
    path: str
    division_code: str | None
    name: str
    name_en: str | None
    branch_access: BranchAccess
    is_rural: bool


@dataclass(frozen=True)
class RegionSnapshot:
    """The regions already in the tree, by id and by division code."""

    by_id: Mapping[int, ExistingRegion]
    by_code: Mapping[str, ExistingRegion]


def load_region_snapshot() -> RegionSnapshot:
    """Every region, as plain data for ``validate_region_csv``, in one query."""
    rows = db.session.execute(
        select(
            Region.id,
            Region.parent_id,
            Region.level,
            Region.path,
            Region.division_code,
            Region.name,
            Region.name_en,
            Region.branch_access,
            Region.is_rural,
        )
    ).all()
    regions = [ExistingRegion(*row) for row in rows]
    return RegionSnapshot(
        by_id={r.id: r for r in regions},
        by_code={r.division_code: r for r in regions if r.division_code},
    )


@dataclass(frozen=True)
class ImportRow:
    """One valid line of the file and what importing it will do."""

    line: int
    division_code: str
    name: str
    name_en: str | None
    parent_code: str | None
    branch_access: BranchAccess
    is_rural: bool
    existing_id: int | None = None
    is_change: bool = True

    @property
    def data(self) -> RegionData:
        """The region's fields from this line."""
        return RegionData(
            name=self.name,
            name_en=self.name_en,
            division_code=self.division_code,
            branch_access=self.branch_access,
            is_rural=self.is_rural,
        )


@dataclass(frozen=True)
class ImportProblem:
    """Something wrong in the file: line 0 means the file as a whole."""

    line: int
    column: str
    message: str
    value: str = ""
    name: str = ""


@dataclass
class RegionImportReport:
    """The outcome of checking a file: the rows to import, or the problems that stop it."""

    rows: list[ImportRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file can be imported as a whole."""
        return not self.problems and bool(self.rows)

    @property
    def create_count(self) -> int:
        """Lines that will add a new region."""
        return sum(1 for row in self.rows if row.existing_id is None)

    @property
    def update_count(self) -> int:
        """Lines that will change an existing region."""
        return sum(1 for row in self.rows if row.existing_id is not None and row.is_change)

    @property
    def unchanged_count(self) -> int:
        """Lines that match an existing region exactly."""
        return sum(1 for row in self.rows if row.existing_id is not None and not row.is_change)

    def file_problem(self, message: str) -> RegionImportReport:
        """Record a problem with the whole file and return the report."""
        self.problems.append(ImportProblem(0, "", message))
        return self


def _decode(data: bytes, report: RegionImportReport) -> str | None:
    if len(data) > MAX_IMPORT_BYTES:
        report.file_problem(
            _(
                "The file is larger than %(size)d MB. Split it into smaller files.",
                size=MAX_IMPORT_BYTES // (1024 * 1024),
            )
        )
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.file_problem(
            _(
                "The file is not UTF-8 text. In your spreadsheet program, save it as "
                "“CSV UTF-8 (comma delimited)”."
            )
        )
        return None
    if "\x00" in text:
        report.file_problem(_("The file contains NUL characters; it is not a CSV text file."))
        return None
    if not text.strip():
        report.file_problem(_("The file is empty."))
        return None
    return text


def validate_region_csv(data: bytes, snapshot: RegionSnapshot) -> RegionImportReport:
    """Check every line of an uploaded region CSV against the tree; touches no database.

    Parents must be existing regions or earlier lines. A line whose code already exists
    updates that region; a changed parent moves it, but never to another level.
    """
    report = RegionImportReport()
    text = _decode(data, report)
    if text is None:
        return report
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        if [cell.strip().lower() for cell in header] != list(CSV_COLUMNS):
            return report.file_problem(
                _(
                    "The first line must be exactly: %(expected)s",
                    expected=",".join(CSV_COLUMNS),
                )
            )
        checker = _RowChecker(snapshot, report)
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if checker.count >= MAX_IMPORT_ROWS:
                return RegionImportReport().file_problem(
                    _(
                        "The file has more than %(max)d regions. Split it into smaller files.",
                        max=MAX_IMPORT_ROWS,
                    )
                )
            checker.check(reader.line_num, cells)
    except csv.Error as exc:
        report.problems.append(
            ImportProblem(
                reader.line_num, "", _("This line is not valid CSV: %(error)s", error=str(exc))
            )
        )
    if not report.rows and not report.problems:
        report.file_problem(_("The file has no regions below the header line."))
    return report


class _RowChecker:
    """Checks lines one by one, remembering earlier lines for parent references."""

    def __init__(self, snapshot: RegionSnapshot, report: RegionImportReport) -> None:
        self.snapshot = snapshot
        self.report = report
        self.count = 0
        self.seen: dict[str, int] = {}  # division code → first line that has it
        self.new_levels: dict[str, int | None] = {}  # levels of regions this file creates

    def check(self, line: int, cells: list[str]) -> None:
        """Check one line; a good line becomes a row, a bad one adds problems."""
        self.count += 1
        if not self._has_every_column(line, cells) or self._has_control_characters(line, cells):
            return
        code, parent_code = normalize_code(cells[0]), normalize_code(cells[3])
        name, name_en = cells[1].strip(), cells[2].strip()
        problems: list[ImportProblem] = []

        def problem(column: str, message: str) -> None:
            value = cells[CSV_COLUMNS.index(column)].strip()
            problems.append(ImportProblem(line, column, message, value, name))

        self._check_code(line, code, problem)
        _check_names(name, name_en, problem)
        access = _parse_access(cells[4], problem)
        is_rural = _parse_rural(cells[5], problem)
        existing = self.snapshot.by_code.get(code) if code else None
        parent_level = self._parent_level(code, parent_code, existing, problem)
        if existing is None:
            self._check_new_level(line, code, parent_level, problem)

        if problems:
            self.report.problems.extend(problems)
            return
        row = ImportRow(
            line=line,
            division_code=code,
            name=name,
            name_en=name_en or None,
            parent_code=parent_code or None,
            branch_access=access,
            is_rural=is_rural,
            existing_id=existing.id if existing else None,
        )
        if existing is not None:
            row = replace(row, is_change=self._changes(row, existing))
        self.report.rows.append(row)

    def _has_every_column(self, line: int, cells: list[str]) -> bool:
        """True when the line has one value per column; else its problem is reported."""
        if len(cells) == len(CSV_COLUMNS):
            return True
        message = _(
            "This line has %(found)d fields; it needs %(expected)d.",
            found=len(cells),
            expected=len(CSV_COLUMNS),
        )
        self.report.problems.append(ImportProblem(line, "", message))
        return False

    def _check_new_level(
        self, line: int, code: str, parent_level: int | None, problem: _Problem
    ) -> None:
        """A new region's level must exist in the tree; it is remembered for later lines that
        name this one as their parent (None after a problem with its parent)."""
        level = parent_level + 1 if parent_level is not None else None
        if level is not None and level > MAX_LEVEL:
            problem(
                "parent_code",
                _(
                    "Too deep: this region would be on level %(level)d, but the tree has "
                    "4 levels (city, district, street, community).",
                    level=level,
                ),
            )
        if self.seen.get(code) == line:
            self.new_levels[code] = level

    def _has_control_characters(self, line: int, cells: list[str]) -> bool:
        """Report every value of the line holding a control character (a line break in a
        quoted value, a NUL, an escape code); such a line is not checked further."""
        name = without_control_characters(cells[1]).strip()
        problems = [
            ImportProblem(
                line,
                column,
                _(
                    "This value contains invisible characters (control codes, often pasted "
                    "from another program). Remove them."
                ),
                without_control_characters(cell).strip(),
                name,
            )
            for column, cell in zip(CSV_COLUMNS, cells, strict=True)
            if has_control_characters(cell)
        ]
        self.report.problems.extend(problems)
        return bool(problems)

    def _check_code(self, line: int, code: str, problem: _Problem) -> None:
        if not code:
            problem("division_code", _("The division code is missing."))
        elif not DIVISION_CODE_RE.fullmatch(code):
            problem("division_code", str(DIVISION_CODE_MESSAGE))
        elif code in self.seen:
            problem(
                "division_code",
                _("This division code is also on line %(line)d.", line=self.seen[code]),
            )
        else:
            self.seen[code] = line

    def _parent_level(
        self, code: str, parent_code: str, existing: ExistingRegion | None, problem: _Problem
    ) -> int | None:
        """The level of the line's parent (0 for a root), or None after a parent problem."""
        snapshot = self.snapshot
        parent_id: int | None  # -1 stands for a region that an earlier line creates
        if not parent_code:
            parent_level, parent_id = 0, None
        elif parent_code == code:
            problem("parent_code", _("A region cannot be its own parent."))
            return None
        elif parent_code in snapshot.by_code:
            parent = snapshot.by_code[parent_code]
            parent_level, parent_id = parent.level, parent.id
            if existing is not None and parent.path.startswith(existing.path):
                problem(
                    "parent_code",
                    _("A region cannot move under itself or one of its own sub-regions."),
                )
                return None
        elif parent_code in self.new_levels:
            level = self.new_levels[parent_code]
            if level is None:  # that line's own parent is wrong and already reported
                return None
            parent_level, parent_id = level, -1
        else:
            problem(
                "parent_code",
                _(
                    "No region has this division code, neither in the tree nor on an "
                    "earlier line of the file."
                ),
            )
            return None
        is_move = existing is not None and parent_id != existing.parent_id
        if is_move and parent_level + 1 != existing.level:
            problem("parent_code", self._level_change_message(existing, parent_code, parent_level))
            return None
        return parent_level

    def _level_change_message(
        self, existing: ExistingRegion, parent_code: str, parent_level: int
    ) -> str:
        old_parent = self.snapshot.by_id.get(existing.parent_id or 0)
        if not parent_code and old_parent is not None and not old_parent.division_code:
            return _(
                "Its current parent %(parent)s has no division code. Give that region a "
                "code, or leave this region out of the file.",
                parent=old_parent.name,
            )
        return _(
            "This would change the region's level from %(old)s to %(new)s. A region can only "
            "move under a parent on the same level as its current parent.",
            old=level_label(existing.level),
            new=level_label(parent_level + 1),
        )

    def _changes(self, row: ImportRow, existing: ExistingRegion) -> bool:
        parent = self.snapshot.by_id.get(existing.parent_id or 0)
        current_parent_code = parent.division_code if parent is not None else None
        return (
            row.name != existing.name
            or row.name_en != existing.name_en
            or row.branch_access != existing.branch_access
            or row.is_rural != existing.is_rural
            or row.parent_code != current_parent_code
        )


def _check_names(name: str, name_en: str, problem: _Problem) -> None:
    if not name:
        problem("name", _("The name is missing."))
    elif len(name) > 80:
        problem("name", _("The name is longer than 80 characters."))
    if len(name_en) > 120:
        problem("name_en", _("The English name is longer than 120 characters."))


def _parse_access(text: str, problem: _Problem) -> BranchAccess:
    value = text.strip().lower()
    if not value:
        return BranchAccess.BRANCH
    try:
        return BranchAccess(value)
    except ValueError:
        problem("branch_access", _("Use branch, hard_to_reach or none (empty means branch)."))
        return BranchAccess.BRANCH


def _parse_rural(text: str, problem: _Problem) -> bool:
    value = text.strip().lower()
    if value not in TRUE_WORDS | FALSE_WORDS:
        problem("is_rural", _("Use 1 for rural, or 0 or nothing for urban."))
    return value in TRUE_WORDS


@dataclass(frozen=True)
class ImportResult:
    """How many regions an import created, changed and left as they were."""

    created: int
    updated: int
    unchanged: int


def apply_region_import(report: RegionImportReport) -> ImportResult:
    """Create and update the regions of a checked file, in file order; flushes."""
    if not report.ok:
        raise ValueError("only a report without problems can be imported")
    by_code = {
        region.division_code: region
        for region in db.session.execute(
            select(Region).where(Region.division_code.is_not(None))
        ).scalars()
    }
    created = _add_new_regions(report.rows, by_code)

    # Then paths, changes and moves in file order: a move rewrites the paths below it,
    # including those of regions this file just created.
    updated = unchanged = 0
    for row in report.rows:
        region, parent = by_code[row.division_code], _parent_of(row, by_code)
        if row.existing_id is None:
            _place_new_region(row, region, parent)
        elif _apply_changes(row, region, parent):
            updated += 1
        else:
            unchanged += 1
    db.session.flush()
    result = ImportResult(created=created, updated=updated, unchanged=unchanged)
    record("region.import", None, **asdict(result))
    return result


def _parent_of(row: ImportRow, by_code: Mapping[str, Region]) -> Region | None:
    return by_code[row.parent_code] if row.parent_code else None


def _add_new_regions(rows: list[ImportRow], by_code: dict[str, Region]) -> int:
    """Add the file's new regions to the session and ``by_code``; returns how many."""
    # Every new region first, in one flush, so a large file does not cost a flush per line;
    # parents come before their children in the file, so their levels are already known.
    new_regions = []
    for row in rows:
        if row.existing_id is None:
            parent = _parent_of(row, by_code)
            region = Region(
                name=row.name,
                name_en=row.name_en,
                parent=parent,
                level=1 if parent is None else parent.level + 1,
                division_code=row.division_code,
                branch_access=row.branch_access,
                is_rural=row.is_rural,
                path="",
            )
            by_code[row.division_code] = region
            new_regions.append(region)
    db.session.add_all(new_regions)
    db.session.flush()
    return len(new_regions)


def _place_new_region(row: ImportRow, region: Region, parent: Region | None) -> None:
    """Give a region the file created its path (its id is known now) and audit it."""
    region.path = (parent.path if parent is not None else "/") + f"{region.id}/"
    record(
        "region.create",
        region,
        source="csv",
        line=row.line,
        name=region.name,
        parent_id=region.parent_id,
        division_code=region.division_code,
    )


def _apply_changes(row: ImportRow, region: Region, parent: Region | None) -> bool:
    """Change an existing region as its line says, moving it under a new parent; True when
    anything changed."""
    if region.id != row.existing_id:
        raise ValueError(f"region {row.division_code} changed during the import")
    changes = assign_region(region, row.data)
    if (parent.id if parent is not None else None) != region.parent_id:
        changes["parent_id"] = [region.parent_id, parent.id if parent is not None else None]
        move_region(region, parent)
    if changes:
        record("region.update", region, source="csv", line=row.line, changes=changes)
    return bool(changes)


def sample_region_csv() -> bytes:
    """A small CSV in the import format, with a BOM so spreadsheet programs read it as UTF-8."""
    rows = [
        CSV_COLUMNS,
        ("370200", "青岛市", "Qingdao", "", "branch", "0"),
        ("370202", "市南区", "Shinan District", "370200", "branch", "0"),
        ("370202001", "八大湖街道", "Badahu Subdistrict", "370202", "branch", "0"),
        ("370202001001", "湛山社区", "Zhanshan Community", "370202001", "branch", "0"),
        ("370212", "崂山区", "Laoshan District", "370200", "branch", "0"),
        ("370212002", "王哥庄街道", "Wanggezhuang Subdistrict", "370212", "hard_to_reach", "1"),
        ("370212002001", "港东村", "Gangdong Village", "370212002", "none", "1"),
    ]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig")
