"""Reading the attendee forms. They are tiny and public, so they are read field by field: a
field sent twice, an unknown choice or an over-long text is refused, never guessed at.

CSRF is checked for every POST by Flask-WTF's ``CSRFProtect`` before these run.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from outreach_app.attendee.models import MAX_COMMENT_CHARS
from outreach_app.attendee.services import clean_comment, group_id_for
from outreach_app.core.validation import LINE_BREAKS, has_control_characters
from outreach_app.handouts.text import QuizQuestion


class FormProblem(ValueError):
    """A submitted form that cannot be accepted; ``code`` names the problem for the page.

    Not a ``ServiceError``: nothing here is a service refusing input, and there is no WTForms
    form to put a message on. The attendee templates pick the wording by ``code`` (and place
    it beside the section the form belongs to), in the language the attendee chose, which may
    not be the request's locale when this is raised.
    """

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _single(form: MultiDict[str, str], name: str) -> str:
    """The one value of ``name`` ("" when absent); sent twice is a problem."""
    values = form.getlist(name)
    if len(values) > 1:
        raise FormProblem("duplicate")
    return values[0] if values else ""


def read_group(form: MultiDict[str, str]) -> int | None:
    """The target group the attendee chose, or None for "rather not say"."""
    code = _single(form, "group").strip()
    if not code:
        return None
    group_id = group_id_for(code)
    if group_id is None:
        raise FormProblem("group")
    return group_id


def read_answers(form: MultiDict[str, str], questions: tuple[QuizQuestion, ...]) -> dict[str, int]:
    """One chosen index per question, each a choice of that question."""
    answers: dict[str, int] = {}
    for question in questions:
        raw = _single(form, f"q-{question.code}").strip()
        if not raw:
            raise FormProblem("unanswered")
        if not raw.isascii() or not raw.isdigit() or len(raw) > 2:
            raise FormProblem("choice")
        index = int(raw)
        if not 0 <= index < len(question.choices):
            raise FormProblem("choice")
        answers[question.code] = index
    return answers


@dataclass(frozen=True)
class FeedbackInput:
    """A rating from 1 to 5 and an optional cleaned comment."""

    rating: int
    comment: str


def read_feedback(form: MultiDict[str, str]) -> FeedbackInput:
    """The rating (required, 1-5) and comment (optional, at most 500 characters, without
    control characters other than line breaks)."""
    raw = _single(form, "rating").strip()
    if raw not in ("1", "2", "3", "4", "5"):
        raise FormProblem("rating")
    raw_comment = _single(form, "comment")
    if has_control_characters(raw_comment, LINE_BREAKS):
        raise FormProblem("control")
    comment = clean_comment(raw_comment)
    if len(comment) > MAX_COMMENT_CHARS:
        raise FormProblem("comment")
    return FeedbackInput(rating=int(raw), comment=comment)
