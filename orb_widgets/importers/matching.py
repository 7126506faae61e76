"""Which column holds which question: headers matched to the county's instrument.

Columns are matched by the ``[A1]`` tag anywhere in the header
(``[A-comments]`` for a section's comment box); without a tag, by the item id
alone (``A1``), or by the item's text, compared without case, punctuation,
curly quotes or repeated spaces. A grid/matrix header may carry the section
title around the row (``Section [[A1] text]``, ``Section - [A1] text``,
``Section-[A1] text``, ``Title.Statement``).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import ImportFileError
from ..instrument import TAG_RE, UNIT_QUESTION, Instrument

_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)
_HTML_TAG = re.compile(r"<[^<>]*>")
_NOT_WORD = re.compile(r"[\W_]+")
COMMENT_TAG = re.compile(r"\[([A-Za-z]{1,3})[-_ ]comments?\]", re.IGNORECASE)
_ROLE_HEADERS = {"role", "roles", "role group", "rolegroup", "your role", "group", "which group"}
_SELECTED_CHOICE = re.compile(r"\s+-\s+selected choice$", re.IGNORECASE)  # Qualtrics, when "Other" has a box


def clean(text) -> str:
    """Straight quotes and dashes, single spaces; case and punctuation kept."""
    text = str(text)
    if text.isascii() and "<" not in text and "&" not in text:
        return " ".join(text.split())
    text = unicodedata.normalize("NFKC", html.unescape(text)).translate(_TYPOGRAPHY)
    return " ".join(_HTML_TAG.sub(" ", text).split())


def norm(text) -> str:
    """The form two texts are compared in: no case, punctuation or repeated spaces."""
    text = clean(text).casefold().replace("'", "")
    return " ".join(_NOT_WORD.sub(" ", text).split())


def key(text) -> str:
    """Header key for vendor bookkeeping columns: no case, single spaces."""
    return " ".join(str(text).split()).casefold()


def short(text: str, width: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass
class Header:
    index: int
    row: int  # the spreadsheet row that shows this header
    display: str  # how an error names the column
    texts: tuple[str, ...]  # candidate texts to match against the survey, best first
    key: str  # for vendor bookkeeping columns
    skip: bool = False  # a vendor side column (e.g. "Other (please specify)")
    group: int | None = None  # SurveyMonkey "Expanded": the column of the question this choice belongs to
    choice: str = ""  # … and the choice this column stands for


def plain_headers(row: list[str], n: int) -> list[Header]:
    """Headers of one header row (record ``n``, 0-based)."""
    return [Header(j, n + 1, short(h) or f"column {j + 1}", candidates(h), key(h)) for j, h in enumerate(row)]


def candidates(text: str) -> tuple[str, ...]:
    """The header, and the parts of it that may be a grid/matrix row's own text."""
    text = text.strip()
    out = [text]
    inner = _bracket_tail(text)
    if inner:
        out.append(inner)
    for sep in (" - ", "-"):
        parts = text.split(sep)
        out += [sep.join(parts[k:]) for k in range(1, len(parts))]
    out += [text[i + 1 :] for i, ch in enumerate(text) if ch == "." and 0 < i < len(text) - 1]
    return tuple(dict.fromkeys(t.strip() for t in out if t.strip()))


def _bracket_tail(text: str) -> str | None:
    """``Section [Row]`` -> ``Row`` (Google Forms grids), brackets inside the row kept."""
    if not text.endswith("]"):
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {"]": 1, "[": -1}.get(text[i], 0)
        if depth == 0:
            return text[i + 1 : -1].strip() if text[:i].strip() else None
    return None


@dataclass
class Columns:
    role: Header | None = None
    unit: Header | None = None  # the optional "Which office or unit?" question, when the survey asks it
    items: dict[str, Header] = field(default_factory=dict)
    comments: dict[str, Header] = field(default_factory=dict)
    meta: dict[str, int] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # item ids no column holds
    expanded: dict[int, list[Header]] = field(default_factory=dict)  # question column -> its choice columns


def some_ids(inst: Instrument, ids=None) -> str:
    ids = list(ids) if ids is not None else [i.id for i in inst.items]
    return ", ".join(ids) if len(ids) <= 8 else f"{', '.join(ids[:6])} … {ids[-1]}"


def map_columns(path: Path, table, inst: Instrument, vendor) -> Columns:
    ids = {i.id.casefold(): i.id for i in inst.items}
    by_text = {norm(i.text): i.id for i in inst.items}
    elements = {e.casefold(): e for e in inst.elements}
    comment_names = {}
    for e in inst.elements:
        name = inst.element_names[e]
        for t in (
            f"{e} comments",
            f"{e} comment",
            f"comments {e}",
            f"{name} comments",
            f"comments {name}",
            inst.comment_prompt(e),
        ):
            comment_names[norm(t)] = e
    role_names = {norm(inst.role_question)} | _ROLE_HEADERS
    unit_names = {norm(UNIT_QUESTION), "office or unit", "unit", "office"} if inst.units else set()
    cols = Columns()

    def taken(where: dict, k: str, h: Header, what: str) -> None:
        if k in where:
            raise ImportFileError(
                path,
                f"two columns hold {what}: '{where[k].display}' and this one; delete one of them",
                row=h.row,
                column=h.display,
            )
        where[k] = h

    for h in table.headers:
        if h.group is not None:
            cols.expanded.setdefault(h.group, []).append(h)
            continue
        if h.skip or not h.texts or vendor.side_column(h):
            continue
        if h.key in vendor.meta:
            cols.meta.setdefault(vendor.meta[h.key], h.index)
            continue
        if h.key in vendor.known:
            continue
        kind, k = _classify(path, h, inst, ids, elements)
        if kind is None:
            norms = [norm(t) for t in h.texts]
            whole = {norm(h.texts[0]), norm(_SELECTED_CHOICE.sub("", h.texts[0])), norm(h.key)}
            if whole & role_names:
                kind = "role"
            elif whole & unit_names:
                kind = "unit"
            elif any(n in comment_names for n in norms):
                kind, k = "comment", next(comment_names[n] for n in norms if n in comment_names)
            elif any(n in ids for n in norms):
                kind, k = "item", next(ids[n] for n in norms if n in ids)
            elif any(n in by_text for n in norms):
                kind, k = "item", next(by_text[n] for n in norms if n in by_text)
        if kind == "item":
            taken(cols.items, k, h, f"question {k}")
        elif kind == "comment":
            taken(cols.comments, k, h, f"the comments for section {k}")
        elif kind == "role":
            if cols.role is not None:
                raise ImportFileError(
                    path,
                    f"two columns hold the role group: '{cols.role.display}' and this one; delete one of them",
                    row=h.row,
                    column=h.display,
                )
            cols.role = h
        elif kind == "unit" and cols.unit is None:
            cols.unit = h
        else:
            cols.ignored.append(h.display)
    if not cols.items:
        raise ImportFileError(
            path,
            f"no column matches a question of this survey; check that the questions "
            f"keep their [A1]-style tags (this survey asks {some_ids(inst)}) and "
            f"that this is the right county's file",
            row=table.header_row,
        )
    if cols.role is None:
        raise ImportFileError(
            path,
            f"no column holds the role group; add one headed 'role' (or "
            f"'{inst.role_question}') with one of: "
            f"{' | '.join(r.label for r in inst.roles)}",
            row=table.header_row,
        )
    cols.missing = [i.id for i in inst.items if i.id not in cols.items]
    return cols


def _classify(path, h: Header, inst: Instrument, ids: dict, elements: dict):
    """("item", id) or ("comment", element) from an ``[A1]``/``[A-comments]`` tag, else (None, None)."""
    for text in h.texts:
        found = COMMENT_TAG.findall(text)
        if found:
            tag = found[-1]
            if tag.casefold() not in elements:
                raise ImportFileError(
                    path,
                    f"this column is tagged [{tag}-comments] but the survey has no "
                    f"section {tag} (it has {', '.join(inst.elements)}); remove the "
                    f"column or correct the tag",
                    row=h.row,
                    column=h.display,
                    value=f"[{tag}-comments]",
                )
            return "comment", elements[tag.casefold()]
        found = TAG_RE.findall(text)
        if found:
            tag = found[-1]
            if tag.casefold() not in ids:
                raise ImportFileError(
                    path,
                    f"this column is tagged [{tag}] but the survey has no question "
                    f"{tag}; remove the column or correct the tag (this survey "
                    f"asks {some_ids(inst)})",
                    row=h.row,
                    column=h.display,
                    value=f"[{tag}]",
                )
            return "item", ids[tag.casefold()]
    return None, None
