"""The scoring rules, written once: in the docstrings of the packages :mod:`orb_widgets.scoring`
(how scores are computed; ``scoring/__init__.py``) and :mod:`orb_widgets.views` (what a reader sees;
``views/__init__.py``), each beside the modules that carry them out.

The documentation's page "How scores are computed" (``docs/reference/scoring-rules.md``)
is generated from them by ``python3 dev.py rules``, and a test fails when the two
differ, so the rules a county reads are the rules the code states beside the code.

>>> text = markdown()
>>> text.splitlines()[0]
'1. **Reverse-scored items** are flipped: ``points + 1 - x`` (5 → 1 on a'
>>> "14. **What a reader sees**" in text and "**One wave at a time.**" in text
True
"""

from __future__ import annotations

import re

from . import scoring, views

START = "<!-- scoring rules: generated from orb_widgets/scoring/ and views/ by `python3 dev.py rules` -->"
#: The page that carries them.
PAGE = "docs/reference/scoring-rules.md"
END = "<!-- end of generated scoring rules -->"


def _section(doc: str, title: str) -> str:
    """The body of the reStructuredText section ``title`` in ``doc``, up to the next section or example."""
    lines = doc.splitlines()
    at = lines.index(title) + 2  # the title and its underline
    body: list[str] = []
    for k in range(at, len(lines)):
        line = lines[k]
        underline = k + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[k + 1] or "")
        if underline or line.startswith(">>>"):
            break
        body.append(line)
    return "\n".join(body).strip()


def markdown() -> str:
    """The rules as the documentation shows them (Markdown)."""
    wave = _section(scoring.__doc__, "One wave at a time").replace(":func:`score`", "``orb score``")
    rules = _section(scoring.__doc__, "Scoring rules") + "\n" + _section(views.__doc__, "What a reader sees")
    return rules + "\n\n**One wave at a time.** " + " ".join(wave.split()) + "\n"


def block() -> str:
    """The generated block, between its two marker lines."""
    return f"{START}\n{markdown()}{END}"


def update(text: str) -> str:
    """``text`` (the page) with its generated block replaced by the rules as the code states them."""
    if START not in text or END not in text:
        raise ValueError(f"{PAGE} has no generated scoring rules block (a line {START!r})")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return head + block() + tail
