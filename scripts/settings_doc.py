"""Write docs/settings.md, the settings reference, from crawler/settings.py.

``python scripts/settings_doc.py`` rewrites docs/settings.md; ``--check`` only compares
and exits 1, with one line, when the file differs from what it would write.

crawler/settings.py is read as text and through :mod:`ast`, never imported (importing it
would import Scrapy and read the environment), so the reference does not depend on the
machine it is made on. Its conventions (see the comment at the top of that file):

- a ``# -- TITLE ---`` line starts a section;
- the ``#:`` lines directly above a setting are its description (Markdown, one
  paragraph); a setting without them is left out, except an ``ARCHIVE_*`` setting;
- the default is the value's source text, on one line;
- the module docstring, but its first line, is the reference's introduction (``x``
  becomes `x`); the settings that read the environment are listed after it.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SETTINGS = REPO / "crawler" / "settings.py"
DOC = REPO / "docs" / "settings.md"
COMMAND = "python scripts/settings_doc.py"

SECTION = re.compile(r"^# -- (?P<title>.+?) -*$")
DOC_LINE = "#:"
SETTING_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
OWN_PREFIX = "ARCHIVE_"  # the archiver's own settings: always in the reference


class SettingsDocError(ValueError):
    """crawler/settings.py breaks the documentation conventions."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: str  # source text, one line
    description: str  # "" when the setting has no #: block
    environment: tuple[str, ...] = ()  # environment variables its value reads
    line: int = 0


@dataclass
class Section:
    title: str
    settings: list[Setting] = field(default_factory=list)


@dataclass(frozen=True)
class SettingsFile:
    intro: str
    sections: tuple[Section, ...]
    names: frozenset[str]  # every setting assigned in the file, documented or not

    def settings(self) -> list[Setting]:
        return [setting for section in self.sections for setting in section.settings]


def _default_text(source: str, value: ast.expr) -> str:
    """The value as written; a value over several lines as one (comments dropped)."""
    text = ast.get_source_segment(source, value) or ast.unparse(value)
    return ast.unparse(value) if "\n" in text else text


def _environment(value: ast.expr) -> tuple[str, ...]:
    """Environment variables the value reads: os.environ.get("X"), os.getenv("X"),
    os.environ["X"]."""
    names: list[str] = []
    for node in ast.walk(value):
        key: ast.expr | None = None
        if isinstance(node, ast.Call) and node.args:
            callee = ast.unparse(node.func)
            if callee in ("os.environ.get", "os.getenv", "environ.get", "getenv"):
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) in (
            "os.environ",
            "environ",
        ):
            key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.append(key.value)
    return tuple(dict.fromkeys(names))


def _doc_block(lines: list[str], line: int) -> tuple[str, int]:
    """The #: lines directly above 1-based *line*: their text as one paragraph, and the
    line number of the first of them (*line* when there are none)."""
    parts: list[str] = []
    first = line
    while first > 1 and lines[first - 2].startswith(DOC_LINE):
        first -= 1
        parts.insert(0, lines[first - 1][len(DOC_LINE) :].strip())
    return " ".join(part for part in parts if part), first


def parse(source: str) -> SettingsFile:
    """The sections and settings of a settings file's text."""
    tree = ast.parse(source)
    lines = source.splitlines()
    docstring = ast.get_docstring(tree) or ""
    intro = docstring.partition("\n\n")[2].strip()

    headers = [
        (number, match["title"])
        for number, text in enumerate(lines, start=1)
        if (match := SECTION.match(text))
    ]
    used_doc_lines: set[int] = set()
    sections: dict[int, Section] = {}
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if not isinstance(target, ast.Name) or not SETTING_NAME.match(target.id):
            continue
        name = target.id
        names.add(name)
        description, first = _doc_block(lines, node.lineno)
        used_doc_lines.update(range(first, node.lineno))
        if not description and not name.startswith(OWN_PREFIX):
            continue
        above = [(number, title) for number, title in headers if number < node.lineno]
        if not above:
            raise SettingsDocError(
                f"line {node.lineno}: {name} is documented but comes before any section "
                "(a '# -- TITLE ---' line)"
            )
        number, title = above[-1]
        setting = Setting(
            name, _default_text(source, value), description, _environment(value), node.lineno
        )
        sections.setdefault(number, Section(title)).settings.append(setting)

    stray = [
        number
        for number, text in enumerate(lines, start=1)
        if text.startswith(DOC_LINE) and number not in used_doc_lines
    ]
    if stray:
        raise SettingsDocError(
            f"line {stray[0]}: a '#:' block that documents no setting (it must be directly "
            "above one)"
        )
    return SettingsFile(intro, tuple(sections[n] for n in sorted(sections)), frozenset(names))


def _heading(title: str) -> str:
    title = title[:1].upper() + title[1:]
    return re.sub(r"\b([A-Z][A-Z0-9]*_[A-Z0-9_]*\*?)", r"`\1`", title)


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(source: str) -> str:
    """docs/settings.md for the settings file's text."""
    settings_file = parse(source)
    out = [
        "# Settings",
        "",
        "<!-- Generated from crawler/settings.py by scripts/settings_doc.py: edit the '#:'",
        f"comments there, then run `{COMMAND}`. -->",
        "",
    ]
    if settings_file.intro:
        out += [settings_file.intro.replace("``", "`"), ""]
    from_environment = [
        f"`{variable}` (`{setting.name}`)" if variable != setting.name else f"`{variable}`"
        for setting in settings_file.settings()
        for variable in setting.environment
    ]
    if from_environment:
        out += [
            "These settings also read the environment variable of their name, when it is "
            "set (a `-s` value still comes first): " + ", ".join(from_environment) + ".",
            "",
        ]
    out += [
        "The default is the value as written in `crawler/settings.py`.",
        "",
    ]
    for section in settings_file.sections:
        out += [
            f"## {_heading(section.title)}",
            "",
            "| setting | default | description |",
            "|---|---|---|",
        ]
        out += [
            f"| `{setting.name}` | {_cell(_code(setting.default))} | {_cell(setting.description)} |"
            for setting in section.settings
        ]
        out.append("")
    return "\n".join(out)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when the reference is not what this script would write",
    )
    parser.add_argument("--settings", type=Path, default=SETTINGS, help=argparse.SUPPRESS)
    parser.add_argument("--doc", type=Path, default=DOC, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        text = render(args.settings.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, SettingsDocError) as exc:
        print(f"error: {_shown(args.settings)}: {exc}", file=sys.stderr)
        return 2
    if args.check:
        try:
            current = args.doc.read_text(encoding="utf-8")
        except OSError:
            current = None
        if current != text:
            print(
                f"{_shown(args.doc)} is out of date with {_shown(args.settings)}: run {COMMAND}",
                file=sys.stderr,
            )
            return 1
        return 0
    if args.doc.exists() and args.doc.read_text(encoding="utf-8") == text:
        return 0
    args.doc.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {_shown(args.doc)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
