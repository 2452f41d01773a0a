"""Writing audit entries; the caller's transaction commits them with the change itself."""

import json
from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from outreach_app.audit.models import AuditLog
from outreach_app.extensions import db


def record(action: str, obj: Any = None, actor: Any = None, **detail: Any) -> AuditLog:
    """Add an audit entry for ``action`` on ``obj`` by ``actor`` (default: the current user)."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()  # give a new object its id before naming it
    entry = AuditLog(
        user_id=getattr(actor, "id", None),
        action=action,
        object_type=obj.__tablename__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        remote_addr=(request.remote_addr or "")[:64] if has_request_context() else "",
        detail=json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True),
    )
    db.session.add(entry)
    return entry
