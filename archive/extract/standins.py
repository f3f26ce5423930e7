"""Python stand-ins for trafilatura's costliest XPath expressions, with the same result.

trafilatura prunes a page and picks its main block with XPath expressions such as
``.//*[self::div or self::section][re:test(@id, '...') or re:test(@class, '...')]``. libxml2
walks every element of the page for each of them, and each ``re:test`` is a call from C into
Python's ``re`` (EXSLT regular expressions, as lxml provides them) for every element of the
named tags: on the benchmark's real pages these expressions took about 4 ms of the 13.4 ms
that :func:`archive.extract.article.extract_article` spends on a page. A stand-in selects the
same elements in the same (document) order: lxml's own C iteration over the tag names, and in
Python only the attribute tests, with the very patterns of the expression.

A stand-in replaces its expression in trafilatura's lists (``trafilatura.xpaths``, which
``trafilatura.core`` and ``trafilatura.main_extractor`` share) only when the expression's text
is the one it was written for: the text with its string literals taken out (the literals, the
patterns among them, are read from the expression itself) must hash to the stand-in's
fingerprint. Another trafilatura with other expressions keeps its XPath, and
``tests/test_standins.py`` names the expression that no longer matches. The same tests
run every stand-in beside its expression on real-page fixtures and on pages made to reach
each clause, and require the same elements.

XPath semantics kept: ``.//*`` is the descendants of the context element (not itself),
elements only (no comments or processing instructions); ``@a`` of an element without the
attribute is the empty string; ``@id|@class`` is the one of the two that comes first in the
element's source (libxml2 orders an element's attributes so); ``re:test`` is ``re.search``
(lxml compiles the pattern with ``re.IGNORECASE`` for the ``i`` flag); ``translate`` maps
characters position by position and drops those beyond the second string; ``[1]`` after a
step keeps, for each parent, its first child that passes (``(...)[1]``: the first of all).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from lxml import etree

_LITERAL_RE = re.compile(r"'([^']*)'|\"([^\"]*)\"")
_SPACE_RE = re.compile(r"\s+")

# an element's test; a selector turns the tag names and the test into the expression's result
Test = Callable[[Any], bool]


def literals(path: str) -> list[str]:
    """The string literals of an XPath expression, in order."""
    return [single or double for single, double in _LITERAL_RE.findall(path)]


def skeleton(path: str) -> str:
    """The expression without its string literals and with its spaces collapsed."""
    return _SPACE_RE.sub(" ", _LITERAL_RE.sub("''", path)).strip()


def fingerprint(path: str) -> str:
    return hashlib.sha256(skeleton(path).encode()).hexdigest()[:16]


# -- what the expressions read of an element ---------------------------------------------------
def _attr(element: Any, name: str) -> str:
    value = element.get(name)
    return "" if value is None else value


def _first(element: Any, one: str, other: str) -> str:
    """``@one|@other`` as a string: the value of whichever comes first in the source."""
    for key in element.keys():  # noqa: SIM118 (iterating an element gives its children)
        if key in (one, other):
            return element.get(key)
    return ""


def _regex(pattern: str, flags: str = "") -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE if "i" in flags else 0)


def _translator(source: str, target: str) -> Callable[[str], str]:
    """XPath's ``translate(., source, target)``: the first occurrence of a character in
    *source* decides; characters of *source* past the end of *target* are removed."""
    table: dict[int, int | None] = {}
    for position, char in enumerate(source):
        if ord(char) not in table:
            table[ord(char)] = ord(target[position]) if position < len(target) else None
    return lambda value: value.translate(table)


# -- how the expressions select -------------------------------------------------------------
def _candidates(tree: Any, tags: Sequence[str]) -> Iterator[Any]:
    """The descendants of *tree* named *tags* (every element for no tags), in document order."""
    if tags:
        return tree.iterdescendants(*tags)
    return tree.iterdescendants(etree.Element)


def _with_attributes(test: Test) -> Test:
    """*test*, answered once for every element without attributes (each clause of the
    expressions so wrapped reads attributes only: to XPath, a missing one is '')."""
    bare = test(etree.Element("div"))

    def quick(element: Any) -> bool:
        return test(element) if len(element.attrib) else bare

    return quick


def _every(tags: Sequence[str], test: Test) -> Callable[[Any], list[Any]]:
    """``.//*[tags][test]``"""

    def select(tree: Any) -> list[Any]:
        return [element for element in _candidates(tree, tags) if test(element)]

    return select


def _first_of_all(tags: Sequence[str], test: Test) -> Callable[[Any], list[Any]]:
    """``(.//*[tags][test])[1]``"""

    def select(tree: Any) -> list[Any]:
        for element in _candidates(tree, tags):
            if test(element):
                return [element]
        return []

    return select


def _first_of_each_parent(tags: Sequence[str], test: Test) -> Callable[[Any], list[Any]]:
    """``.//*[tags][test][1]``: of the children of each element (the context included) that
    pass, the first."""

    def select(tree: Any) -> list[Any]:
        found, parents = [], set()
        for element in _candidates(tree, tags):
            if test(element):
                parent = element.getparent()
                if parent not in parents:
                    parents.add(parent)
                    found.append(element)
        return found

    return select


# -- the stand-ins, each for one expression: (tags, test) built from its literals ------------
_BLOCKS = ("div", "item", "list", "p", "section", "span")
_MAIN = ("article", "div", "main", "section")


def _raw_tree_infinite_scroll(lit: list[str]) -> Callable[[Any], list[Any]]:
    either, kept = _regex(lit[0]), _regex(lit[2])
    either_class, kept_class = _regex(lit[1]), _regex(lit[3])

    def test(element: Any) -> bool:
        ident, cls = _attr(element, "id"), _attr(element, "class")
        if not (either.search(ident) or either_class.search(cls)):
            return False
        return (
            next(element.iterdescendants("h1"), None) is None
            or kept.search(ident) is not None
            or kept_class.search(cls) is not None
        )

    return _every(("div", "section", "aside"), test)


def _raw_tree_share_buttons(lit: list[str]) -> Callable[[Any], list[Any]]:
    needle = lit[0]
    return _every(("div", "section", "aside"), lambda e: needle in _attr(e, "class"))


def _comment_blocks(lit: list[str], lists: bool) -> Callable[[Any], list[Any]]:
    ident, cls = _regex(lit[0]), _regex(lit[1])
    list_ident, list_cls = (_regex(lit[2]), _regex(lit[3])) if lists else (ident, cls)

    def test(element: Any) -> bool:
        i, c = _attr(element, "id"), _attr(element, "class")
        if not (ident.search(i) or cls.search(c)):
            return False
        if element.tag in ("ol", "ul"):
            return list_ident.search(i) is not None or list_cls.search(c) is not None
        return True

    tags = ("div", "list", "section", "details") + (("ol", "ul") if lists else ())
    return _every(tags, test)


def _overall_discard_blocks(lit: list[str]) -> Callable[[Any], list[Any]]:
    role = _translator(lit[0], lit[1])
    nav, component = lit[2], lit[3]
    either, ident, cls = _regex(lit[4]), _regex(lit[5]), _regex(lit[6])

    def test(element: Any) -> bool:
        return (
            element.get("data-lp-replacement-content") is not None
            or nav in role(_attr(element, "role"))
            or component in _attr(element, "data-component")
            or either.search(_first(element, "id", "class")) is not None
            or ident.search(_attr(element, "id")) is not None
            or cls.search(_attr(element, "class")) is not None
        )

    return _every(_BLOCKS, _with_attributes(test))


def _overall_discard_hidden(lit: list[str]) -> Callable[[Any], list[Any]]:
    title, reply = lit[0], lit[1]
    hidden = _regex(lit[2])
    style_a, style_b = lit[3], lit[4]
    ident, cls = _regex(lit[5]), _regex(lit[6])
    aria = lit[7]

    def test(element: Any) -> bool:
        style = _attr(element, "style")
        return (
            element.get("class") == title
            or _first(element, "id", "class").startswith(reply)
            or hidden.search(_first(element, "id", "style")) is not None
            or style_a in style
            or style_b in style
            or ident.search(_attr(element, "id")) is not None
            or cls.search(_attr(element, "class")) is not None
            or element.get("aria-hidden") == aria
        )

    return _every((), _with_attributes(test))


def _precision_blocks(lit: list[str]) -> Callable[[Any], list[Any]]:
    bottom, link, border = _regex(lit[0]), _regex(lit[1]), lit[2]

    def test(element: Any) -> bool:
        first = _first(element, "id", "class")
        return (
            bottom.search(first) is not None
            or link.search(first) is not None
            or border in _attr(element, "style")
        )

    return _every(_BLOCKS, _with_attributes(test))


def _teasers(lit: list[str]) -> Callable[[Any], list[Any]]:
    ident, ident_word = _translator(lit[0], lit[1]), lit[2]
    cls, cls_word = _translator(lit[3], lit[4]), lit[5]

    def test(element: Any) -> bool:
        return ident_word in ident(_attr(element, "id")) or cls_word in cls(_attr(element, "class"))

    return _every(_BLOCKS, test)


def _captions(lit: list[str]) -> Callable[[Any], list[Any]]:
    ident_word, cls_word = lit[0], lit[1]
    return _every(
        _BLOCKS,
        lambda e: ident_word in _attr(e, "id") or cls_word in _attr(e, "class"),
    )


def _article_body(lit: list[str]) -> Callable[[Any], list[Any]]:
    post, entry, prop, ident_value = lit[0], lit[1], lit[2], lit[3]
    ident, cls = _regex(lit[4]), _regex(lit[5])

    def test(element: Any) -> bool:
        c, i = element.get("class"), element.get("id")
        return (
            c in (post, entry)
            or element.get("itemprop") == prop
            or i == ident_value
            or ident.search(i or "") is not None
            or cls.search(c or "") is not None
        )

    return _first_of_each_parent(_MAIN, test)


def _story_body(lit: list[str]) -> Callable[[Any], list[Any]]:
    role, ident_values, cls_values = lit[0], (lit[1], lit[2]), tuple(lit[3:8])
    ident = _regex(lit[8])
    cls_any_case = _regex(lit[9], lit[10])
    cls = _regex(lit[11])

    def test(element: Any) -> bool:
        c, i = element.get("class"), element.get("id")
        return (
            element.get("role") == role
            or i in ident_values
            or c in cls_values
            or ident.search(i or "") is not None
            or cls_any_case.search(c or "") is not None
            or cls.search(c or "") is not None
        )

    return _first_of_all(_MAIN, test)


def _main_content(lit: list[str]) -> Callable[[Any], list[Any]]:
    ident_value, cls_value = lit[0], lit[1]
    ident, cls = _regex(lit[2]), _regex(lit[3])
    id_main, id_main_word = _translator(lit[4], lit[5]), lit[6]
    cls_main, cls_main_word = _translator(lit[7], lit[8]), lit[9]
    cls_page, cls_page_word = _translator(lit[10], lit[11]), lit[12]

    def test(element: Any) -> bool:
        i, c = _attr(element, "id"), _attr(element, "class")
        return (
            element.get("id") == ident_value
            or element.get("class") == cls_value
            or ident.search(i) is not None
            or cls.search(c) is not None
            or id_main_word in id_main(i)
            or cls_main_word in cls_main(c)
            or cls_page_word in cls_page(c)
        )

    return _first_of_all(_MAIN, test)


# (list in trafilatura.xpaths, index) -> (fingerprint of the expression's skeleton, builder)
STANDINS: dict[tuple[str, int], tuple[str, Callable[[list[str]], Callable[[Any], list[Any]]]]] = {
    ("RAW_TREE_PRUNE_XPATH", 0): ("4b56d6a6629a6fc3", _raw_tree_infinite_scroll),
    ("RAW_TREE_PRUNE_XPATH", 1): ("936ac2ae90b40e56", _raw_tree_share_buttons),
    ("REMOVE_COMMENTS_AND_LISTS_XPATH", 0): (
        "51400288b537b551",
        lambda lit: _comment_blocks(lit, lists=True),
    ),
    ("REMOVE_COMMENTS_XPATH", 0): ("b0533f616b8fa80c", lambda lit: _comment_blocks(lit, False)),
    ("OVERALL_DISCARD_XPATH", 0): ("c5f91889e89229a6", _overall_discard_blocks),
    ("OVERALL_DISCARD_XPATH", 1): ("f1b0b95cd9ff373b", _overall_discard_hidden),
    ("PRECISION_DISCARD_XPATH", 1): ("d10f137b8625c9c2", _precision_blocks),
    ("TEASER_DISCARD_XPATH", 0): ("514986effa881c6a", _teasers),
    ("DISCARD_IMAGE_ELEMENTS", 0): ("917026c9b86849e5", _captions),
    ("BODY_XPATH", 0): ("ac24f2aa38af5052", _article_body),
    ("BODY_XPATH", 2): ("f897cad0443281e3", _story_body),
    ("BODY_XPATH", 3): ("abac6e8d8463982b", _main_content),
}


class StandIn:
    """Called as trafilatura calls its XPath objects (``expression(tree)``); anything else
    (an ElementTree, XPath variables) goes to the expression itself."""

    def __init__(self, name: str, xpath: Any, select: Callable[[Any], list[Any]]) -> None:
        self.name = name
        self.xpath = xpath
        self.path: str = xpath.path
        self.select = select

    def __call__(self, tree: Any, **variables: Any) -> Any:
        if variables or not isinstance(tree, etree._Element):
            return self.xpath(tree, **variables)
        return self.select(tree)

    def __repr__(self) -> str:
        return f"<stand-in for {self.name}>"


def _lists() -> Any:
    import trafilatura.xpaths

    return trafilatura.xpaths


def install() -> dict[str, str]:
    """Put every stand-in whose expression is the one it was written for in place of that
    expression; returns, for each stand-in, "installed" or why not."""
    module = _lists()
    outcome: dict[str, str] = {}
    for (list_name, index), (expected, build) in STANDINS.items():
        name = f"{list_name}[{index}]"
        expressions = getattr(module, list_name, None)
        if not isinstance(expressions, list) or len(expressions) <= index:
            outcome[name] = "no such expression"
            continue
        current = expressions[index]
        if isinstance(current, StandIn):
            outcome[name] = "installed"
            continue
        path = getattr(current, "path", None)
        if not isinstance(path, str) or fingerprint(path) != expected:
            outcome[name] = "the expression changed"
            continue
        expressions[index] = StandIn(name, current, build(literals(path)))
        outcome[name] = "installed"
    return outcome


def uninstall() -> None:
    """trafilatura's own expressions back in place (for comparisons)."""
    module = _lists()
    for list_name, index in STANDINS:
        expressions = getattr(module, list_name, None)
        if (
            isinstance(expressions, list)
            and len(expressions) > index
            and isinstance(expressions[index], StandIn)
        ):
            expressions[index] = expressions[index].xpath


__all__ = ["STANDINS", "StandIn", "fingerprint", "install", "literals", "skeleton", "uninstall"]
