"""A plain table typed from paper forms: CSV (comma, semicolon, tab or bar) or .xlsx.

One header row (or, when a title sits above it, the first of the top five
rows that names a question). An ``id`` (``form id``, ``paper id``) column
identifies a response within its wave; without one, the file's rows up to and
including it, so the same table again (as CSV or .xlsx) adds nobody, the
table with rows added below adds those rows, and another stack of forms adds
every row, even where two people answered alike.
"""

from __future__ import annotations

from ...instrument import TAG_RE
from ..matching import COMMENT_TAG, norm, plain_headers
from ..registry import Table, Vendor, register


class _Plain(Vendor):
    meta = {"id": "id", "form id": "id", "form number": "id", "paper id": "id"}
    family = "table"
    order = 1000

    @classmethod
    def table(cls, head, inst) -> Table:
        words = {norm(i.id) for i in inst.items} | {norm(i.text) for i in inst.items}
        top = 0
        for n in range(min(5, len(head))):
            if any(TAG_RE.search(c) or COMMENT_TAG.search(c) or norm(c) in words for c in head[n]):
                top = n
                break
        row = head[top] if head else []
        return Table(plain_headers(row, top), start=top + 1, header_row=top + 1, width=len(row))

    typed_ids = True

    @classmethod
    def identity(cls, cell, cols) -> str | None:
        rid = cell(cols.meta.get("id"))
        return f"id|{rid}" if rid else None


@register
class Csv(_Plain):
    name, title = "csv", "a CSV table"


@register
class Xlsx(_Plain):
    name, title = "xlsx", "an Excel table"
    order = 1001
