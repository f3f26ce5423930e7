"""What the sitemap and feed readers share: a body without its BOM, a parser that
resolves no entity and reaches no network, tag names without their namespace, and an
error in one line."""

from __future__ import annotations

from typing import Any

from lxml import etree

BOM = b"\xef\xbb\xbf"


def without_bom(body: bytes) -> bytes:
    """*body* without a UTF-8 byte-order mark and leading white space."""
    return body.removeprefix(BOM).lstrip()


def safe_parser() -> etree.XMLParser:
    """An XML parser for what a server sends: entities unresolved, no network, no huge
    trees, damaged documents recovered, comments and processing instructions dropped."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
    )


def local_name(tag: Any) -> str:
    """The local name of an element's tag, lower case, whatever its namespace (declared
    or not: the recovering parser keeps an undeclared ``news:title`` as that name)."""
    if not isinstance(tag, str):  # comments, processing instructions, entities
        return ""
    return tag.rpartition("}")[2].rpartition(":")[2].lower()


def one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
