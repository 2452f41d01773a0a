"""The zh_CN catalog: complete, placeholders intact, up to date with the sources, and in use."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO_FILE = ROOT / "outreach_app/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[a-z]")


def as_tuple(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


@pytest.fixture(scope="module")
def catalog():
    with PO_FILE.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def messages(catalog):
    return [m for m in catalog if m.id]


def test_header_has_one_plural_form_and_is_not_fuzzy(catalog):
    assert catalog.num_plurals == 1
    assert not catalog.fuzzy


def test_every_message_is_translated(messages):
    missing = [m.id for m in messages if m.fuzzy or not all(as_tuple(m.string))]
    assert not missing


def test_placeholders_are_kept(messages):
    wrong = []
    for m in messages:
        expected = sorted(PLACEHOLDER.findall(as_tuple(m.id)[-1]))
        for text in as_tuple(m.string):
            if sorted(PLACEHOLDER.findall(text)) != expected:
                wrong.append((m.id, text))
    assert not wrong


def test_catalog_has_every_message_in_the_sources(messages):
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)
    in_sources = {message for _, _, message, _, _ in found}
    assert in_sources, "nothing extracted: check babel.cfg"
    missing = sorted(map(str, in_sources - {m.id for m in messages}))
    assert not missing, "run `make translations`, then translate the new messages"


def test_pages_are_chinese_by_default_and_english_on_request(app, english):
    chinese = app.test_client().get("/login").get_data(as_text=True)
    assert "登录" in chinese
    assert "Log in" not in chinese
    in_english = english.get("/login").get_data(as_text=True)
    assert "Log in" in in_english
    assert "登录" not in in_english
