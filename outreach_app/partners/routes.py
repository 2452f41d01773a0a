"""The partner directory: admins see all partners, heads their region subtree, staff a branch."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from outreach_app.auth.models import User
from outreach_app.core.forms import show_errors
from outreach_app.core.pagination import paginate
from outreach_app.core.roles import Role
from outreach_app.core.scope import get_scoped_or_404
from outreach_app.core.validation import ServiceError
from outreach_app.extensions import db
from outreach_app.partners.forms import ConfirmForm, PartnerFilterForm, PartnerForm, kind_choices
from outreach_app.partners.history import partner_history
from outreach_app.partners.models import Partner
from outreach_app.partners.services import (
    PartnerDetails,
    PartnerFilters,
    archive_partner,
    create_partner,
    parse_kind,
    partner_list_query,
    restore_partner,
    update_partner,
)
from outreach_app.regions.queries import branches_in_scope, region_in_scope, regions_in_scope

bp = Blueprint("partners", __name__)

INDENT = "\u00a0\u00a0\u00a0"


def _user() -> User:
    return current_user._get_current_object()


def _load_partner(partner_id: int, user: User) -> Partner:
    """The partner if ``user`` may see it, else 404."""
    return get_scoped_or_404(Partner, partner_id, user)


def _region_choices(user: User, blank_label: str) -> list[tuple[str, str]]:
    """The regions in ``user``'s scope for a select, indented by depth."""
    choices = [("", blank_label)]
    choices += [(str(r.id), INDENT * depth + r.name) for r, depth in regions_in_scope(user)]
    return choices


def _partner_form(user: User, partner: Partner | None = None) -> PartnerForm:
    """The partner form with the choices ``user`` may make; staff have no branch field."""
    form = PartnerForm(obj=partner)
    form.kind.choices = kind_choices(_("Choose a kind"))
    form.region_id.choices = _region_choices(user, _("Choose a region"))
    if partner is not None and str(partner.region_id) not in dict(form.region_id.choices):
        form.region_id.choices.append((str(partner.region_id), partner.region.name))
    if user.role is Role.STAFF:
        del form.branch_id
    else:
        branches = branches_in_scope(user)
        if partner is not None and partner.branch not in branches:
            branches.append(partner.branch)
        form.branch_id.choices = [("", _("Choose a branch"))] + [
            (str(b.id), b.name) for b in branches
        ]
    return form


def _details(form: PartnerForm) -> PartnerDetails:
    branch_field = getattr(form, "branch_id", None)
    return PartnerDetails(
        name=form.name.data,
        kind=form.kind.data,
        region_id=form.region_id.data,
        branch_id=branch_field.data if branch_field is not None else None,
        address=form.address.data or "",
        contact_name=form.contact_name.data or "",
        contact_phone=form.contact_phone.data or "",
        notes=form.notes.data or "",
    )


@bp.route("/")
@login_required
def list_partners():
    """Partners in the user's scope: search, filters, and archived ones on request."""
    user = _user()
    form = PartnerFilterForm(formdata=request.args)
    form.kind.choices = kind_choices(_("All kinds"))
    form.region.choices = _region_choices(user, _("All regions"))
    filters = PartnerFilters(
        q=form.q.data or "",
        kind=parse_kind(request.args.get("kind", "")),
        region=region_in_scope(user, request.args.get("region")),
        include_archived=bool(form.archived.data),
    )
    page = paginate(
        partner_list_query(user, filters), current_app.config["PER_PAGE"], error_out=False
    )
    return render_template(
        "partners/list.html",
        form=form,
        page=page,
        filters=filters,
        show_branch=user.role is not Role.STAFF,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_partner():
    """Add a partner in the user's scope."""
    user = _user()
    form = _partner_form(user)
    if form.validate_on_submit():
        try:
            partner = create_partner(user, _details(form))
        except ServiceError as error:
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Partner %(name)s added.", name=partner.name), "success")
            return redirect(url_for(".partner_detail", partner_id=partner.id))
    return render_template("partners/form.html", form=form, partner=None)


@bp.route("/<id:partner_id>")
@login_required
def partner_detail(partner_id: int):
    """One partner: its details, its latest events and when it was last visited."""
    user = _user()
    partner = _load_partner(partner_id, user)
    return render_template(
        "partners/detail.html",
        partner=partner,
        history=partner_history(user, partner),
        show_branch=user.role is not Role.STAFF,
    )


@bp.route("/<id:partner_id>/edit", methods=["GET", "POST"])
@login_required
def edit_partner(partner_id: int):
    """Change a partner's details; region and branch stay inside the user's scope."""
    user = _user()
    partner = _load_partner(partner_id, user)
    form = _partner_form(user, partner)
    if form.validate_on_submit():
        try:
            changes = update_partner(user, partner, _details(form))
        except ServiceError as error:
            show_errors(form, error)
        else:
            db.session.commit()
            if changes:
                flash(_("Partner %(name)s saved.", name=partner.name), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for(".partner_detail", partner_id=partner.id))
    return render_template("partners/form.html", form=form, partner=partner)


@bp.route("/<id:partner_id>/archive", methods=["GET", "POST"])
@login_required
def archive(partner_id: int):
    """Ask, then archive a partner: it leaves the directory, its events stay."""
    user = _user()
    partner = _load_partner(partner_id, user)
    if partner.is_archived:
        flash(_("Partner %(name)s is archived already.", name=partner.name), "info")
        return redirect(url_for(".partner_detail", partner_id=partner.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        archive_partner(user, partner)
        db.session.commit()
        flash(_("Partner %(name)s archived.", name=partner.name), "success")
        return redirect(url_for(".partner_detail", partner_id=partner.id))
    return render_template("partners/archive.html", form=form, partner=partner)


@bp.route("/<id:partner_id>/restore", methods=["POST"])
@login_required
def restore(partner_id: int):
    """Bring an archived partner back into the directory."""
    user = _user()
    partner = _load_partner(partner_id, user)
    if restore_partner(user, partner):
        db.session.commit()
        flash(_("Partner %(name)s restored.", name=partner.name), "success")
    else:
        flash(_("Partner %(name)s is not archived.", name=partner.name), "info")
    return redirect(url_for(".partner_detail", partner_id=partner.id))
