"""The ARCHIVE_* settings that need more than a type, checked in one place: by the
crawl command before anything starts (a wrong value is one line and exit status 2) and
by the components that read them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any


class SettingError(ValueError):
    """A setting's value cannot be used."""


def max_pages_per_host(settings: Any) -> int:
    """ARCHIVE_MAX_PAGES_PER_HOST, checked: a whole number, 0 for no cap."""
    value = settings.get("ARCHIVE_MAX_PAGES_PER_HOST")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SettingError(
            f"ARCHIVE_MAX_PAGES_PER_HOST must be a whole number, got {value!r}"
        ) from None
    if number < 0:
        raise SettingError(f"ARCHIVE_MAX_PAGES_PER_HOST must be 0 or more, got {number}")
    return number


# the settings read with duration_setting (the crawl command checks them all up front)
DURATION_SETTINGS = ("ARCHIVE_REFRESH_AFTER", "ARCHIVE_RECHECK_GONE_AFTER")


def duration_setting(settings: Any, name: str) -> timedelta | None:
    """The setting *name*: "90", "45m", "12h", "7d" → a timedelta; empty or 0 → None
    (off). Anything else raises SettingError, naming the setting."""
    value = settings.get(name)
    text = str(value or "").strip().lower()
    if not text or text == "0":
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    factor = units.get(text[-1], 0)
    number = text[:-1] if factor else text
    try:
        seconds = float(number) * (factor or 1)
    except ValueError:
        raise SettingError(
            f"{name} must be a duration like 3600, 12h or 7d, got {value!r}"
        ) from None
    return timedelta(seconds=seconds) if seconds > 0 else None


def asset_scope(value: Any) -> str:
    """ARCHIVE_PAGE_ASSETS: "site" (the site's hosts and subdomains), "all" (any host, a
    CDN included) or "off"; booleans read as "site" / "off"."""
    return _choice("ARCHIVE_PAGE_ASSETS", value, ("site", "all", "off"), true="site")


def browser_mode(value: Any) -> str:
    """ARCHIVE_BROWSER: "off", "auto" or "always"; booleans read as "always" / "off"."""
    return _choice("ARCHIVE_BROWSER", value, ("off", "auto", "always"), true="always")


def renders_pages(settings: Any, site_modes: Iterable[str | None]) -> bool:
    """Does any site of the crawl render pages: its own ``browser`` option (*site_modes*,
    None where a site has none), else ARCHIVE_BROWSER, is not "off"."""
    default = browser_mode(settings.get("ARCHIVE_BROWSER"))
    return any((mode or default) != "off" for mode in site_modes)


def _choice(name: str, value: Any, choices: tuple[str, ...], true: str) -> str:
    """One of *choices* (each including "off"); a boolean reads as *true* / "off"."""
    text = str(value).strip().lower()
    if text in choices:
        return text
    if text in ("1", "true", "yes", "on"):
        return true
    if text in ("0", "false", "no", "none", ""):
        return "off"
    listed = ", ".join(choices[:-1]) + f" or {choices[-1]}"
    raise SettingError(f"{name} must be {listed}, got {value!r}")


def scroll_screens(value: Any, default: int) -> int:
    """ARCHIVE_BROWSER_SCROLL: the screens a rendered page is scrolled down, 0 for none;
    ``on`` (and True) reads as *default*, ``off`` (and False) as 0."""
    if isinstance(value, bool):
        return default if value else 0
    text = str(value if value is not None else "").strip().lower()
    if text in ("on", "true", "yes"):
        return default
    if text in ("off", "false", "no", "", "0"):
        return 0
    try:
        number = int(text)
    except ValueError:
        number = -1
    if number < 0:
        raise SettingError(
            f"ARCHIVE_BROWSER_SCROLL must be a number of screens (0: off), on or off, got {value!r}"
        )
    return number


def check_settings(settings: Any) -> None:
    """Every setting above, checked (raises SettingError, one line)."""
    for name in DURATION_SETTINGS:
        duration_setting(settings, name)
    asset_scope(settings.get("ARCHIVE_PAGE_ASSETS"))
    browser_mode(settings.get("ARCHIVE_BROWSER"))
    scroll_screens(settings.get("ARCHIVE_BROWSER_SCROLL"), 0)
    max_pages_per_host(settings)
