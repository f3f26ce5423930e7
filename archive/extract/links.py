"""The links of an HTML page, read from its lxml tree: where it leads (``<a>``), its
feeds, what it embeds (stylesheets, scripts, images) and its "next page" links. Shared
by the crawler, which reads them in-process for listing pages, and by the extraction
workers, which read them from the tree they parse anyway (an article page is then
parsed once)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")

# the elements that hold a link; one walk over them costs a third of three XPath queries
_TAGS = ("a", "area", "link", "script", "img", "video", "source", "input")

# the visible text (case-folded, white space collapsed) of a link to a listing's next
# (older) page, in the languages of the news; arrows alone too
NEXT_LABELS = frozenset(
    {
        # English
        "next", "next page", "next posts", "next articles", "next stories", "more",
        "more stories", "more news", "more articles", "more posts", "load more",
        "show more", "see more", "view more", "read more stories", "older", "older posts",
        "older entries", "older articles", "older stories", "older news", "previous posts",
        "previous entries", "previous articles",
        # arrows and guillemets
        "»", "›", "→", ">", ">>", "≫", "⟩", "❯", "⇒", "next »", "next ›", "next →",
        # French, German, Spanish, Portuguese, Italian, Dutch
        "suivant", "suivante", "page suivante", "articles plus anciens", "plus d'articles",
        "voir plus", "weiter", "nächste", "nächste seite", "ältere beiträge", "mehr",
        "mehr laden", "siguiente", "página siguiente", "más", "ver más", "cargar más",
        "más noticias", "entradas anteriores", "próxima", "próxima página", "próximo",
        "mais", "ver mais", "carregar mais", "mais notícias", "successivo", "successiva",
        "pagina successiva", "altri articoli", "carica altri", "volgende", "meer", "meer laden",
        # Polish, Russian, Ukrainian, Turkish
        "następna", "następna strona", "dalej", "więcej", "далее", "следующая", "ещё", "еще",
        "показать ещё", "показать еще", "наступна", "більше", "sonraki", "daha fazla",
        # Arabic, Persian, Hebrew
        "السابق", "التالي", "المزيد", "الصفحة التالية", "المزيد من الأخبار", "بعدی", "بیشتر",
        "הבא", "עוד",
        # Chinese, Japanese, Korean, Hindi, Indonesian
        "下一页", "下一頁", "更多", "次へ", "次のページ", "もっと見る", "다음", "더보기",
        "अगला", "berikutnya", "selanjutnya", "lainnya",
    }
)  # fmt: skip
# what may stand around a label: "Next »", "« Older Entries", "Next page ›"
_ARROWS = " \t\n«»‹›<>←→⟨⟩❮❯≪≫⇐⇒…|·•-–—:"
_MAX_LABEL = 40
# the labels in the cases pages write them (next, Next, Next Page, NEXT): one lookup,
# no case folding (a label in odd case, "nEXT", is not taken)
_EXACT = NEXT_LABELS | {v for label in NEXT_LABELS for v in (label.capitalize(), label.title())}
_EXACT |= {label.upper() for label in NEXT_LABELS}
_MAX_TEXT = 3 * _MAX_LABEL  # past it, an anchor's text is no label, white space or not


@dataclass(frozen=True)
class PageLinks:
    links: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    assets: tuple[str, ...] = ()
    # the links to a following page of a listing: rel=next, or a "next/more/older" label
    next: tuple[str, ...] = ()


def _add(found: dict[str, None], value: str | None) -> None:
    if value:
        # plain str: lxml's "smart strings" keep their whole tree alive (and pickle it)
        value = str(value).strip()
        if value:
            found[value] = None


def _add_next(found: dict[str, None], value: str | None) -> None:
    """*value* added to the next-page links unless it goes nowhere (``#``, script)."""
    if value:
        value = str(value).strip()
        if value and value[0] != "#" and not value[:11].lower().startswith("javascript:"):
            found[value] = None


def _link_kind(element: Any) -> str | None:
    """What a ``<link>`` is to the crawler: "feed", "asset" (what a page needs to be
    replayed as it looked: stylesheets, icons), "next" (the listing's next page) or
    None."""
    rel = (element.get("rel") or "").lower().split()
    if "alternate" in rel and (element.get("type") or "").strip().lower().startswith(FEED_TYPES):
        return "feed"
    if "stylesheet" in rel or any("icon" in token for token in rel):
        return "asset"
    if "next" in rel:
        return "next"
    return None


def _is_label(text: str) -> bool:
    """Whether *text* reads as a next/more/older label: as NEXT_LABELS has it in one of
    the usual cases, or, with arrows around it or odd white space, case-folded."""
    label = text.strip()
    if label in _EXACT:
        return True
    return bool(label) and _decorated_label(label)


def _decorated_label(label: str) -> bool:
    """Whether *label* (stripped, not in _EXACT) is a next label once its arrows and odd
    white space are dropped and it is case-folded ("Next »", "« Older", "Older\nposts")."""
    if label[0] in _ARROWS or label[-1] in _ARROWS or not label.isprintable() or "  " in label:
        if len(label) > _MAX_LABEL:
            return False
        return " ".join(label.split()).strip(_ARROWS).casefold() in NEXT_LABELS
    return False


def _aria_next(element: Any) -> bool:
    """Whether an ``<a>`` that shows no text (an icon) says "next" to a screen reader."""
    aria = element.get("aria-label") or element.get("title")
    return bool(aria) and _is_label(aria)


def _labelled_next(element: Any) -> bool:
    """Whether an ``<a>`` with children is labelled as a link to the next page: by its
    text when it has up to 3 children (``<span>Next</span>``, ``Next <i></i>``), else,
    showing no text, by its aria-label or title. The text is serialized in C (no element
    proxy made per child, no XPath); an anchor with more children (a teaser) is not
    read."""
    if len(element) > 3:
        return False
    own = element.text
    if own is not None and len(own) > _MAX_TEXT:
        return False
    text = etree.tostring(element, method="text", encoding="unicode", with_tail=False)
    if len(text) > _MAX_TEXT:
        return False
    return _is_label(text) if text.strip() else _aria_next(element)


def page_links(tree: Any) -> PageLinks:
    """The links of an lxml HTML tree (document order, duplicates dropped): ``<a>`` and
    ``<area>`` targets, RSS/Atom/JSON feeds, the stylesheets, icons, scripts, images,
    posters and sources a page embeds, and its next-page links (``<a>`` or ``<link>``
    with ``rel~=next``, ``<a>`` labelled as in NEXT_LABELS; in-page ``#`` and
    ``javascript:`` targets left out)."""
    links: dict[str, None] = {}
    feeds: dict[str, None] = {}
    assets: dict[str, None] = {}
    following: dict[str, None] = {}
    for element in tree.iter(_TAGS):
        tag = element.tag
        if tag == "a":
            href = element.get("href")
            if not href:
                continue
            _add(links, href)
            # a next-page link? (inline: this runs for every <a> of every page)
            rel = element.get("rel")
            if rel is not None and "next" in rel.lower().split():
                _add_next(following, href)
            elif len(element):
                if _labelled_next(element):
                    _add_next(following, href)
            else:  # a text link, the most common
                text = element.text
                label = text.strip() if text else ""
                if label in _EXACT:
                    _add_next(following, href)
                elif label:
                    if (
                        label[0] in _ARROWS
                        or label[-1] in _ARROWS
                        or not label.isprintable()
                        or "  " in label
                    ) and _decorated_label(label):
                        _add_next(following, href)
                elif _aria_next(element):
                    _add_next(following, href)
        elif tag == "area":
            _add(links, element.get("href"))
        elif tag == "link":
            kind = _link_kind(element)
            if kind == "next":
                _add_next(following, element.get("href"))
            elif kind is not None:
                _add(feeds if kind == "feed" else assets, element.get("href"))
        elif tag == "video":
            _add(assets, element.get("poster"))
        elif tag != "input" or (element.get("type") or "").lower() == "image":
            _add(assets, element.get("src"))
    return PageLinks(tuple(links), tuple(feeds), tuple(assets), tuple(following))
