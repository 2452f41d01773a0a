"""Administration of the region tree and the branches (admin only)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from outreach_app.core.access import admin_required
from outreach_app.core.forms import show_errors
from outreach_app.core.ids import parse_id
from outreach_app.core.pagination import paginate
from outreach_app.core.validation import ServiceError
from outreach_app.extensions import db
from outreach_app.regions.branches import (
    BranchData,
    branch_list_query,
    create_branch,
    update_branch,
)
from outreach_app.regions.forms import (
    BranchFilterForm,
    BranchForm,
    RegionForm,
    RegionImportForm,
    RegionSearchForm,
    region_choices,
)
from outreach_app.regions.imports import (
    CSV_COLUMNS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    apply_region_import,
    load_region_snapshot,
    sample_region_csv,
    validate_region_csv,
)
from outreach_app.regions.models import Branch, BranchAccess, Region
from outreach_app.regions.services import RegionData, child_problem, create_region, update_region
from outreach_app.regions.tree import RegionTree, load_region_tree

bp = Blueprint("regions", __name__)

MAX_REPORTED_PROBLEMS = 500


def _region_data(form: RegionForm) -> RegionData:
    return RegionData(
        name=form.name.data,
        name_en=form.name_en.data or None,
        division_code=form.division_code.data or None,
        branch_access=BranchAccess(form.branch_access.data),
        is_rural=form.is_rural.data,
    )


# --- Region tree -----------------------------------------------------------------------------


@bp.route("/regions")
@admin_required
def region_tree():
    """The whole region tree, or the regions matching ``?q=`` with where they sit."""
    tree = load_region_tree()
    search = RegionSearchForm(request.args)
    query = (search.q.data or "")[:80]
    focus = tree.by_id.get(parse_id(request.args.get("focus")) or 0)
    return render_template(
        "regions/tree.html",
        tree=tree,
        search=search,
        query=query,
        matches=tree.search(query) if query else None,
        expand_all=request.args.get("expand") == "all",
        open_ids=set(focus.path_ids) if focus else set(),
        focus_id=focus.id if focus else None,
    )


def _region_arg_or_404(name: str) -> Region | None:
    """The region the query argument ``name`` names; None when it is not given, a 404 when it
    names no region."""
    value = request.args.get(name)
    if not value:
        return None
    key = parse_id(value)
    if key is None:
        abort(404)
    return db.get_or_404(Region, key)


def _tree_url(region: Region) -> str:
    return url_for(".region_tree", focus=region.id, _anchor=f"region-{region.id}")


@bp.route("/regions/new", methods=["GET", "POST"])
@admin_required
def new_region():
    """Create a region; ``?parent=ID`` preselects where it goes."""
    preset = _region_arg_or_404("parent")
    tree = load_region_tree()
    form = RegionForm(parent_id=preset.id if preset else None)
    form.parent_id.choices = region_choices(
        tree,
        _("None: a top-level region (city)"),
        is_disabled=lambda node: not node.can_have_children and node.id != form.parent_id.data,
    )
    if request.method == "GET" and (problem := child_problem(preset)):
        form.parent_id.errors = [problem]
    if form.validate_on_submit():
        parent = db.session.get(Region, form.parent_id.data) if form.parent_id.data else None
        try:
            region = create_region(_region_data(form), parent)
        except ServiceError as error:
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Region %(name)s created.", name=region.name), "success")
            return redirect(_tree_url(region))
    return render_template("regions/region_form.html", form=form, region=None, tree=tree)


@bp.route("/regions/<id:region_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_region(region_id: int):
    """Edit a region; a new parent moves it with everything below it."""
    region = db.get_or_404(Region, region_id)
    tree = load_region_tree()
    subtree = {node.id for node in tree.subtree_of(region.id)}
    form = RegionForm(obj=region)
    form.parent_id.choices = region_choices(
        tree,
        _("None: a top-level region (city)"),
        is_disabled=lambda node: (
            node.id != region.parent_id and (node.id in subtree or node.level != region.level - 1)
        ),
    )
    if form.validate_on_submit():
        parent = db.session.get(Region, form.parent_id.data) if form.parent_id.data else None
        try:
            changes = update_region(region, _region_data(form), parent)
        except ServiceError as error:
            show_errors(form, error)
        else:
            db.session.commit()
            if changes:
                flash(_("Region %(name)s saved.", name=region.name), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(_tree_url(region))
    return render_template(
        "regions/region_form.html",
        form=form,
        region=region,
        node=tree.by_id[region.id],
        tree=tree,
    )


# --- CSV import ------------------------------------------------------------------------------


@bp.route("/regions/import", methods=["GET", "POST"])
@admin_required
def import_csv():
    """Upload a CSV of regions; nothing is imported unless every line is good."""
    form = RegionImportForm()
    report = None
    if form.validate_on_submit():
        data = form.file.data.stream.read(MAX_IMPORT_BYTES + 1)
        report = validate_region_csv(data, load_region_snapshot())
        if report.ok:
            result = apply_region_import(report)
            db.session.commit()
            flash(
                _(
                    "Import finished: %(created)d created, %(updated)d updated, "
                    "%(unchanged)d unchanged.",
                    created=result.created,
                    updated=result.updated,
                    unchanged=result.unchanged,
                ),
                "success",
            )
            return redirect(url_for(".region_tree"))
    return render_template(
        "regions/import.html",
        form=form,
        report=report,
        columns=CSV_COLUMNS,
        max_rows=MAX_IMPORT_ROWS,
        max_mb=MAX_IMPORT_BYTES // (1024 * 1024),
        max_problems=MAX_REPORTED_PROBLEMS,
    )


@bp.route("/regions/import/sample.csv")
@admin_required
def import_sample():
    """A sample file in the import format."""
    return Response(
        sample_region_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=regions-sample.csv"},
    )


# --- Branches --------------------------------------------------------------------------------


@bp.route("/branches")
@admin_required
def list_branches():
    """All branches: search by name or address, filter by region subtree and status."""
    tree = load_region_tree()
    filters = BranchFilterForm(request.args)
    filters.region.choices = region_choices(tree, _("All regions"))
    region = _region_arg_or_404("region")
    query = (filters.q.data or "")[:120]
    status = filters.status.data if filters.status.data in ("active", "inactive") else ""
    page = paginate(branch_list_query(query, region, status), current_app.config["PER_PAGE"])
    return render_template(
        "regions/branches.html",
        page=page,
        filters=filters,
        tree=tree,
        is_filtered=bool(query or region or status),
    )


def _branch_form(tree: RegionTree, branch: Branch | None = None) -> BranchForm:
    form = BranchForm(obj=branch)
    form.region_id.choices = region_choices(tree, _("Choose a region"))
    return form


def _branch_data(form: BranchForm) -> BranchData:
    return BranchData(
        name=form.name.data,
        region=db.get_or_404(Region, form.region_id.data),
        address=form.address.data or "",
        phone=form.phone.data or "",
        is_active=form.is_active.data,
    )


@bp.route("/branches/new", methods=["GET", "POST"])
@admin_required
def new_branch():
    """Create a branch."""
    tree = load_region_tree()
    form = _branch_form(tree)
    if request.method == "GET" and (region_id := parse_id(request.args.get("region"))):
        form.region_id.data = region_id
    if form.validate_on_submit():
        try:
            branch = create_branch(_branch_data(form))
        except ServiceError as error:
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Branch %(name)s created.", name=branch.name), "success")
            return redirect(url_for(".list_branches"))
    return render_template("regions/branch_form.html", form=form, branch=None)


@bp.route("/branches/<id:branch_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_branch(branch_id: int):
    """Edit a branch; unticking "active" deactivates it (branches are never deleted)."""
    branch = db.get_or_404(Branch, branch_id)
    tree = load_region_tree()
    form = _branch_form(tree, branch)
    if form.validate_on_submit():
        try:
            changes = update_branch(branch, _branch_data(form))
        except ServiceError as error:
            show_errors(form, error)
        else:
            db.session.commit()
            if changes:
                flash(_("Branch %(name)s saved.", name=branch.name), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for(".list_branches"))
    return render_template("regions/branch_form.html", form=form, branch=branch)
