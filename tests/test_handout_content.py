"""The shipped handout texts and quiz questions: complete, bilingual, consistent, printable."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from outreach_app.handouts.content import (
    GENERAL_TIPS,
    HANDOUTS,
    QR_NOTE,
    QUIZ,
    handout,
    handout_codes,
    quiz_for,
)
from outreach_app.handouts.kinds import HandoutLanguage
from outreach_app.handouts.text import QuizQuestion, ShippedHandout
from outreach_app.reference.data import TARGET_GROUPS, TOPICS

TOPIC_CODES = {row[0] for row in TOPICS}
GROUP_CODES = {row[0] for row in TARGET_GROUPS}

REQUIRED = {
    "pension-scams": ("fraud_pension", "seniors"),
    "fake-customer-service": ("fraud_fake_service", "general"),
    "impersonating-police": ("fraud_telecom", "general"),
    "click-farming": ("fraud_click_farming", "youth"),
    "campus-loans": ("fraud_campus_loan", "youth"),
    "fake-investment": ("fraud_illegal_fundraising", "general"),
    "consumer-rights": ("complaint_channels", "general"),
    "mobile-banking-seniors": ("digital_mobile_banking", "seniors"),
}

ZH_TIP_MAX, EN_TIP_MAX = 60, 140
ZH_TITLE_MAX, EN_TITLE_MAX = 20, 60

by_language = {lang: [h for h in HANDOUTS if h.language == lang] for lang in HandoutLanguage}


def _all_texts(h: ShippedHandout) -> list[str]:
    return [h.title, h.lead, *h.tips, h.never_ask, h.hotline_note]


def test_required_handouts_exist_in_both_languages() -> None:
    for code, (topic, group) in REQUIRED.items():
        zh, en = handout(code, "zh_CN"), handout(code, "en")
        assert (zh.topic_code, zh.target_group_code) == (topic, group), code
        assert (en.topic_code, en.target_group_code) == (topic, group), code


def test_every_handout_has_both_languages_with_same_topic_and_group() -> None:
    assert {h.language for h in HANDOUTS} == set(HandoutLanguage)
    codes = handout_codes()
    assert len(HANDOUTS) == len(codes) * len(HandoutLanguage)
    for code in codes:
        versions = [handout(code, lang) for lang in HandoutLanguage]
        assert len({(h.topic_code, h.target_group_code) for h in versions}) == 1, code


def test_no_duplicate_handouts() -> None:
    counts = Counter((h.code, h.language) for h in HANDOUTS)
    assert [key for key, n in counts.items() if n > 1] == []
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", h.code) for h in HANDOUTS)


def test_codes_exist_in_reference_data() -> None:
    for h in HANDOUTS:
        assert h.topic_code in TOPIC_CODES, h.code
        assert h.target_group_code is None or h.target_group_code in GROUP_CODES, h.code
    for q in QUIZ:
        assert q.topic_code in TOPIC_CODES, q.code


@pytest.mark.parametrize("h", HANDOUTS, ids=lambda h: f"{h.code}-{h.language}")
def test_handout_shape_and_lengths(h: ShippedHandout) -> None:
    assert 4 <= len(h.tips) <= 8
    assert len(set(h.tips)) == len(h.tips)
    assert all(text.strip() == text and text for text in _all_texts(h))
    zh = h.language == "zh_CN"
    tip_max, title_max = (ZH_TIP_MAX, ZH_TITLE_MAX) if zh else (EN_TIP_MAX, EN_TITLE_MAX)
    assert len(h.title) <= title_max, h.title
    assert len(h.lead) <= (120 if zh else 320), h.lead
    for tip in h.tips:
        assert len(tip) <= tip_max, tip


@pytest.mark.parametrize("h", HANDOUTS, ids=lambda h: f"{h.code}-{h.language}")
def test_never_ask_and_hotlines(h: ShippedHandout) -> None:
    words = (
        ("密码", "验证码", "转账") if h.language == "zh_CN" else ("password", "code", "transfer")
    )
    for word in words:
        assert word in h.never_ask.lower(), (h.code, word)
    assert "96110" in h.hotline_note
    assert "{bank_hotline}" in h.hotline_note
    filled = h.hotline_text("95599-TEST")
    assert "95599-TEST" in filled and "96110" in filled and "{" not in filled
    # Only the hotline note is a format string.
    for text in [h.title, h.lead, *h.tips, h.never_ask]:
        assert "{" not in text and "}" not in text, text


def test_chinese_is_chinese_and_english_is_english() -> None:
    han = re.compile(r"[\u4e00-\u9fff]")
    for h in by_language["zh_CN"]:
        assert han.search(h.title) and all(han.search(t) for t in h.tips), h.code
    for h in by_language["en"]:
        # Chinese only as a name in brackets, e.g. the 国家反诈中心 app.
        for text in [h.title, h.lead, *h.tips]:
            assert not han.search(re.sub(r"\([^)]*\)", "", text)), text


def test_no_blunt_never_scan_advice() -> None:
    # People reach the attendee page by scanning, so no text may say "never scan QR codes".
    for h in HANDOUTS:
        for text in _all_texts(h):
            assert not re.search(r"(不要|别|切勿|不)扫(码|二维码)", text), text
            assert not re.search(r"never scan|don't scan|do not scan", text, re.I), text
    assert "当面" in QR_NOTE["zh_CN"] and "in person" in QR_NOTE["en"]


def test_general_tips() -> None:
    assert set(GENERAL_TIPS) == set(HandoutLanguage)
    assert len(GENERAL_TIPS["zh_CN"]) == len(GENERAL_TIPS["en"]) >= 4
    assert any("96110" in t for t in GENERAL_TIPS["zh_CN"])
    assert any("96110" in t for t in GENERAL_TIPS["en"])


def test_handout_lookup_errors() -> None:
    with pytest.raises(KeyError):
        handout("no-such-handout", "zh_CN")
    with pytest.raises(KeyError):
        handout("pension-scams", "fr")


def test_dataclasses_are_frozen_and_validated() -> None:
    h = handout("pension-scams", "en")
    with pytest.raises(AttributeError):
        h.title = "x"  # type: ignore[misc]
    with pytest.raises(ValueError):
        ShippedHandout("x", "fraud_pension", None, "zh_CN", "t", "l", ("a",) * 3, "n", "h")
    with pytest.raises(ValueError):
        QuizQuestion("x", "fraud_pension", "en", "q", ("a", "b", "c"), 3, "e")


# Quiz ------------------------------------------------------------------------------------------


def test_quiz_no_duplicates() -> None:
    counts = Counter((q.code, q.language) for q in QUIZ)
    assert [key for key, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("topic", sorted({h.topic_code for h in HANDOUTS}))
@pytest.mark.parametrize("language", HandoutLanguage)
def test_quiz_covers_every_handout_topic(topic: str, language: str) -> None:
    questions = quiz_for(topic, language)
    assert len(questions) >= 3
    assert all(q.topic_code == topic and q.language == language for q in questions)


def test_quiz_pairs_align() -> None:
    zh = {q.code: q for q in QUIZ if q.language == "zh_CN"}
    en = {q.code: q for q in QUIZ if q.language == "en"}
    assert zh.keys() == en.keys()
    for code in zh:
        a, b = zh[code], en[code]
        assert a.topic_code == b.topic_code, code
        assert a.answer_index == b.answer_index, code
        assert len(a.choices) == len(b.choices), code


@pytest.mark.parametrize("q", QUIZ, ids=lambda q: f"{q.code}-{q.language}")
def test_quiz_question_shape(q: QuizQuestion) -> None:
    assert 3 <= len(q.choices) <= 4
    assert 0 <= q.answer_index < len(q.choices)
    assert len(set(q.choices)) == len(q.choices)
    assert q.question and q.explanation and all(q.choices)
    for text in [q.question, q.explanation, *q.choices]:
        assert text.strip() == text


def test_quiz_answers_are_not_all_in_one_position() -> None:
    positions = Counter(q.answer_index for q in QUIZ if q.language == "en")
    assert len(positions) >= 2


def test_quiz_for_unknown_topic_is_empty() -> None:
    assert quiz_for("no_such_topic", "en") == ()
