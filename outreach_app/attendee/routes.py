"""The public attendee page behind a handout's QR code (no login, no app, no personal data).

``/s/<token>`` shows the event, the handout's tips, the hotlines and three small forms (check-in,
quiz, feedback); each opening is counted as a scan, a reload from the same address within
minutes once. Language (``lang``) and senior mode (``senior``) travel in the query string and
in hidden form fields, so the page works without JavaScript and a GET never changes anything
but the scan count. Every answer is ``no-store``.

Unknown, forged, over-long and withdrawn codes all get one page (404, or 410 when withdrawn),
after the same single query.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, format_date
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import HTTPException

from outreach_app.attendee.forms import FormProblem, read_answers, read_feedback, read_group
from outreach_app.attendee.models import MAX_COMMENT_CHARS
from outreach_app.attendee.page_cache import catalog_gettext, copy_page_html
from outreach_app.attendee.services import (
    Copy,
    QuizResult,
    check_in,
    copy_state,
    find_copy,
    general_tips,
    grade,
    group_options,
    handout_in,
    leave_feedback,
    qr_note,
    quiz_questions,
    record_scan,
    stored_quiz,
    submit_quiz,
)
from outreach_app.extensions import address_and_copy_key, client_address, db, limiter

bp = Blueprint("attendee", __name__)

# The handset drawn on the call buttons (an SVG path, 24 × 24).
PHONE_ICON = (
    "M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 "
    "1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 "
    "3.57a1 1 0 0 1-.25 1z"
)


def _attendee_limits(kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Two limits for one kind of request (``page`` or ``post``): per address and copy, and a
    looser ceiling per address; their figures are in ``config.py``."""
    name = f"ATTENDEE_{kind.upper()}_LIMIT"
    per_copy = limiter.shared_limit(
        lambda: current_app.config[name],
        scope=f"attendee-{kind}-copy",
        key_func=address_and_copy_key,
        override_defaults=True,
    )
    per_address = limiter.shared_limit(
        lambda: current_app.config[f"{name}_PER_ADDRESS"],
        scope=f"attendee-{kind}-address",
        key_func=client_address,
        override_defaults=True,
    )
    return lambda view: per_address(per_copy(view))


page_limit = _attendee_limits("page")
post_limit = _attendee_limits("post")


# Request handling shared by every attendee view ------------------------------------------------


@bp.url_value_preprocessor
def cap_request_size(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Refuse bodies larger than an attendee form can be, before anything reads them."""
    if request.method in ("GET", "HEAD"):
        return
    cap = current_app.config["ATTENDEE_MAX_BODY_BYTES"]
    if (request.content_length or 0) > cap:
        abort(413)
    request.max_content_length = cap
    request.max_form_memory_size = cap
    request.max_form_parts = current_app.config["ATTENDEE_MAX_FORM_PARTS"]


@bp.after_request
def never_store(response):
    """Every opening is counted and forms carry a CSRF token: no cache may keep these pages."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _is_page_language(lang: str | None) -> bool:
    """Whether the page can be shown in ``lang``: one of the app's interface languages (a
    handout without text in it falls back to the printed one, see ``handout_in``)."""
    return lang in current_app.config["LANGUAGES"]


def _language(copy: Copy | None) -> str:
    """``lang`` from the query or form, else the copy's language, else Chinese."""
    wanted = request.values.get("lang", "")
    if _is_page_language(wanted):
        return wanted
    return copy.language if copy is not None else "zh_CN"


def _senior(copy: Copy | None) -> bool:
    """``senior=1``/``0`` from the query or form; by default on for large-print copies."""
    wanted = request.values.get("senior", "")
    if wanted in ("0", "1"):
        return wanted == "1"
    return copy.is_large_print if copy is not None else False


def _render(template: str, lang: str, senior: bool, status: int = 200, **context: Any):
    """Render an attendee template in ``lang`` with the settings every page needs."""
    other = "en" if lang == "zh_CN" else "zh_CN"
    settings = {"lang": lang, "senior": "1" if senior else "0"}
    context.setdefault("note", qr_note(lang))
    with force_locale(lang):
        html = render_template(
            template,
            gettext=catalog_gettext(lang),
            lang=lang,
            html_lang=lang.replace("_", "-"),
            other_lang=other,
            senior=senior,
            settings=settings,
            query=urlencode(settings),
            phone_path=PHONE_ICON,
            hotline=current_app.config["ANTI_FRAUD_HOTLINE"],
            bank_hotline=current_app.config["BANK_HOTLINE"],
            max_comment=MAX_COMMENT_CHARS,
            **context,
        )
    return html, status


def _event_date(copy: Copy, lang: str) -> str:
    """The printed event date, written the way the language writes dates."""
    raw = str(copy.page.get("event_date", ""))
    dates = current_app.extensions.setdefault("attendee_dates", {})
    if (raw, lang) not in dates:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            return raw
        with force_locale(lang):
            dates[(raw, lang)] = format_date(day, "long")
    return dates[(raw, lang)]


def _not_found(copy: Copy | None, typed: str = ""):
    """The one page for every code that opens no handout: 410 if withdrawn, else 404.

    It depends only on the request's own ``lang`` and ``senior``, never on the copy, so a
    withdrawn copy's page reads exactly like a made-up code's. A code typed into the form is
    put back into it, so a typo can be corrected.
    """
    lang = request.values.get("lang", "")
    lang = lang if _is_page_language(lang) else "zh_CN"
    senior = request.values.get("senior", "") == "1"
    status = 410 if copy is not None and copy.withdrawn else 404
    return _render(
        "attendee/not_found.html",
        lang,
        senior,
        status,
        tips=general_tips(lang),
        code=typed[:64],
    )


def _copy_page(copy: Copy, status: int = 200, **outcome: Any):
    """The copy's page in the request's language and mode, with a form's outcome if any,
    rendered once per run, version, language, mode and outcome (see ``page_cache``). A page
    echoing the attendee's own comment is rendered afresh."""
    lang, senior = _language(copy), _senior(copy)
    text = handout_in(copy, lang)
    outcome = _with_state(copy, outcome)
    key = (copy.run_id, text.version_id, lang, senior, tuple(sorted(outcome.items())))

    def render(token: str, csrf: str) -> str:
        html, _ = _render(
            "attendee/copy.html",
            lang,
            senior,
            copy=replace(copy, token=token),
            csrf_token=lambda: csrf,
            text=text,
            event_date=_event_date(copy, lang),
            groups=group_options(),
            has_quiz=bool(quiz_questions(text.topic_code, lang)),
            **outcome,
        )
        return html

    cacheable = "comment" not in outcome
    page = copy_page_html(key if cacheable else None, render, copy.token, generate_csrf)
    return page, status


def _with_state(copy: Copy, outcome: dict[str, Any]) -> dict[str, Any]:
    """``outcome`` completed with what the copy did before (one small query): a section done
    earlier says "already" instead of offering its form again, unless this answer is about it."""
    checked_in, quiz_taken, feedback_given = copy_state(copy)
    outcome = dict(outcome)
    if checked_in and not {"checkin", "checkin_problem"} & outcome.keys():
        outcome["checkin"] = "already"
    if feedback_given and not {"feedback", "feedback_problem"} & outcome.keys():
        outcome["feedback"] = "already"
    if quiz_taken:
        outcome["quiz_taken"] = True
    return outcome


def for_copy(view: Callable[[Copy], Any]) -> Callable[[str], Any]:
    """Give ``view`` the copy in force that the URL's token names; every other token gets the
    one not-found page (410 when withdrawn) after the same single query."""

    @functools.wraps(view)
    def with_copy(token: str) -> Any:
        copy = find_copy(token)
        if copy is None or copy.withdrawn:
            return _not_found(copy)
        return view(copy)

    return with_copy


# The page and its forms -----------------------------------------------------------------------


@bp.route("/S/<token>")
@bp.route("/s/<token>")
@page_limit
@for_copy
def copy_page(copy: Copy):
    """The copy's page; a GET of a copy in force counts one scan (time and copy only), except a
    reload from the same client address within the reload window."""
    if request.method == "GET":
        record_scan(copy, reader=client_address())
        db.session.commit()
    return _copy_page(copy)


@bp.route("/s")
@bp.route("/S")
@page_limit
def lookup():
    """Open a handout by typing the code printed under its QR code (read-only)."""
    code = request.args.get("code", "")
    if not code.strip():
        lang = request.args.get("lang", "")
        lang = lang if _is_page_language(lang) else "zh_CN"
        senior = request.args.get("senior", "") == "1"
        return _render(
            "attendee/not_found.html",
            lang,
            senior,
            200,
            tips=general_tips(lang),
            code="",
            lookup_only=True,
        )
    copy = find_copy(code)
    if copy is None or copy.withdrawn:
        return _not_found(copy, typed=code)
    params = {}
    if _is_page_language(request.args.get("lang")):
        params["lang"] = request.args["lang"]
    if request.args.get("senior") in ("0", "1"):
        params["senior"] = request.args["senior"]
    return redirect(url_for(".copy_page", token=copy.token, **params), code=303)


@bp.route("/s/<token>/checkin", methods=["POST"])
@post_limit
@for_copy
def check_in_copy(copy: Copy):
    """Check the copy in once, optionally with the attendee's group; again says "already"."""
    try:
        group_id = read_group(request.form)
    except FormProblem as problem:
        return _copy_page(copy, 400, checkin_problem=problem.code)
    added = check_in(copy, group_id)
    db.session.commit()
    return _copy_page(copy, checkin="done" if added else "already")


@bp.route("/s/<token>/feedback", methods=["POST"])
@post_limit
@for_copy
def feedback(copy: Copy):
    """A rating and an optional comment, once per copy."""
    try:
        given = read_feedback(request.form)
    except FormProblem as problem:
        comment = request.form.get("comment", "")[:MAX_COMMENT_CHARS]
        return _copy_page(copy, 400, feedback_problem=problem.code, comment=comment)
    added = leave_feedback(copy, given.rating, given.comment)
    db.session.commit()
    return _copy_page(copy, feedback="done" if added else "already")


@bp.route("/s/<token>/quiz")
@page_limit
@for_copy
def quiz(copy: Copy):
    """Three questions on the handout's topic, or the copy's answers explained once it took it.
    A topic without questions has no quiz page."""
    if not quiz_questions(handout_in(copy, _language(copy)).topic_code, _language(copy)):
        return _not_found(copy)
    stored = stored_quiz(copy)
    return _quiz_page(copy, result=stored, outcome="stored" if stored else None)


@bp.route("/s/<token>/quiz", methods=["POST"])
@post_limit
@for_copy
def submit_answers(copy: Copy):
    """Store the copy's answers once and explain every answer at once."""
    lang = _language(copy)
    text = handout_in(copy, lang)
    questions = quiz_questions(text.topic_code, lang)
    if not questions:
        return _not_found(copy)
    try:
        answers = read_answers(request.form, questions)
    except FormProblem as problem:
        return _quiz_page(copy, status=400, problem=problem.code, chosen=_chosen(questions))
    result = grade(questions, answers)
    added = submit_quiz(copy, text.topic_id, result)
    db.session.commit()
    if not added:
        return _quiz_page(copy, result=stored_quiz(copy), outcome="already")
    return _quiz_page(copy, result=result, outcome="done")


def _chosen(questions) -> dict[str, str]:
    """What was ticked on a refused form, so the attendee need not tick it again."""
    return {q.code: request.form.get(f"q-{q.code}", "") for q in questions}


def _quiz_page(copy: Copy, status: int = 200, result: QuizResult | None = None, **context: Any):
    lang, senior = _language(copy), _senior(copy)
    text = handout_in(copy, lang)
    return _render(
        "attendee/quiz.html",
        lang,
        senior,
        status,
        copy=copy,
        text=text,
        questions=quiz_questions(text.topic_code, lang),
        result=result,
        **context,
    )


@bp.route("/s/<token>/help")
@page_limit
@for_copy
def help_now(copy: Copy):
    """ "I think I am being scammed": what to do right now, in large type."""
    lang, senior = _language(copy), _senior(copy)
    return _render(
        "attendee/help.html",
        lang,
        senior,
        copy=copy,
        branch_name=copy.page.get("branch_name", ""),
        branch_address=copy.page.get("branch_address", ""),
    )


# Errors on these pages, in their own style ------------------------------------------------------


@bp.errorhandler(400)
@bp.errorhandler(413)
@bp.errorhandler(429)
def attendee_error(error: HTTPException):
    """A refused form, an over-large body or too many requests: a calm page with a way back."""
    db.session.rollback()
    lang = request.values.get("lang", "") if error.code != 413 else request.args.get("lang", "")
    lang = lang if _is_page_language(lang) else "zh_CN"
    senior = request.args.get("senior", "") == "1"
    token = (request.view_args or {}).get("token")
    back = url_for(".copy_page", token=token, lang=lang) if token and len(token) <= 64 else None
    return _render(
        "attendee/error.html", lang, senior, error.code or 400, code=error.code, back=back
    )
