"""One export file, read as responses for one instrument: :func:`open_export`.

Opening reads only the first rows (vendor, headers, columns). Iterating the
:class:`Export` streams the rest and yields one
:class:`~orb_widgets.store.NewResponse` per person; it raises
:class:`~orb_widgets.exceptions.ImportFileError` at the first row it cannot
use, so a caller that stores responses must read the whole file first
(:meth:`Export.check`) or roll back. Iterating again reads the file again and
yields the same responses with the same ``source_key``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

from ..exceptions import ImportFileError
from ..instrument import Instrument
from ..store import NewResponse, Origin
from . import registry
from .matching import Columns, map_columns, some_ids
from .reading import Rows, open_rows
from .values import Values, has_seconds, minute, second, when

INCOMPLETE = "incomplete (no answers)"
_INTEGER = re.compile(r"^-?[0-9]+$")


class Export:
    """A survey export being imported; see :func:`open_export`."""

    def __init__(
        self, rows: Rows, vendor: type[registry.Vendor], table: registry.Table, cols: Columns, inst: Instrument
    ):
        self.rows, self.vendor, self.table, self.cols, self.inst = rows, vendor, table, cols, inst
        self.path = rows.path
        self.format = vendor.name
        self.sha256 = rows.sha256
        self.dropped: Counter = Counter()
        #: the rows left out, by reason: their numbers as a spreadsheet shows them
        self.dropped_rows: dict[str, list[int]] = {}
        self.count = 0
        data = [r for r in rows.head[table.start :] if any(c.strip() for c in r)]
        self.numeric = vendor.numeric(data, cols)

    @property
    def ignored_columns(self) -> tuple[str, ...]:
        return tuple(self.cols.ignored)

    @property
    def missing_questions(self) -> tuple[str, ...]:
        return tuple(self.cols.missing)

    def check(self) -> int:
        """Read every row, store nothing; the number of responses. Refuses a file with none."""
        n = sum(1 for _ in self)
        if n == 0:
            dropped = "".join(f"; {k} {why}" for why, k in self.dropped.items())
            raise ImportFileError(
                self.path,
                f"holds no responses to import{dropped}; check that this is the "
                f"right file and that people have answered",
                row=self.table.start + 1,
            )
        return n

    def __iter__(self):
        path, table, cols, vendor, inst = self.path, self.table, self.cols, self.vendor, self.inst
        values = Values(inst, vendor, self.numeric)
        answer_cache: dict[str, object] = {}
        role_cache: dict[str, str] = {}
        dropped: Counter = Counter()
        dropped_rows: dict[str, list[int]] = {}
        occurrences: Counter = Counter()
        ids_seen: dict[int, int] = {}
        chain = ""
        roles = " | ".join(r.label for r in inst.roles)
        family = vendor.family
        width = table.width if self.rows.container == "csv" else 0
        item_cols = [(item_id, h.index, h) for item_id, h in cols.items.items()]
        comment_cols = [(e, h.index) for e, h in cols.comments.items()]
        role_j = cols.role.index
        end_j, start_j = cols.meta.get("end"), cols.meta.get("start")
        expanded = cols.expanded
        self.count = 0
        for record, (rownum, cells) in enumerate(self.rows.iter()):
            if record < table.start:
                continue
            if width and len(cells) != width:
                if len(cells) < width or any(c.strip() for c in cells[width:]):
                    if any(c.strip() for c in cells):
                        raise ImportFileError(
                            path,
                            f"this row has {len(cells)} cells where the header has {width}, so the rows "
                            f"stop being one table here (a quote mark opened in a cell and never closed, "
                            f"or a separator typed inside a cell); fix the row or export the file again",
                            row=rownum,
                        )

            def cell(j: int | None) -> str:
                return cells[j].strip() if j is not None and j < len(cells) else ""

            if not any(c.strip() for c in cells):
                continue
            try:
                reason = vendor.drop(cell, cols)
            except ValueError as exc:  # the vendor's message and the column it read
                raise ImportFileError(
                    path, exc.args[0], row=rownum, column=table.headers[exc.args[1]].display, value=cell(exc.args[1])
                ) from None
            if reason:
                dropped[reason] += 1
                dropped_rows.setdefault(reason, []).append(rownum)
                continue
            answers = {}
            for item_id, j, h in item_cols:
                raw = cell(j)
                if not raw and j in expanded:
                    raw = _expanded_choice(path, rownum, cells, expanded[j], h)
                try:
                    answers[item_id] = answer_cache[raw]
                except KeyError:
                    try:
                        answers[item_id] = answer_cache[raw] = values.answer(raw)
                    except ValueError:
                        raise ImportFileError(
                            path,
                            f"answer is not on this survey's {values.points}-point "
                            f"scale; use one of {values.accepted}, a number "
                            f"1–{values.points}, or leave it blank",
                            row=rownum,
                            column=h.display,
                            value=raw,
                        ) from None
            comments = {}
            for element, j in comment_cols:
                text = cell(j)
                if text and not (vendor.skipped_codes and _INTEGER.match(text) and int(text) in vendor.skipped_codes):
                    comments[element] = text
            if not comments and all(v is None for v in answers.values()):
                dropped[INCOMPLETE] += 1
                dropped_rows.setdefault(INCOMPLETE, []).append(rownum)
                continue
            raw_role = cell(role_j)
            if not raw_role and role_j in expanded:
                raw_role = _expanded_choice(path, rownum, cells, expanded[role_j], cols.role)
            if not raw_role:
                raise ImportFileError(
                    path,
                    f"no role group given; fill in one of: {roles}, or delete the row",
                    row=rownum,
                    column=cols.role.display,
                    value="",
                )
            role = role_cache.get(raw_role)
            if role is None:
                try:
                    role = role_cache[raw_role] = values.role(raw_role)
                except ValueError:
                    raise ImportFileError(
                        path,
                        f"not one of this survey's role groups; use one of: {roles}",
                        row=rownum,
                        column=cols.role.display,
                        value=raw_role,
                    ) from None
            unit = None
            if cols.unit is not None:
                raw_unit = " ".join(cell(cols.unit.index).split())
                if raw_unit and raw_unit.casefold() != "prefer not to say":
                    try:
                        unit = inst.unit(raw_unit)
                    except KeyError:
                        raise ImportFileError(
                            path,
                            f"not one of this survey's offices or units; use one of: {' | '.join(inst.units)}, "
                            "or leave it empty",
                            row=rownum,
                            column=cols.unit.display,
                            value=raw_unit,
                        ) from None
            submitted = when(cell(end_j), table.zones.get(end_j)) if end_j is not None else None
            # What tells this response from the ones its wave already holds: the README's
            # "How ORB tells a new response from one it already has" says it in words.
            ident = vendor.identity(cell, cols)
            typed, kind = None, "id"
            if ident:
                h = _digest(ident)
                if h in ids_seen:
                    raise ImportFileError(
                        path,
                        f"this response appears twice, also on row {ids_seen[h]}; delete the repeated row",
                        row=rownum,
                        column=table.headers[cols.meta["id"]].display,
                        value=cell(cols.meta.get("id")),
                    )
                ids_seen[h] = rownum
                times = [k for k in vendor.id_times if k in cols.meta]
                legacy = "|".join([ident, *(_at(cell, cols, table, k) for k in vendor.id_times)])
                typed = cell(cols.meta.get("id")) if vendor.typed_ids else None
            elif end_j is not None or start_j is not None:
                # No id: the time it was started and sent and the role, and which of the people with
                # that time and role it is, in file order. Answers are left out on purpose, so a
                # corrected question header does not make everyone new.
                times, kind = [k for k in ("start", "end") if k in cols.meta], "time"
                ident = f"when|{role}"
                legacy = f"{_at(cell, cols, table, 'start')}|{_at(cell, cols, table, 'end')}|{role}"
                occurrences["legacy", legacy] += 1
                legacy = f"when|{legacy}#{occurrences['legacy', legacy]}"
            else:
                times, kind = None, "rows"
                content = json.dumps(
                    [
                        role,
                        sorted((k, v) for k, v in answers.items() if v is not None),
                        sorted((k, " ".join(v.split())) for k, v in comments.items()),
                    ],
                    ensure_ascii=False,
                )
                occurrences["legacy", content] += 1
                legacy = f"content|{content}#{occurrences['legacy', content]}"
                # Nothing identifies the row but its place in this file: the file's rows so far.
                chain = hashlib.sha256(f"{chain}\n{content}".encode("utf-8")).hexdigest()
            minute_key, seconds = None, True
            if times is None:
                key = f"rows|{chain}"
            elif not times:
                key = ident
            else:
                raws = [cell(cols.meta[k]) for k in times]
                stamps = [when(raw, table.zones.get(cols.meta[k])) for raw, k in zip(raws, times)]
                minutes = "|".join(minute(t) if t else raw for t, raw in zip(stamps, raws))
                seconds = any(raws) and all(t is not None and has_seconds(raw) for t, raw in zip(stamps, raws) if raw)
                minute_key = _sha(family, f"minute|{ident}|{minutes}")
                key = (
                    f"second|{ident}|{'|'.join(second(t) for t in stamps)}" if seconds else f"minute|{ident}|{minutes}"
                )
                occurrences[key] += 1
                key = f"{key}#{occurrences[key]}"
            source_key = _sha(family, key)
            legacy_key = _sha(family, legacy)
            self.count += 1
            yield NewResponse(
                role=role,
                unit=unit,
                answers=answers,
                comments=comments,
                submitted_at=submitted,
                source_key=source_key,
                origin=Origin(
                    row=rownum,
                    minute_key=minute_key,
                    seconds=seconds,
                    kind=kind,
                    legacy_key=None if legacy_key == source_key else legacy_key,
                    typed_id=typed or None,
                    id_column=table.headers[cols.meta["id"]].display if typed else None,
                ),
            )
        self.dropped = Counter({k: v for k, v in dropped.items() if v})
        self.dropped_rows = dropped_rows


def _sha(family: str, identity: str) -> str:
    return hashlib.sha256(f"{family}:{identity}".encode("utf-8")).hexdigest()


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def _at(cell, cols: Columns, table, kind: str) -> str:
    j = cols.meta.get(kind)
    if j is None:
        return ""
    value = when(cell(j), table.zones.get(j))
    return minute(value) if value else cell(j)


def _expanded_choice(path, rownum, cells, choices, h) -> str:
    """SurveyMonkey "Columns: Expanded": the one choice column of a question that is filled in."""
    picked = [c for c in choices if c.index < len(cells) and cells[c.index].strip()]
    if len(picked) > 1:
        raise ImportFileError(
            path,
            "more than one choice is marked for one question; keep one",
            row=rownum,
            column=h.display,
            value=", ".join(c.choice for c in picked),
        )
    return picked[0].choice if picked else ""


def open_export(path, instrument: Instrument, format: str = "auto", encoding: str | None = None) -> Export:
    """Open a survey export for ``instrument``: its vendor, header rows and columns; no row read yet.

    >>> export = open_export("responses.csv", store.current_instrument("Alder County"))  # doctest: +SKIP
    >>> export.check(), export.format  # doctest: +SKIP
    (42, 'google')
    """
    path = Path(path)
    known = registry.formats()
    if format not in known:
        raise ImportFileError(path, f"unknown format; use one of {', '.join(known)}", value=format)
    rows = open_rows(path, encoding=encoding)
    if format == "auto":
        for name in known[1:]:
            reason = registry.vendor(name).refuse(rows.head)
            if reason:
                raise ImportFileError(path, reason, row=1)
        vendor = registry.detect(rows.head, rows.container)
    else:
        vendor = registry.vendor(format)
    if rows.container == "csv" and rows.delimiter == "\t" and not vendor.tsv_quotes:
        rows.quoting = False
        rows.head = [cells for _, (_, cells) in zip(range(len(rows.head)), rows.iter())]
    if (
        rows.container == "csv"
        and rows.delimiter not in ",;\t|"
        or (rows.container == "csv" and not any(len([c for c in r if c.strip()]) > 1 for r in rows.head))
    ):
        raise ImportFileError(
            path,
            "has only one column; is it a CSV separated by commas, semicolons or tabs?",
            row=1,
            value=rows.head[0][0] if rows.head and rows.head[0] else None,
        )
    table = vendor.table(rows.head, instrument)
    cols = map_columns(path, table, instrument, vendor)
    return Export(rows, vendor, table, cols, instrument)


__all__ = ["Export", "INCOMPLETE", "open_export", "some_ids"]
