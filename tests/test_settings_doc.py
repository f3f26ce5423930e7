"""docs/settings.md is generated from crawler/settings.py (scripts/settings_doc.py) and
current; every ARCHIVE_* setting the code reads is defined there and documented."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "settings_doc.py"
SETTINGS = REPO / "crawler" / "settings.py"
DOC = REPO / "docs" / "settings.md"
HINT = "run python scripts/settings_doc.py"

# "ARCHIVE_X" or 'ARCHIVE_X' in code: a setting read (settings.get*("ARCHIVE_X"),
# duration_setting(settings, "ARCHIVE_X"), a tuple of names, a dict key) or an
# environment variable (os.environ.get("ARCHIVE_X"), os.getenv, monkeypatch.setenv ...)
QUOTED = re.compile(r"""(["'])(ARCHIVE_[A-Z0-9_]*[A-Z0-9])\1""")
ENVIRONMENT = re.compile(
    r"""(?:environ\.get|environ\.pop|getenv|setenv|delenv|environ\[)\(?\s*"""
    r"""["'](ARCHIVE_[A-Z0-9_]*[A-Z0-9])["']"""
)
# any mention, comments and docstrings included (not NEWS_ARCHIVE_..., not ARCHIVE_*)
MENTION = re.compile(r"\bARCHIVE_[A-Z0-9_]*[A-Z0-9]\b")
TABLE_ROW = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \|", re.MULTILINE)


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("settings_doc", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


settings_doc = load_script()


def code_files() -> list[Path]:
    """The project's code, settings.py aside."""
    return sorted(
        path
        for folder in ("crawler", "archive")
        for path in (REPO / folder).rglob("*.py")
        if path != SETTINGS
    )


def names_in_code() -> tuple[set[str], set[str], dict[str, set[str]]]:
    """(settings read, environment variables read, every mention with its files). A
    quoted name is a setting unless all its quoted occurrences are environment reads
    (ARCHIVE_DIR and ARCHIVE_OPERATOR are both)."""
    quoted: Counter[str] = Counter()
    environment: Counter[str] = Counter()
    mentions: dict[str, set[str]] = {}
    for path in code_files():
        text = path.read_text(encoding="utf-8")
        quoted.update(match[2] for match in QUOTED.finditer(text))
        environment.update(match[1] for match in ENVIRONMENT.finditer(text))
        for match in MENTION.finditer(text):
            mentions.setdefault(match[0], set()).add(str(path.relative_to(REPO)))
    settings = {name for name, count in quoted.items() if count > environment[name]}
    return settings, set(environment), mentions


def undocumented(parsed: object) -> list[str]:
    """The ARCHIVE_* settings of a parsed settings file without a description."""
    return [
        setting.name
        for setting in parsed.settings()  # type: ignore[attr-defined]
        if setting.name.startswith("ARCHIVE_") and not setting.description
    ]


@pytest.fixture(scope="module")
def parsed() -> object:
    return settings_doc.parse(SETTINGS.read_text(encoding="utf-8"))


def test_settings_md_is_what_settings_py_makes() -> None:
    expected = settings_doc.render(SETTINGS.read_text(encoding="utf-8"))
    assert DOC.read_text(encoding="utf-8") == expected, (
        f"docs/settings.md is out of date with crawler/settings.py: {HINT}"
    )


def test_check_mode_says_so_in_one_line(tmp_path: Path) -> None:
    check = [sys.executable, str(SCRIPT), "--check"]
    current = subprocess.run(check, capture_output=True, text=True, cwd=REPO)
    assert current.returncode == 0, current.stderr
    assert current.stdout == current.stderr == ""

    stale = tmp_path / "settings.md"
    stale.write_text(DOC.read_text(encoding="utf-8").replace("| `5000` |", "| `50` |"))
    run = subprocess.run([*check, "--doc", str(stale)], capture_output=True, text=True)
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and HINT in run.stderr

    missing = subprocess.run([*check, "--doc", str(tmp_path / "none.md")], capture_output=True)
    assert missing.returncode == 1


def test_writing_is_deterministic(tmp_path: Path) -> None:
    doc = tmp_path / "settings.md"
    for _ in range(2):
        run = subprocess.run(
            [sys.executable, str(SCRIPT), "--doc", str(doc)], capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        assert doc.read_bytes() == DOC.read_bytes()


def test_every_archive_setting_the_code_reads_is_defined_and_documented(parsed: object) -> None:
    read, _environment, _mentions = names_in_code()
    assert len(read) >= 20, "the scan found too few settings: is QUOTED still right?"
    defined = parsed.names  # type: ignore[attr-defined]
    assert sorted(read - defined) == [], "read in crawler/ or archive/, not in settings.py"
    assert undocumented(parsed) == [], "an ARCHIVE_* setting without its '#:' description"


def test_every_archive_name_the_code_mentions_is_a_setting_or_environment_variable(
    parsed: object,
) -> None:
    _read, environment, mentions = names_in_code()
    known = parsed.names | environment  # type: ignore[attr-defined]
    unknown = {name: sorted(files) for name, files in mentions.items() if name not in known}
    assert unknown == {}


def test_the_reference_lists_settings_of_settings_py_only(parsed: object) -> None:
    text = DOC.read_text(encoding="utf-8")
    listed = TABLE_ROW.findall(text)
    assert len(listed) == len(set(listed)), "a setting listed twice"
    assert sorted(set(listed) - parsed.names) == []  # type: ignore[attr-defined]
    own = {name for name in parsed.names if name.startswith("ARCHIVE_")}  # type: ignore[attr-defined]
    assert sorted(own - set(listed)) == [], "an ARCHIVE_* setting missing from the reference"
    _read, environment, _mentions = names_in_code()
    named = set(MENTION.findall(text))
    assert sorted(named - parsed.names - environment) == []  # type: ignore[attr-defined]


def test_the_conventions_are_enforced() -> None:
    source = '''"""Title.

Intro.
"""
import os

# -- the archive ---
#: Documented, over
#: two lines.
ARCHIVE_ONE = os.environ.get("ARCHIVE_ONE") or 1
ARCHIVE_TWO = {
    "a": 1,  # a note
}
NOT_DOCUMENTED = 3
#: Scrapy's, documented.
SCRAPY_ONE = 4
'''
    parsed = settings_doc.parse(source)
    assert [s.name for s in parsed.settings()] == ["ARCHIVE_ONE", "ARCHIVE_TWO", "SCRAPY_ONE"]
    one, two, _ = parsed.settings()
    assert one.description == "Documented, over two lines."
    assert one.default == 'os.environ.get("ARCHIVE_ONE") or 1'
    assert one.environment == ("ARCHIVE_ONE",)
    assert two.default == "{'a': 1}"
    assert undocumented(parsed) == ["ARCHIVE_TWO"]  # what the test above fails on
    assert "NOT_DOCUMENTED" in parsed.names
    text = settings_doc.render(source)
    assert "| `ARCHIVE_ONE` |" in text and "NOT_DOCUMENTED" not in text
    assert text.count("\nIntro.\n") == 1 and "Title." not in text

    detached = source.replace("#: Scrapy's, documented.\n", "#: Lost.\n\n")
    with pytest.raises(settings_doc.SettingsDocError, match="documents no setting"):
        settings_doc.parse(detached)


def test_links_to_and_from_the_reference_work() -> None:
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    linking = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text("utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if Path(target).name == "settings.md":
                linking.append(page.name)
            assert (page.parent / target).exists(), f"{page.name}: broken link {target}"
    assert "README.md" in linking
    # 'see "Section" in [page.md](page.md)': the page has a heading that starts so
    for section, target in re.findall(r'"([^"]+)" in \[[^]]+\]\(([^)]+)\)', DOC.read_text()):
        headings = re.findall(r"^#+ (.+)$", (DOC.parent / target).read_text(), re.MULTILINE)
        assert any(h.startswith(section) for h in headings), f"{target}: no {section!r}"
