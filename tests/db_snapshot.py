"""Every table of a workspace's database, row by row: what "opening a page wrote nothing" is checked against.

Used by tests/test_widgets.py (pages built in code) and tests/browser/ (pages
served and opened in Chromium). Works on SQLite and PostgreSQL alike.
"""

from __future__ import annotations


def table_contents(store) -> dict[str, list[tuple]]:
    """Each table's rows (every column, as text), sorted, by table name."""
    import sqlalchemy as sa

    out = {}
    with store.engine.connect() as conn:
        for name in sa.inspect(conn).get_table_names():
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            out[name] = sorted(tuple(repr(v) for v in row) for row in conn.execute(sa.select(table)))
    return out


def changes(before: dict, after: dict, width: int = 240) -> list[str]:
    """What differs, one readable line a table: its row count and a row that is new or gone."""
    lines = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, []), after.get(name, [])
        if old == new:
            continue
        added = [r for r in new if r not in old]
        gone = [r for r in old if r not in new]
        line = f"{name}: {len(old)} rows -> {len(new)}"
        if added:
            line += f"; new {str(added[0])[:width]}"
        if gone:
            line += f"; was {str(gone[0])[:width]}"
        lines.append(line)
    return lines
