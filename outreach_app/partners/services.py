"""Finding, creating and changing partners in a user's scope; these flush, the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from outreach_app.audit.services import record
from outreach_app.auth.models import User
from outreach_app.core.scope import scope_of, scoped_select
from outreach_app.core.validation import ServiceError
from outreach_app.extensions import db
from outreach_app.partners.models import Partner, PartnerKind
from outreach_app.regions.models import Branch, Region, region_subtree
from outreach_app.regions.queries import branch_in_scope, region_in_scope

SEARCH_MAX_LENGTH = 100

# The partner form shows these too, so each rule says the same words wherever it is checked.
CHOOSE_KIND_FROM_LIST = _l("Choose a kind from the list.")
CHOOSE_REGION = _l("Choose a region in your area.")
CHOOSE_BRANCH = _l("Choose a branch in your area.")


@dataclass(frozen=True)
class PartnerDetails:
    """What a user enters about a partner; ids are checked against the user's scope on saving."""

    name: str
    kind: str
    region_id: int | None
    branch_id: int | None
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    notes: str = ""


@dataclass(frozen=True)
class PartnerFilters:
    """The list's search and filters, already checked: unknown or out-of-scope values are None."""

    q: str = ""
    kind: PartnerKind | None = None
    region: Region | None = None
    include_archived: bool = False

    @property
    def is_active(self) -> bool:
        """True when anything narrows the list."""
        return bool(self.q or self.kind or self.region or self.include_archived)


def parse_kind(value: Any) -> PartnerKind | None:
    """The partner kind named by ``value``, or None if there is no such kind."""
    try:
        return PartnerKind(value)
    except ValueError:
        return None


def partner_list_query(user: User, filters: PartnerFilters) -> Select[tuple[Partner]]:
    """The partners ``user`` may see that match ``filters``, by name, for ``db.paginate``."""
    stmt = scoped_select(Partner, user).options(
        selectinload(Partner.region), selectinload(Partner.branch)
    )
    if not filters.include_archived:
        stmt = stmt.where(Partner.is_archived.is_(False))
    if filters.kind is not None:
        stmt = stmt.where(Partner.kind == filters.kind)
    if filters.region is not None:
        stmt = stmt.where(Partner.region_id.in_(region_subtree(filters.region.path)))
    text = filters.q.strip()[:SEARCH_MAX_LENGTH]
    if text:
        stmt = stmt.where(
            Partner.name.icontains(text, autoescape=True)
            | Partner.contact_name.icontains(text, autoescape=True)
            | Partner.contact_phone.icontains(text, autoescape=True)
            | Partner.address.icontains(text, autoescape=True)
        )
    return stmt.order_by(Partner.is_archived, Partner.name, Partner.id)


def _checked_kind(value: str) -> PartnerKind:
    kind = parse_kind(value)
    if kind is None:
        raise ServiceError(str(CHOOSE_KIND_FROM_LIST), field="kind")
    return kind


def _checked_place(
    user: User, details: PartnerDetails, current: Partner | None
) -> tuple[Region, Branch]:
    """The region and branch to save, each inside ``user``'s scope whatever the form said.

    A partner's present region or branch may stay even if it lies outside the scope (an
    administrator may have set it); anything new must be inside. Staff always keep their branch.
    """
    if current is not None and details.region_id == current.region_id:
        region: Region | None = current.region
    else:
        region = region_in_scope(user, details.region_id)
    if region is None:
        raise ServiceError(str(CHOOSE_REGION), field="region_id")

    scope = scope_of(user)
    if scope.branch_id is not None:
        branch = user.branch
    elif current is not None and details.branch_id == current.branch_id:
        branch = current.branch
    else:
        branch = branch_in_scope(user, details.branch_id)
    if branch is None:
        raise ServiceError(str(CHOOSE_BRANCH), field="branch_id")
    return region, branch


def create_partner(user: User, details: PartnerDetails) -> Partner:
    """Add a partner in ``user``'s scope, or raise ServiceError naming the field at fault."""
    kind = _checked_kind(details.kind)
    region, branch = _checked_place(user, details, None)
    partner = Partner(
        name=details.name,
        kind=kind,
        region=region,
        branch=branch,
        address=details.address,
        contact_name=details.contact_name,
        contact_phone=details.contact_phone,
        notes=details.notes,
        is_archived=False,
    )
    db.session.add(partner)
    db.session.flush()
    record(
        "partner.create",
        partner,
        actor=user,
        name=partner.name,
        kind=kind.value,
        region_id=region.id,
        branch_id=branch.id,
    )
    return partner


def update_partner(user: User, partner: Partner, details: PartnerDetails) -> dict[str, Any]:
    """Change ``partner`` as ``details`` say; returns what changed (old and new values)."""
    kind = _checked_kind(details.kind)
    region, branch = _checked_place(user, details, partner)
    new_values: dict[str, Any] = {
        "name": details.name,
        "kind": kind,
        "region_id": region.id,
        "branch_id": branch.id,
        "address": details.address,
        "contact_name": details.contact_name,
        "contact_phone": details.contact_phone,
        "notes": details.notes,
    }
    changes = {
        field: [getattr(partner, field), value]
        for field, value in new_values.items()
        if getattr(partner, field) != value
    }
    if not changes:
        return changes
    partner.name = details.name
    partner.kind = kind
    partner.region = region
    partner.branch = branch
    partner.address = details.address
    partner.contact_name = details.contact_name
    partner.contact_phone = details.contact_phone
    partner.notes = details.notes
    db.session.flush()
    # Notes can be long; the entry says that they changed, not what they said.
    logged = {field: values for field, values in changes.items() if field != "notes"}
    record("partner.update", partner, actor=user, changes=logged, notes_changed="notes" in changes)
    return changes


def archive_partner(user: User, partner: Partner) -> bool:
    """Hide ``partner`` from the directory; False if it was archived already."""
    if partner.is_archived:
        return False
    partner.is_archived = True
    db.session.flush()
    record("partner.archive", partner, actor=user)
    return True


def restore_partner(user: User, partner: Partner) -> bool:
    """Bring an archived ``partner`` back; False if it was not archived."""
    if not partner.is_archived:
        return False
    partner.is_archived = False
    db.session.flush()
    record("partner.restore", partner, actor=user)
    return True
