"""What changed between two versions of an article (archive/extract/textdiff.py)."""

from __future__ import annotations

from archive.extract.textdiff import changes_text, text_changes

OLD = "The dam is 400 metres high.\nIt was built in 1961.\nFarmers depend on it."
NEW = "The dam is 40 metres high, officials said.\nFarmers depend on it.\nRepairs start in May."


def test_paragraphs_kept_removed_added_and_words_edited() -> None:
    changes = text_changes(OLD, NEW)
    assert [p.kind for p in changes] == ["edited", "removed", "same", "added"]
    edited = changes[0]
    assert [(x.kind, x.text) for x in edited.pieces] == [
        ("same", "The dam is "),
        ("removed", "400 "),
        ("added", "40 "),
        ("same", "metres "),
        ("removed", "high."),
        ("added", "high, officials said."),
    ]
    # the pieces give each side back: nothing lost, nothing made up
    before = "".join(x.text for x in edited.pieces if x.kind != "added")
    after = "".join(x.text for x in edited.pieces if x.kind != "removed")
    assert (before, after) == (
        "The dam is 400 metres high.",
        "The dam is 40 metres high, officials said.",
    )
    assert changes[1].text == "It was built in 1961."
    assert changes[3].text == "Repairs start in May."


def test_the_same_text_has_nothing_but_kept_paragraphs() -> None:
    assert {p.kind for p in text_changes(OLD, OLD)} == {"same"}
    assert text_changes("", "") == []
    assert [p.kind for p in text_changes("", "New.")] == ["added"]


def test_a_different_paragraph_is_removed_and_added_not_edited() -> None:
    changes = text_changes("The council met on Tuesday.", "Rain is expected all week.")
    assert [(p.kind, p.text) for p in changes] == [
        ("removed", "The council met on Tuesday."),
        ("added", "Rain is expected all week."),
    ]


def test_changes_as_plain_text_lines() -> None:
    assert changes_text(text_changes(OLD, NEW)) == [
        "~ The dam is [-400-] {+40+} metres [-high.-]{+high, officials said.+}",
        "- It was built in 1961.",
        "  Farmers depend on it.",
        "+ Repairs start in May.",
    ]
