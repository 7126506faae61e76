"""No HTML is written in Python strings: markup lives in autoescaping partials (templates/partials/).

A tag in a Python string is markup that escapes by convention only; in a
partial, every value is escaped unless it is already ``Markup``. Docstrings
may show tags (they document escaping); any other string literal, f-string
part included, may not.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import orb_widgets

PACKAGE = Path(orb_widgets.__file__).parent

#: Modules allowed to keep markup in strings while they are being converted (none now;
#: the last test fails when one listed here no longer needs its place).
KNOWN: tuple[str, ...] = ()

_ELEMENTS = (
    "a|b|body|br|caption|code|details|div|em|figure|footer|h[1-6]|head|header|hr|html|i|iframe|img|"
    "li|main|meta|nav|ol|p|pre|script|section|small|span|strong|style|summary|svg|table|tbody|td|th|"
    "thead|title|tr|ul"
)
# "<div", "</td>", "<br/>" but not "0 < p < 1" nor a placeholder such as "/survey/<link>"
TAG = re.compile(rf"(?<![\w/])</?(?:{_ELEMENTS})(?=[\s>/])", re.I)


def markup_in(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string literal in ``source`` that holds an HTML tag, docstrings left out.

    A line marked ``# markup-ok: why`` is left out too: code that reads or rewrites markup another
    library wrote (matplotlib's SVG) rather than writing a page's markup.
    """
    tree = ast.parse(source)
    marked = {n for n, line in enumerate(source.splitlines(), start=1) if "# markup-ok:" in line}
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value[:70])
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docs
        and TAG.search(node.value)
        and node.lineno not in marked
    ]


def _hits() -> dict[str, list]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        found = markup_in(path.read_text("utf-8"))
        if found:
            out[path.relative_to(PACKAGE).as_posix()] = found
    return out


def _known(rel: str) -> bool:
    return rel.split("/")[0].removesuffix(".py") in KNOWN


def test_the_check_finds_markup_in_strings_and_f_strings_but_not_in_docstrings_or_comparisons():
    source = (
        '"""Shows <b>bold</b>."""\n'
        "x = \"<div class='orb-note'>\"\n"
        'y = f"<td>{x}</td>"\n'
        'z = "need 0 < p < 1"\n'
        'u = "served at /survey/<link>"\n'
        'v = "<svg " + x  # markup-ok: rewriting a library\'s SVG\n'
    )
    assert [line for line, _ in markup_in(source)] == [2, 3, 3]


def test_no_module_writes_html_in_a_python_string():
    hits = {rel: found for rel, found in _hits().items() if not _known(rel)}
    assert not hits, "move this markup to a partial in templates/partials/: " + "; ".join(
        f"{rel}:{line} {text!r}" for rel, found in hits.items() for line, text in found
    )


def test_every_known_exception_still_needs_its_place_on_the_list():
    converted = [
        k for k in KNOWN if not any(_known(rel) and rel.split("/")[0].removesuffix(".py") == k for rel in _hits())
    ]
    assert not converted, f"{converted} hold no markup in strings any more: remove them from KNOWN"
