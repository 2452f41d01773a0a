"""Coverage pages for regional heads, staff and administrators: the report, its exports, its
JSON (with the session or with a read-only reporting token), and the token's page."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from outreach_app.auth.models import User
from outreach_app.core.downloads import content_disposition
from outreach_app.coverage import charts, figures
from outreach_app.coverage.api import (
    api_token,
    bearer_token,
    renew_api_token,
    revoke_api_token,
    user_for_api_token,
)
from outreach_app.coverage.exports import (
    HELD_AND_PLANNED,
    child_label,
    csv_text,
    period_text,
    region_name,
    report_data,
    report_sections,
    xlsx_bytes,
)
from outreach_app.coverage.forms import PERIOD_LABELS, CoverageQuery, parse_query, period_choices
from outreach_app.coverage.pdf import render_summary
from outreach_app.coverage.services import (
    MAX_STALE_MONTHS,
    CoverageReport,
    build_report,
    default_region,
    region_choices,
)
from outreach_app.extensions import db, limiter
from outreach_app.regions.models import BRANCH_ACCESS_LABELS, Region
from outreach_app.regions.queries import region_in_scope

bp = Blueprint("coverage", __name__)
api_bp = Blueprint("coverage_api", __name__)

# Reporting tools poll now and then; more than this from one address is something else.
API_LIMIT = "600 per hour"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.record_once
def _register_api(state: Any) -> None:
    """The token-authenticated JSON lives under /api, beside the coverage pages."""
    state.app.register_blueprint(api_bp, url_prefix="/api/coverage")


def _user() -> User:
    return current_user._get_current_object()


def _today() -> date:
    """Today in the bank's time zone, the zone event times are written in."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def _region_or_404(user: User, region_id: int) -> Region:
    region = region_in_scope(user, region_id)
    if region is None:
        abort(404)
    return region


def _report(user: User, region: Region, query: CoverageQuery) -> CoverageReport:
    return build_report(user, region, query.period, _today(), stale_months=query.stale_months)


@bp.app_template_filter("coverage_count")
def count_filter(value: int | None) -> str:
    """A count with thousands separators."""
    return f"{value or 0:,}"


@bp.app_template_filter("region_name")
def region_name_filter(region: Region) -> str:
    """A region's name in the current language."""
    return region_name(region)


@bp.route("/")
@login_required
def index():
    """Open the coverage of the region picked (``?region=``) or of the user's own area (the
    first top-level region for administrators)."""
    user = _user()
    wanted = request.args.get("region")
    region = region_in_scope(user, wanted) if wanted else default_region(user)
    if region is None:
        abort(404)
    args = {k: v for k, v in request.args.items() if k in ("period", "from", "to", "stale")}
    return redirect(url_for(".report", region_id=region.id, **args))


@bp.route("/<id:region_id>")
@login_required
def report(region_id: int):
    """The coverage page of one region for one period."""
    user = _user()
    region = _region_or_404(user, region_id)
    query = parse_query(request.args, _today())
    result = _report(user, region, query)
    return render_template(
        "coverage/report.html",
        report=result,
        query=query,
        periods=period_choices(),
        regions=region_choices(user),
        max_stale=MAX_STALE_MONTHS,
        view=_view_data(result),
        period_label=f"{PERIOD_LABELS[result.period.name]} · {period_text(result.period)}",
        access_labels=BRANCH_ACCESS_LABELS,
        child_label=child_label,
        held_and_planned=HELD_AND_PLANNED,
    )


def _label(key: str) -> str:
    """A figure's label in the current language, for a chart's legend."""
    return str(figures.FIGURES[key].label)


def _view_data(report: CoverageReport) -> dict[str, Any]:
    """Chart geometry and shading for the template; no figures are computed here."""
    months = [m.label for m, _f in report.trend]
    trend = charts.trend_chart(
        months,
        [(f.held, f.planned) for _m, f in report.trend],
        [f["reached"] for _m, f in report.trend],
        [("bar-events", _label("events_held")), ("bar-planned", _label("events_planned"))],
        _label("reached"),
    )
    kinds = charts.hbar_chart(
        [(label, (f.held,)) for _k, label, f in report.by_kind],
        [("bar-events", _label("events_held"))],
        width=64,
    )
    groups = charts.hbar_chart(
        [(g.name, (f["reached"], f["check_ins"])) for g, f in report.by_group],
        [("bar-reached", _label("reached")), ("bar-checkins", _label("check_ins"))],
        width=64,
    )
    top_heat = max((v for c in report.children for v in c.held_by_month), default=0)
    heat = [[charts.heat_bucket(v, top_heat) for v in c.held_by_month] for c in report.children]
    child_scale = max((c.figures.held for c in report.children), default=0) or 1
    return {
        "months": months,
        "trend": trend,
        "kinds": kinds,
        "groups": groups,
        "heat": heat,
        "child_widths": [round(80 * c.figures.held / child_scale, 1) for c in report.children],
        "child_regions": {c.region.id for c in report.children if not c.is_own},
        # The figures each part of the page shows, with their labels (``coverage.figures``).
        "kpis": figures.columns(figures.PAGE_KPIS),
        "record": figures.columns(figures.PAGE_RECORD),
        "columns": {
            "trend": figures.columns(figures.PAGE_TREND),
            "kinds": figures.columns(figures.PAGE_KINDS),
            "groups": figures.columns(figures.PAGE_GROUPS),
            "topics": figures.columns(figures.PAGE_TOPICS),
            "regions": figures.columns(figures.PAGE_REGIONS),
        },
    }


def _download_name(report: CoverageReport, extension: str) -> str:
    period = report.period
    span = (
        period.first_text
        if period.first == period.last
        else (f"{period.first_text}_{period.last_text}")
    )
    return f"{_('coverage')}-{region_name(report.region)}-{span}.{extension}"


def _export_report(region_id: int) -> CoverageReport:
    """The report an export asks for; bad filter input is a 400, never another period."""
    user = _user()
    region = _region_or_404(user, region_id)
    query = parse_query(request.args, _today())
    if query.errors:
        abort(400)
    return _report(user, region, query)


@bp.route("/<id:region_id>/export.csv")
@login_required
def export_csv(region_id: int):
    """The page's figures as CSV (UTF-8 with BOM), one section after another."""
    result = _export_report(region_id)
    return Response(
        csv_text(report_sections(result)),
        mimetype="text/csv",
        headers={"Content-Disposition": content_disposition(_download_name(result, "csv"))},
    )


@bp.route("/<id:region_id>/export.xlsx")
@login_required
def export_xlsx(region_id: int):
    """The page's figures as an Excel workbook, one sheet per breakdown."""
    result = _export_report(region_id)
    return Response(
        xlsx_bytes(report_sections(result)),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": content_disposition(_download_name(result, "xlsx"))},
    )


@bp.route("/<id:region_id>/export.pdf")
@login_required
def export_pdf(region_id: int):
    """A one-page printable summary of the page's figures."""
    result = _export_report(region_id)
    content = render_summary(result, current_app.config["BANK_NAME"], _today())
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": content_disposition(_download_name(result, "pdf"))},
    )


def _json_error(status: int, message: str, errors: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"error": message}
    if errors:
        body["fields"] = errors
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _json_report(user: User, region_id: int) -> Response:
    region = region_in_scope(user, region_id)
    if region is None:
        return _json_error(404, "not found")
    query = parse_query(request.args, _today())
    if query.errors:
        return _json_error(400, "invalid filter", query.errors)
    response = jsonify(report_data(_report(user, region, query)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<id:region_id>.json")
@login_required
def report_json(region_id: int):
    """The page's figures as JSON, for a logged-in user."""
    return _json_report(_user(), region_id)


@api_bp.route("/<id:region_id>")
@limiter.limit(lambda: current_app.config.get("COVERAGE_API_LIMIT", API_LIMIT))
def api_report(region_id: int):
    """The coverage JSON for reporting tools: ``Authorization: Bearer <token>``, read-only."""
    user = user_for_api_token(
        bearer_token(request.headers.get("Authorization")), current_app.secret_key
    )
    if user is None:
        response = _json_error(401, "a valid bearer token is required")
        response.headers["WWW-Authenticate"] = 'Bearer realm="coverage"'
        return response
    return _json_report(user, region_id)


@api_bp.errorhandler(404)
@api_bp.errorhandler(405)
@api_bp.errorhandler(429)
def api_error(error: Any) -> Response:
    """Errors of the API as JSON, never an HTML page or a redirect."""
    db.session.rollback()
    code = getattr(error, "code", 500) or 500
    return _json_error(code, getattr(error, "name", "error").lower())


@bp.route("/api-token")
@login_required
def api_token_page():
    """The user's read-only reporting token, and buttons to replace or revoke it."""
    token = api_token(_user(), current_app.secret_key)
    region = default_region(_user())
    example = None
    if region is not None:
        example = current_app.config["PUBLIC_BASE_URL"] + url_for(
            "coverage_api.api_report", region_id=region.id
        )
    return render_template("coverage/api_token.html", token=token, example_url=example)


@bp.route("/api-token", methods=["POST"])
@login_required
def change_api_token():
    """Create or replace the token (``action=renew``) or revoke it (``action=revoke``)."""
    user = _user()
    if request.form.get("action") == "revoke":
        if revoke_api_token(user):
            db.session.commit()
            flash(_("Your reporting token is revoked. It no longer works."), "success")
        else:
            flash(_("You have no reporting token."), "info")
    else:
        had_token = user.api_token_version > 0
        renew_api_token(user)
        db.session.commit()
        if had_token:
            flash(_("You have a new reporting token. The old one no longer works."), "success")
        else:
            flash(_("Your reporting token is ready."), "success")
    return redirect(url_for(".api_token_page"))
