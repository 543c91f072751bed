"""The reference and anti-pattern sources of a pattern, highlighted, with the lines that cite rules.

Where each language keeps them (the README's "Adding a pattern"):

- Python: ``python/asyncpatterns/<id_>.py``; anti-patterns: functions ``<id_>`` of
  ``python/asyncpatterns/antipatterns/<pattern_>.py``;
- JavaScript: ``javascript/src/<id>.js``; anti-patterns: exported ``<camelId>`` of
  ``javascript/src/antipatterns/<pattern>.js``;
- C#: every ``.cs`` of ``csharp/AsyncPatterns/<PascalId>/``; anti-patterns: ``<PascalId>Async`` of
  ``csharp/AsyncPatterns/AntiPatterns/<PascalPattern>AntiPatterns.cs``.

A stateful pattern's anti-patterns (``invoked: many``) are classes: ``<PascalId>`` in Python and
JavaScript; in C# a nested class ``<PascalId>…`` (its factory ``<PascalId>`` when it has none).

The references cite the spec's rules as R1, R2 ... in their docs and comments; every line that
does is marked and anchored, so a rule's implementing code is one click from the rule.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from markupsafe import Markup, escape
from pygments import highlight  # type: ignore[import-untyped]
from pygments.formatters import HtmlFormatter  # type: ignore[import-untyped]
from pygments.lexer import Lexer  # type: ignore[import-untyped]
from pygments.lexers import CSharpLexer, JavascriptLexer, PythonLexer  # type: ignore[import-untyped]

from ..paths import CSHARP_DIR, JAVASCRIPT_DIR, PYTHON_DIR, ROOT

LEXERS: dict[str, type[Lexer]] = {"python": PythonLexer, "javascript": JavascriptLexer, "csharp": CSharpLexer}
SHORT = {"python": "py", "javascript": "js", "csharp": "cs"}

#: R2, or a range R1-R7 (expanded)
_RULE = re.compile(r"\bR(\d+)(?:\s*[-\u2013]\s*R(\d+))?\b")  # hyphen or en dash


def snake(pattern_id: str) -> str:
    return pattern_id.replace("-", "_")


def camel(pattern_id: str) -> str:
    head, *rest = pattern_id.split("-")
    return head + "".join(part.capitalize() for part in rest)


def pascal(pattern_id: str) -> str:
    return "".join(part.capitalize() for part in pattern_id.split("-"))


def reference_files(pattern_id: str) -> dict[str, list[Path]]:
    """The files of each language's reference that exist (C#: the strategy first)."""
    csharp = sorted((CSHARP_DIR / "AsyncPatterns" / pascal(pattern_id)).glob("*.cs"))
    csharp.sort(key=lambda path: (not path.stem.endswith("Strategy"), path.name))
    files = {
        "python": [PYTHON_DIR / "asyncpatterns" / f"{snake(pattern_id)}.py"],
        "javascript": [JAVASCRIPT_DIR / "src" / f"{pattern_id}.js"],
        "csharp": csharp,
    }
    return {lang: [path for path in paths if path.is_file()] for lang, paths in files.items()}


def antipattern_file(pattern_id: str, lang: str) -> Path:
    return {
        "python": PYTHON_DIR / "asyncpatterns" / "antipatterns" / f"{snake(pattern_id)}.py",
        "javascript": JAVASCRIPT_DIR / "src" / "antipatterns" / f"{pattern_id}.js",
        "csharp": CSHARP_DIR / "AsyncPatterns" / "AntiPatterns" / f"{pascal(pattern_id)}AntiPatterns.cs",
    }[lang]


def relative(path: Path) -> str:
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass
class Line:
    number: int
    html: Markup
    rules: list[str] = field(default_factory=list)  # the rules this line cites


@dataclass
class Code:
    """A highlighted stretch of one file: lines ``first``..``first + len(lines) - 1``."""

    lang: str
    path: str  # relative to the checkout
    anchor: str  # prefix of each line's id: ``{anchor}-L{n}``
    lines: list[Line]
    note: str = ""  # why there is no code, when there is none

    def citations(self, rule: str) -> list[int]:
        return [line.number for line in self.lines if rule in line.rules]


@cache
def _highlighted(path: Path, lang: str) -> tuple[Markup, ...]:
    """Every line of the file as HTML (pygments closes its spans at each line's end)."""
    text = path.read_text(encoding="utf-8")
    html = highlight(text, LEXERS[lang](stripnl=False, ensurenl=True), HtmlFormatter(nowrap=True))
    return tuple(Markup(line) for line in html.split("\n")[: len(text.splitlines())])


def cited_rules(text: str, rules: Iterable[str]) -> list[str]:
    """The rules of ``rules`` a line cites (``R2``; ``R1-R3`` cites R1, R2, R3)."""
    known = list(rules)
    found: list[str] = []
    for match in _RULE.finditer(text):
        low = int(match.group(1))
        high = int(match.group(2) or low)
        for number in range(low, high + 1):
            rule = f"R{number}"
            if rule in known and rule not in found:
                found.append(rule)
    return found


def code(
    path: Path, lang: str, anchor: str, rules: Iterable[str] = (), first: int = 1, last: int | None = None
) -> Code:
    """Lines ``first``..``last`` (1-based, inclusive) of ``path``, highlighted, rule citations marked."""
    if not path.is_file():
        return Code(lang, relative(path), anchor, [], note=f"{relative(path)} does not exist")
    rules = list(rules)
    raw = path.read_text(encoding="utf-8").splitlines()
    html = _highlighted(path, lang)
    last = len(raw) if last is None else last
    lines = [
        Line(number, html[number - 1] if number - 1 < len(html) else Markup(escape(raw[number - 1])))
        for number in range(first, last + 1)
    ]
    for line in lines:
        line.rules = cited_rules(raw[line.number - 1], rules)
    return Code(lang, relative(path), anchor, lines)


# -- anti-patterns ------------------------------------------------------------------------------------------


def antipattern_code(pattern_id: str, anti_id: str, lang: str, anchor: str) -> Code:
    """The anti-pattern's function with its doc comment, or a Code saying why it was not found."""
    path = antipattern_file(pattern_id, lang)
    if not path.is_file():
        return Code(lang, relative(path), anchor, [], note=f"{relative(path)} does not exist")
    text = path.read_text(encoding="utf-8")
    finder = {"python": _python_span, "javascript": _javascript_span, "csharp": _csharp_span}[lang]
    span = finder(text, anti_id)
    if span is None:
        return Code(lang, relative(path), anchor, [], note=f"no {_name(anti_id, lang)} in {relative(path)}")
    return code(path, lang, anchor, first=span[0], last=span[1])


def _name(anti_id: str, lang: str) -> str:
    return {"python": snake(anti_id), "javascript": camel(anti_id), "csharp": f"{pascal(anti_id)}Async"}[lang]


def _python_span(text: str, anti_id: str) -> tuple[int, int] | None:
    for node in ast.parse(text).body:
        if (isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and node.name == snake(anti_id)) or (
            isinstance(node, ast.ClassDef) and node.name == pascal(anti_id)
        ):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            return first, node.end_lineno or node.lineno
    return None


def _doc_start(lines: list[str], index: int, prefixes: tuple[str, ...]) -> int:
    """Walk up from ``index`` over the doc comment just above it."""
    while index > 0 and lines[index - 1].strip().startswith(prefixes):
        index -= 1
    return index


def _javascript_span(text: str, anti_id: str) -> tuple[int, int] | None:
    lines = text.splitlines()
    declaration = re.compile(
        rf"^export\s+(?:(?:async\s+)?(?:function\*?\s+|const\s+|let\s+){camel(anti_id)}|class\s+{pascal(anti_id)})\b"
    )
    for index, line in enumerate(lines):
        if declaration.match(line):
            start = _doc_start(lines, index, ("/**", "*", "*/"))
            for end in range(index, len(lines)):  # a top-level declaration ends at a column-0 `}` or `;`
                if lines[end].startswith(("}", "};")) or (end == index and lines[end].rstrip().endswith(";")):
                    return start + 1, end + 1
            return start + 1, len(lines)
    return None


def _csharp_span(text: str, anti_id: str) -> tuple[int, int] | None:
    name = pascal(anti_id)
    for declaration in (
        re.compile(rf"^(\s*)(?:public|internal|private)\b[^(]*\b{name}Async\s*[<(]"),
        re.compile(rf"^(\s*)(?:public|internal|private)\b[^(=]*\bclass\s+{name}\w*\b"),  # a stateful pattern's
        re.compile(rf"^(\s*)(?:public|internal|private)\b[^(]*\b{name}\s*[<(]"),
    ):
        span = _csharp_declaration(text, declaration)
        if span is not None:
            return span
    return None


def _csharp_declaration(text: str, declaration: re.Pattern[str]) -> tuple[int, int] | None:
    lines = text.splitlines()
    for index, line in enumerate(lines):
        found = declaration.match(line)
        if found:
            indent = found.group(1)
            start = _doc_start(lines, index, ("///", "["))
            for end in range(index, len(lines)):
                if lines[end].rstrip() == f"{indent}}}":  # a block body ends at a `}` of its own indentation
                    return start + 1, end + 1
                if "{" not in "".join(lines[index : end + 1]) and lines[end].rstrip().endswith(";"):  # `=> ...;`
                    return start + 1, end + 1
            return start + 1, len(lines)
    return None


def pygments_css() -> str:
    return str(HtmlFormatter(style="friendly").get_style_defs(".code"))
