"""Counts in messages: "1 article", "2 articles" (never "1 articles" nor "article(s)")."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """*count* and *noun*, in the plural (*plural*, else *noun* + "s") unless it is 1."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
