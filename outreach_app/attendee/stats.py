"""Counts of what attendees did with printed copies, for staff pages (per print run, per event)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select

from outreach_app.attendee.models import CheckIn, Feedback, HandoutScan, QuizSubmission
from outreach_app.extensions import db
from outreach_app.handouts.content import quiz_for
from outreach_app.handouts.services import RunCounts
from outreach_app.reference.models import TargetGroup, Topic


def run_counts(run_ids: Iterable[int]) -> dict[int, RunCounts]:
    """Counts for each of the given print runs (runs nobody scanned are left out); the app
    factory registers this for the print runs on the event page."""
    ids = list(run_ids)
    if not ids:
        return {}
    scans = db.session.execute(
        select(
            HandoutScan.print_run_id,
            func.count(HandoutScan.id),
            func.count(distinct(HandoutScan.serial)),
        )
        .where(HandoutScan.print_run_id.in_(ids))
        .group_by(HandoutScan.print_run_id)
    ).all()
    checkins = dict(
        db.session.execute(
            select(CheckIn.print_run_id, func.count(CheckIn.id))
            .where(CheckIn.print_run_id.in_(ids))
            .group_by(CheckIn.print_run_id)
        ).all()
    )
    result = {
        run_id: RunCounts(scans=n, copies_scanned=copies, check_ins=checkins.get(run_id, 0))
        for run_id, n, copies in scans
    }
    for run_id, n in checkins.items():
        result.setdefault(run_id, RunCounts(check_ins=n))
    return result


def check_ins_by_group(event_id: int) -> dict[int | None, int]:
    """An event's check-ins by the target group attendees chose (None: not said)."""
    rows = db.session.execute(
        select(CheckIn.target_group_id, func.count(CheckIn.id))
        .where(CheckIn.event_id == event_id)
        .group_by(CheckIn.target_group_id)
    ).all()
    return dict(rows)


# The staff page of an event's responses --------------------------------------------------------

MAX_COMMENTS_SHOWN = 200


@dataclass(frozen=True)
class GroupCount:
    """A target group's name and a count."""

    name: str
    count: int


@dataclass(frozen=True)
class QuestionStat:
    """How one quiz question went: the question in the viewer's language, answers, share right."""

    code: str
    question: str
    answered: int
    right: int

    @property
    def percent_right(self) -> int:
        """Share of right answers, in whole percent."""
        return round(100 * self.right / self.answered) if self.answered else 0


@dataclass(frozen=True)
class GroupScore:
    """Quiz submissions of one target group on one topic and their average score."""

    name: str
    submissions: int
    percent_right: int


@dataclass(frozen=True)
class TopicQuiz:
    """The quiz results on one topic."""

    topic: str
    submissions: int
    percent_right: int
    questions: list[QuestionStat]
    groups: list[GroupScore]


@dataclass(frozen=True)
class Comment:
    """One feedback entry as staff read it (escaped by the template)."""

    created_at: datetime
    rating: int
    comment: str


@dataclass(frozen=True)
class EventResponses:
    """Everything attendees left for one event, in counts and anonymous entries."""

    scans: int
    copies_scanned: int
    check_ins: int
    check_ins_by_group: list[GroupCount]
    quiz: list[TopicQuiz]
    feedback_count: int
    average_rating: float | None
    ratings: dict[int, int]
    comments: list[Comment]


def _group_names(language: str) -> dict[int, str]:
    groups = db.session.execute(select(TargetGroup)).scalars()
    return {g.id: (g.name_en if language == "en" else g.name_zh) for g in groups}


def _percent(right: int, total: int) -> int:
    return round(100 * right / total) if total else 0


def _topic_quiz(topic: Topic, rows: list, language: str, names: dict[int, str]) -> TopicQuiz:
    """Per-question and per-group results of the submissions ``rows`` on ``topic``."""
    questions = quiz_for(topic.code, language) or quiz_for(topic.code, "zh_CN")
    stats = []
    for question in questions:
        given = [r.answers.get(question.code) for r in rows if question.code in r.answers]
        right = sum(1 for answer in given if answer == question.answer_index)
        stats.append(QuestionStat(question.code, question.question, len(given), right))
    by_group: dict[int | None, list[int]] = {}
    for r in rows:
        totals = by_group.setdefault(r.target_group_id, [0, 0, 0])
        totals[0] += 1
        totals[1] += r.correct
        totals[2] += r.total
    not_said = _l("Not said")
    groups = [
        GroupScore(
            names.get(group_id, str(not_said)) if group_id else str(not_said), n, _percent(c, t)
        )
        for group_id, (n, c, t) in sorted(
            by_group.items(), key=lambda item: (item[0] is None, item[0] or 0)
        )
    ]
    return TopicQuiz(
        topic=topic.name_en if language == "en" else topic.name_zh,
        submissions=len(rows),
        percent_right=_percent(sum(r.correct for r in rows), sum(r.total for r in rows)),
        questions=stats,
        groups=groups,
    )


def event_responses(event_id: int, language: str) -> EventResponses:
    """Scans, check-ins by group, quiz results by topic and group, and feedback of one event."""
    names = _group_names(language)
    scans = db.session.scalar(
        select(func.count(HandoutScan.id)).where(HandoutScan.event_id == event_id)
    )
    scanned = (
        select(HandoutScan.print_run_id, HandoutScan.serial)
        .where(HandoutScan.event_id == event_id)
        .distinct()
        .subquery()
    )
    copies = db.session.scalar(select(func.count()).select_from(scanned))
    groups = check_ins_by_group(event_id)
    not_said = str(_l("Not said"))
    by_group = [
        GroupCount(names.get(group_id, not_said) if group_id else not_said, n)
        for group_id, n in sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or 0))
    ]
    submissions = db.session.execute(
        select(
            QuizSubmission.topic_id,
            QuizSubmission.target_group_id,
            QuizSubmission.correct,
            QuizSubmission.total,
            QuizSubmission.answers,
        ).where(QuizSubmission.event_id == event_id)
    ).all()
    by_topic: dict[int, list] = {}
    for row in submissions:
        by_topic.setdefault(row.topic_id, []).append(row)
    topics = {
        t.id: t
        for t in db.session.execute(select(Topic).where(Topic.id.in_(list(by_topic)))).scalars()
    }
    quiz = [
        _topic_quiz(topics[topic_id], rows, language, names)
        for topic_id, rows in sorted(by_topic.items(), key=lambda item: topics[item[0]].sort_order)
    ]
    ratings = dict(
        db.session.execute(
            select(Feedback.rating, func.count(Feedback.id))
            .where(Feedback.event_id == event_id)
            .group_by(Feedback.rating)
        ).all()
    )
    count = sum(ratings.values())
    average = sum(r * n for r, n in ratings.items()) / count if count else None
    comments = [
        Comment(created_at, rating, comment)
        for created_at, rating, comment in db.session.execute(
            select(Feedback.created_at, Feedback.rating, Feedback.comment)
            .where(Feedback.event_id == event_id, Feedback.comment != "")
            .order_by(Feedback.created_at.desc(), Feedback.id.desc())
            .limit(MAX_COMMENTS_SHOWN)
        ).all()
    ]
    return EventResponses(
        scans=scans or 0,
        copies_scanned=copies or 0,
        check_ins=sum(groups.values()),
        check_ins_by_group=by_group,
        quiz=quiz,
        feedback_count=count,
        average_rating=average,
        ratings={n: ratings.get(n, 0) for n in range(1, 6)},
        comments=comments,
    )
