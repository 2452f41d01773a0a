"""Building and changing the region tree and the branches; these flush, the caller commits."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager

from outreach_app.audit.services import record
from outreach_app.core.validation import (
    ServiceError,
    has_control_characters,
    without_control_characters,
)
from outreach_app.extensions import db
from outreach_app.regions.models import (
    BRANCH_ACCESS_LABELS,
    REGION_LEVEL_LABELS,
    Branch,
    BranchAccess,
    Region,
    RegionLevel,
)

MAX_LEVEL = int(RegionLevel.COMMUNITY)
# National division codes: 6 digits (province/city/county), 9 (township), 12 (village).
DIVISION_CODE_RE = re.compile(r"[0-9]{6}|[0-9]{9}|[0-9]{12}")


def level_label(level: int) -> str:
    """The name of a tree level ("District / county"), or "level N" outside the four."""
    try:
        return str(REGION_LEVEL_LABELS[RegionLevel(level)])
    except ValueError:
        return _("level %(level)d", level=level)


def normalize_code(value: str | None) -> str:
    """A division code with full-width digits made ASCII and surrounding space removed."""
    return unicodedata.normalize("NFKC", value or "").strip()


# --- Low-level tree operations ---------------------------------------------------------------


def add_region(
    name: str,
    parent: Region | None,
    level: RegionLevel | int | None = None,
    division_code: str | None = None,
    branch_access: BranchAccess = BranchAccess.BRANCH,
    is_rural: bool = False,
    name_en: str | None = None,
) -> Region:
    """Add a region under ``parent`` and give it its materialised path."""
    if level is None:
        level = RegionLevel.CITY if parent is None else RegionLevel(parent.level + 1)
    region = Region(
        name=name,
        name_en=name_en or None,
        parent=parent,
        level=int(level),
        division_code=division_code or None,
        branch_access=branch_access,
        is_rural=is_rural,
        path="",
    )
    db.session.add(region)
    db.session.flush()
    region.path = (parent.path if parent is not None else "/") + f"{region.id}/"
    db.session.flush()
    return region


def move_problem(region: Region, new_parent: Region | None) -> str | None:
    """Why ``region`` may not move under ``new_parent``, or None if it may.

    A move keeps the region's level: a street stays a street. Moving to another level would
    have to re-level the whole subtree and change what the regions mean, so it is refused.
    """
    if new_parent is not None and new_parent.path.startswith(region.path):
        return _("A region cannot move under itself or one of its own sub-regions.")
    new_level = 1 if new_parent is None else new_parent.level + 1
    if new_level != region.level:
        return _(
            "Moving %(name)s there would change its level from %(old)s to %(new)s. "
            "Pick a parent on the same level as its current parent.",
            name=region.name,
            old=level_label(region.level),
            new=level_label(new_level),
        )
    return None


def move_region(region: Region, new_parent: Region | None) -> None:
    """Put ``region`` under ``new_parent`` and rewrite the paths of its whole subtree."""
    problem = move_problem(region, new_parent)
    if problem:
        raise ServiceError(problem, field="parent_id")
    old_path = region.path
    new_path = (new_parent.path if new_parent is not None else "/") + f"{region.id}/"
    region.parent = new_parent
    descendants = db.session.execute(
        select(Region).where(Region.path.startswith(old_path, autoescape=True))
    ).scalars()
    for node in descendants:
        node.path = new_path + node.path[len(old_path) :]
    db.session.flush()


# --- The tree as plain data -----------------------------------------------------------------


@dataclass(eq=False)
class RegionNode:
    """One region with its children, for display; built from a single query."""

    id: int
    parent_id: int | None
    name: str
    name_en: str | None
    level: int
    division_code: str | None
    branch_access: BranchAccess
    is_rural: bool
    path: str
    branch_count: int
    depth: int = 0
    ancestors: tuple[str, ...] = ()
    children: list[RegionNode] = field(default_factory=list)
    subtree_branch_count: int = 0

    @property
    def level_label(self) -> str:
        """The level's name: city, district/county, street/township or community/village."""
        return level_label(self.level)

    @property
    def access_label(self) -> str:
        """The translated branch-access value."""
        return str(BRANCH_ACCESS_LABELS[self.branch_access])

    @property
    def can_have_children(self) -> bool:
        """False for communities and villages, the lowest level."""
        return self.level < MAX_LEVEL

    @property
    def path_ids(self) -> list[int]:
        """The ids from the root down to this region."""
        return [int(part) for part in self.path.strip("/").split("/") if part]


@dataclass
class RegionTree:
    """The whole tree: ``roots`` nested, ``by_id`` for lookups."""

    roots: list[RegionNode]
    by_id: dict[int, RegionNode]

    def __iter__(self) -> Iterator[RegionNode]:
        """Every node, depth first, in display order."""
        stack = list(reversed(self.roots))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def __len__(self) -> int:
        return len(self.by_id)

    def search(self, query: str) -> list[RegionNode]:
        """Nodes whose name, English name or division code contains ``query``, in tree order."""
        needle = normalize_code(query).casefold()
        if not needle:
            return []
        return [
            node
            for node in self
            if needle in node.name.casefold()
            or needle in (node.name_en or "").casefold()
            or needle in (node.division_code or "")
        ]

    def subtree_of(self, region_id: int) -> Iterator[RegionNode]:
        """The node ``region_id`` and every node below it."""
        root = self.by_id.get(region_id)
        if root is None:
            return
        stack = [root]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node.children)


def _sibling_order(node: RegionNode) -> tuple[bool, str, str]:
    # Division codes order siblings the way official lists do; regions without one go last.
    return (node.division_code is None, node.division_code or "", node.name)


def load_region_tree() -> RegionTree:
    """The whole region tree with active-branch counts, loaded in one query."""
    active_branches = (
        select(func.count(Branch.id))
        .where(Branch.region_id == Region.id, Branch.is_active.is_(True))
        .correlate(Region)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Region.id,
            Region.parent_id,
            Region.name,
            Region.name_en,
            Region.level,
            Region.division_code,
            Region.branch_access,
            Region.is_rural,
            Region.path,
            active_branches,
        ).order_by(Region.path)
    ).all()
    roots: list[RegionNode] = []
    by_id: dict[int, RegionNode] = {}
    # Ordered by path, a parent ("/1/") always comes before its descendants ("/1/7/").
    for row in rows:
        node = RegionNode(*row)
        by_id[node.id] = node
        parent = by_id.get(node.parent_id) if node.parent_id is not None else None
        if parent is None:
            roots.append(node)
        else:
            node.depth = parent.depth + 1
            node.ancestors = (*parent.ancestors, parent.name)
            parent.children.append(node)
    for node in by_id.values():
        node.children.sort(key=_sibling_order)
    roots.sort(key=_sibling_order)
    tree = RegionTree(roots, by_id)
    # Reversed depth-first order visits every child before its parent.
    for node in reversed(list(tree)):
        node.subtree_branch_count = node.branch_count + sum(
            child.subtree_branch_count for child in node.children
        )
    return tree


# --- Creating and editing regions ------------------------------------------------------------


@dataclass(frozen=True)
class RegionData:
    """The fields of a region an administrator sets; level and path follow from the parent."""

    name: str
    name_en: str | None = None
    division_code: str | None = None
    branch_access: BranchAccess = BranchAccess.BRANCH
    is_rural: bool = False


def division_code_problem(code: str | None, region: Region | None = None) -> str | None:
    """Why ``code`` cannot be used for ``region`` (None for a new one), or None if it can."""
    if not code:
        return None
    if not DIVISION_CODE_RE.fullmatch(code):
        return _("A division code has 6, 9 or 12 digits.")
    stmt = select(Region.name).where(Region.division_code == code)
    if region is not None and region.id is not None:
        stmt = stmt.where(Region.id != region.id)
    holder = db.session.execute(stmt).scalar_one_or_none()
    if holder is not None:
        return _("The division code %(code)s is already used by %(name)s.", code=code, name=holder)
    return None


def child_problem(parent: Region | None) -> str | None:
    """Why no region can be added under ``parent``, or None if one can."""
    if parent is not None and parent.level >= MAX_LEVEL:
        return _(
            "%(name)s is a community or village, the lowest level of the tree; "
            "no region can be added under it.",
            name=parent.name,
        )
    return None


def create_region(data: RegionData, parent: Region | None) -> Region:
    """Add a region under ``parent`` (a root when None) after checking the tree's rules."""
    problems = {}
    if problem := child_problem(parent):
        problems["parent_id"] = problem
    if problem := division_code_problem(data.division_code):
        problems["division_code"] = problem
    if problems:
        raise ServiceError(problems)
    region = add_region(
        name=data.name,
        parent=parent,
        division_code=data.division_code,
        branch_access=data.branch_access,
        is_rural=data.is_rural,
        name_en=data.name_en,
    )
    record(
        "region.create",
        region,
        name=region.name,
        parent_id=region.parent_id,
        level=region.level,
        division_code=region.division_code,
    )
    return region


def _assign_region(region: Region, data: RegionData) -> dict[str, list[Any]]:
    """Copy ``data`` onto ``region``; the changed fields as ``{name: [old, new]}``."""
    changes: dict[str, list[Any]] = {}
    for name in ("name", "name_en", "division_code", "branch_access", "is_rural"):
        old, new = getattr(region, name), getattr(data, name)
        if name in ("name_en", "division_code"):
            new = new or None
        if old != new:
            changes[name] = [old, new]
            setattr(region, name, new)
    return changes


def update_region(region: Region, data: RegionData, parent: Region | None) -> dict[str, list[Any]]:
    """Change ``region``'s fields and parent (moving its subtree); returns what changed."""
    problems = {}
    moving = (parent.id if parent is not None else None) != region.parent_id
    if moving and (problem := move_problem(region, parent)):
        problems["parent_id"] = problem
    if problem := division_code_problem(data.division_code, region):
        problems["division_code"] = problem
    if problems:
        raise ServiceError(problems)
    changes = _assign_region(region, data)
    if moving:
        changes["parent_id"] = [region.parent_id, parent.id if parent is not None else None]
        move_region(region, parent)
    db.session.flush()
    if changes:
        record("region.update", region, changes=changes)
    return changes


# --- CSV import ------------------------------------------------------------------------------

CSV_COLUMNS = ("division_code", "name", "name_en", "parent_code", "branch_access", "is_rural")
MAX_IMPORT_ROWS = 5000
MAX_IMPORT_BYTES = 2 * 1024 * 1024
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "t", "是"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "n", "f", "否"})


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
        if len(cells) != len(CSV_COLUMNS):
            message = _(
                "This line has %(found)d fields; it needs %(expected)d.",
                found=len(cells),
                expected=len(CSV_COLUMNS),
            )
            self.report.problems.append(ImportProblem(line, "", message))
            return
        if self._has_control_characters(line, cells):
            return
        code, parent_code = normalize_code(cells[0]), normalize_code(cells[3])
        name, name_en = cells[1].strip(), cells[2].strip()
        problems: list[ImportProblem] = []

        def problem(column: str, message: str) -> None:
            value = cells[CSV_COLUMNS.index(column)].strip()
            problems.append(ImportProblem(line, column, message, value, name))

        self._check_code(line, code, problem)
        if not name:
            problem("name", _("The name is missing."))
        elif len(name) > 80:
            problem("name", _("The name is longer than 80 characters."))
        if len(name_en) > 120:
            problem("name_en", _("The English name is longer than 120 characters."))
        access = _parse_access(cells[4], problem)
        is_rural = _parse_rural(cells[5], problem)
        existing = self.snapshot.by_code.get(code) if code else None
        parent_level = self._parent_level(code, parent_code, existing, problem)
        if existing is None:
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
            problem("division_code", _("A division code has 6, 9 or 12 digits."))
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


_Problem = Callable[[str, str], None]


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

    def parent_of(row: ImportRow) -> Region | None:
        return by_code[row.parent_code] if row.parent_code else None

    # Every new region first, in one flush, so a large file does not cost a flush per line;
    # parents come before their children in the file, so their levels are already known.
    new_regions = []
    for row in report.rows:
        if row.existing_id is None:
            parent = parent_of(row)
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

    # Then paths, changes and moves in file order: a move rewrites the paths below it,
    # including those of regions this file just created.
    updated = unchanged = 0
    for row in report.rows:
        region, parent = by_code[row.division_code], parent_of(row)
        if row.existing_id is None:
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
            continue
        if region.id != row.existing_id:
            raise ValueError(f"region {row.division_code} changed during the import")
        changes = _assign_region(region, row.data)
        if (parent.id if parent is not None else None) != region.parent_id:
            changes["parent_id"] = [region.parent_id, parent.id if parent is not None else None]
            move_region(region, parent)
        if changes:
            record("region.update", region, source="csv", line=row.line, changes=changes)
            updated += 1
        else:
            unchanged += 1
    db.session.flush()
    result = ImportResult(created=len(new_regions), updated=updated, unchanged=unchanged)
    record("region.import", None, **asdict(result))
    return result


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


# --- Branches ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BranchData:
    """The fields of a branch an administrator sets."""

    name: str
    region: Region
    address: str = ""
    phone: str = ""
    is_active: bool = True


def branch_name_problem(name: str, branch: Branch | None = None) -> str | None:
    """Why ``name`` cannot be used for ``branch`` (None for a new one), or None if it can."""
    stmt = select(Branch.id).where(func.lower(Branch.name) == name.lower())
    if branch is not None and branch.id is not None:
        stmt = stmt.where(Branch.id != branch.id)
    if db.session.execute(stmt).first() is not None:
        return _("Another branch is already called %(name)s.", name=name)
    return None


def create_branch(data: BranchData) -> Branch:
    """Add a branch after checking that its name is free."""
    if problem := branch_name_problem(data.name):
        raise ServiceError(problem, field="name")
    branch = Branch(
        name=data.name,
        region=data.region,
        address=data.address,
        phone=data.phone,
        is_active=data.is_active,
    )
    db.session.add(branch)
    db.session.flush()
    record(
        "branch.create",
        branch,
        name=branch.name,
        region_id=branch.region_id,
        is_active=branch.is_active,
    )
    return branch


def update_branch(branch: Branch, data: BranchData) -> dict[str, list[Any]]:
    """Change ``branch``; deactivating is ``is_active=False``. Returns what changed."""
    if problem := branch_name_problem(data.name, branch):
        raise ServiceError(problem, field="name")
    changes: dict[str, list[Any]] = {}
    for name in ("name", "address", "phone", "is_active"):
        old, new = getattr(branch, name), getattr(data, name)
        if old != new:
            changes[name] = [old, new]
            setattr(branch, name, new)
    if branch.region_id != data.region.id:
        changes["region_id"] = [branch.region_id, data.region.id]
        branch.region = data.region
    db.session.flush()
    if changes:
        action = "branch.update"
        if "is_active" in changes:
            action = "branch.activate" if data.is_active else "branch.deactivate"
        record(action, branch, changes=changes)
    return changes


def branch_list_query(
    query: str = "", region: Region | None = None, status: str = ""
) -> Select[tuple[Branch]]:
    """Branches by name, matching ``query`` in name or address, inside ``region``'s subtree.

    ``status`` is "active", "inactive" or "" for both.
    """
    stmt = select(Branch).join(Branch.region).options(contains_eager(Branch.region))
    if query:
        stmt = stmt.where(
            or_(
                Branch.name.icontains(query, autoescape=True),
                Branch.address.icontains(query, autoescape=True),
            )
        )
    if region is not None:
        stmt = stmt.where(Region.path.startswith(region.path, autoescape=True))
    if status == "active":
        stmt = stmt.where(Branch.is_active.is_(True))
    elif status == "inactive":
        stmt = stmt.where(Branch.is_active.is_(False))
    return stmt.order_by(Branch.name, Branch.id)
