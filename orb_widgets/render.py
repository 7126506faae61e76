"""The one rendering environment: autoescaping Jinja over ``templates/partials/``.

HTML partials (``*.html.j2``) escape every value unless it is already a
:class:`markupsafe.Markup`; text partials (``*.txt.j2``, for the command line)
are plain text whose values have control characters removed, so a stored
string can neither inject markup into a page nor move the cursor in a
terminal; Markdown partials (``*.md.j2``, the e-mails) pass typed text through
the ``md`` filter, so it reads as text and never as a heading, list or table.
A missing value is an error (``StrictUndefined``), never a blank.

>>> text_cell("<b>\x1b[2J")  # text output keeps the characters but drops terminal escapes
'<b>[2J'
>>> str(render("cards.html.j2", cards=[]))
''
"""

from __future__ import annotations

import functools
import re
import textwrap

from jinja2 import Environment
from markupsafe import Markup

from . import templating
from .format import HIDDEN, date, plural, unbreakable_parts

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
WIDTH = 100


def text_cell(value) -> str:
    """A value for plain-text output: control characters (terminal escapes) removed, tabs as spaces."""
    return _CONTROL.sub("", str(value).replace("\t", " ").replace("\r", ""))


def one_line(value) -> str:
    """Typed text as one plain line: line breaks and runs of spaces joined, control characters removed.

    >>> one_line("Ask\\n\\n  staff\\x1b[2J first")
    'Ask staff[2J first'
    """
    return text_cell(" ".join(str(value).split()))


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")
_MD_LEADING = re.compile(r"^(\d+)([.)])|^([-+=])")


def md(value) -> str:
    """Typed text as one inert Markdown line: markup characters escaped, line breaks joined.

    Whatever someone typed stays text where it lands in a Markdown e-mail: no
    tag, link, emphasis, table cell break (a bar) or heading (a hash), and text
    that starts like a list item (a dash, or a number and a full stop) stays a
    sentence.

    >>> md("<b>*hi*</b>\\n# x")
    '\\\\<b\\\\>\\\\*hi\\\\*\\\\</b\\\\> \\\\# x'
    >>> md("1. first | second"), md("- a dash")
    ('1\\\\. first \\\\| second', '\\\\- a dash')
    """
    text = _MD_SPECIAL.sub(r"\\\1", one_line(value))
    return _MD_LEADING.sub(lambda m: m.group(1) + "\\" + m.group(2) if m.group(1) else "\\" + m.group(3), text)


def wrap(value, width: int = WIDTH, indent: str = "", first: str | None = None) -> str:
    """Plain text wrapped to ``width`` columns, each line indented; keeps the text's own line breaks."""
    first = indent if first is None else first
    out = []
    for n, para in enumerate(text_cell(value).split("\n")):
        lines = textwrap.wrap(
            para, width, initial_indent=first if n == 0 else indent, subsequent_indent=indent, break_long_words=True
        ) or [indent.rstrip()]
        out += lines
    return "\n".join(out)


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    """The partials' environment (``orb_widgets.templating.environment``) with the text filters and
    the one way dates, counts and hidden cells are written."""
    return templating.environment(
        templating.PARTIALS,
        trim=True,
        filters={
            "text": text_cell,
            "line": one_line,
            "md": md,
            "wrap": wrap,
            "text_table": text_table,
            "longdate": date,
            "unbreakable": unbreakable_parts,
        },
        globals={"date": date, "plural": plural, "HIDDEN": HIDDEN, "WIDTH": WIDTH},
    )


def render(name: str, /, **context) -> Markup | str:
    """Render one partial; HTML comes back as ``Markup`` (already safe), text as ``str``."""
    out = environment().get_template(name).render(**context)
    return Markup(out) if name.endswith(".html.j2") else out


def text_table(table, width: int = WIDTH) -> str:
    """A :class:`~orb_widgets.format.Table` as aligned plain text no wider than ``width``.

    The first column (the label) wraps; a hidden row says so across the other columns.
    """
    heads = [text_cell(h) for h in table.heads]
    rows = [[text_cell(c) for c in line.cells] for line in table.lines]
    widths = [max([len(heads[i])] + [len(r[i - 1]) for r in rows if len(r) >= i]) for i in range(1, len(heads))]
    rest = sum(widths) + 2 * len(widths)
    first = max(16, min(max(len(text_cell(line.label)) for line in table.lines), width - rest))
    if first + rest > width:  # too many columns for one line: label on its own line, cells below it
        first = 4
    out = []

    def emit(label, cells, n_cells=None):
        label_lines = textwrap.wrap(label, first) if first > 4 else [label, ""]
        cells_text = "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
        if first == 4:
            out.append(label[:width])
            out.append(("    " + cells_text)[:width])
            return
        for n, text in enumerate(label_lines or [""]):
            out.append((text.ljust(first) + "  " + cells_text).rstrip() if n == 0 else text)

    emit(heads[0], heads[1:])
    for line, cells in zip(table.lines, rows):
        if line.shown:
            emit(text_cell(line.label), cells)
        else:
            emit(text_cell(line.label), cells + [text_cell(table.hidden)])
    return "\n".join(out)
