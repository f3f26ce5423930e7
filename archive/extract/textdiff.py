"""What changed between two versions of an article's text: paragraphs kept, removed and
added, and within a paragraph that was edited, the words.

An article's text is one paragraph per line. Paragraphs are matched first (difflib), so
a paragraph left alone is not reported word by word; among those that differ, a removed
paragraph and an added one with half their words or more in common are one paragraph
edited, compared word by word, so "40 metres high" against "400 metres high" shows as
the words that changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

# a word and the space after it: joined back, the pieces give the paragraph unchanged
_WORDS = re.compile(r"\S+\s*|\s+")
SIMILAR = 0.5
# a block of replaced paragraphs larger than this is not searched for edited pairs
MAX_PAIRINGS = 2500


@dataclass(frozen=True)
class Piece:
    kind: str  # "same", "removed" or "added"
    text: str


@dataclass
class Paragraph:
    kind: str  # "same", "removed", "added" or "edited"
    pieces: list[Piece] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.pieces)


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _words(old: str, new: str) -> list[Piece]:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    pieces: list[Piece] = []
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(Piece("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("removed", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("added", "".join(b[j1:j2])))
    return pieces


def _similar(old: str, new: str) -> bool:
    """Two paragraphs that are one edited (half their words or more in common)."""
    return SequenceMatcher(None, old.split(), new.split(), autojunk=False).ratio() >= SIMILAR


def _replaced(removed: list[str], added: list[str]) -> list[Paragraph]:
    """Paragraphs replaced by others: each removed one that has a similar added one
    after the last pair is shown edited, word by word; the others as they are."""
    if len(removed) * len(added) > MAX_PAIRINGS:
        return [Paragraph("removed", [Piece("removed", p)]) for p in removed] + [
            Paragraph("added", [Piece("added", p)]) for p in added
        ]
    out: list[Paragraph] = []
    start = 0
    for old in removed:
        match = next((k for k in range(start, len(added)) if _similar(old, added[k])), None)
        if match is None:
            out.append(Paragraph("removed", [Piece("removed", old)]))
            continue
        out += [Paragraph("added", [Piece("added", p)]) for p in added[start:match]]
        out.append(Paragraph("edited", _words(old, added[match])))
        start = match + 1
    out += [Paragraph("added", [Piece("added", p)]) for p in added[start:]]
    return out


def text_changes(old: str, new: str) -> list[Paragraph]:
    """The paragraphs of *new*, with those of *old* that are gone, in reading order."""
    a, b = _paragraphs(old), _paragraphs(new)
    out: list[Paragraph] = []
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += [Paragraph("same", [Piece("same", p)]) for p in a[i1:i2]]
        else:
            out += _replaced(a[i1:i2], b[j1:j2])
    return out


_MARKS = {"same": "  ", "removed": "- ", "added": "+ ", "edited": "~ "}


def _marked(piece: Piece) -> str:
    if piece.kind == "same":
        return piece.text
    words = piece.text.rstrip()
    space = piece.text[len(words) :]
    return (f"[-{words}-]" if piece.kind == "removed" else f"{{+{words}+}}") + space


def changes_text(paragraphs: list[Paragraph]) -> list[str]:
    """The changes as lines of plain text: each paragraph after a mark (two spaces: kept,
    ``-`` removed, ``+`` added, ``~`` edited), the words of an edited one marked
    ``[-removed-]`` and ``{+added+}``."""
    return [
        _MARKS[p.kind] + ("".join(_marked(x) for x in p.pieces) if p.kind == "edited" else p.text)
        for p in paragraphs
    ]
