"""Three-way merge of two people's edits of one saved workbook entry.

When a teammate saved the same entry while someone was typing, the page
merges the two edits against what that person saw when the page opened (the
*base*): a part only one of them changed takes that change; a part both
changed the same way is kept; a part both changed differently is a conflict,
and the person's own text is kept there so nothing they typed is dropped.
Plain data in, plain data out (dicts, lists, strings), no widgets, no store.

>>> merge3({"a": "x", "b": "y"}, {"a": "me", "b": "y"}, {"a": "x", "b": "you"})
({'a': 'me', 'b': 'you'}, [])
>>> merge3({"a": "x"}, {"a": "me"}, {"a": "you"})
({'a': 'me'}, ['a'])

Two people adding to the same list keep both additions:

>>> merge3({"steps": ["plan"]}, {"steps": ["plan", "call"]}, {"steps": ["plan", "visit"]})
({'steps': ['plan', 'visit', 'call']}, [])

A deletion against an edit of the same key is a conflict, and the edit stays:

>>> merge3({"a": 1, "b": 2}, {"a": 1, "b": 3}, {"a": 1})
({'a': 1, 'b': 3}, ['b'])
"""

from __future__ import annotations

import copy

__all__ = ["merge3"]


def merge3(base, mine, theirs):
    """Merge two people's edits of the same entry made from ``base``.

    Returns ``(merged, conflicts)`` where ``conflicts`` lists the paths both
    changed differently (``"notes.0"``, ``"title"``, or ``"entry"`` for the
    whole of it); at those paths ``merged`` holds ``mine``.

    >>> merge3("old", "new", "old")
    ('new', [])
    >>> merge3("old", "mine", "theirs")
    ('mine', ['entry'])
    """
    conflicts: list[str] = []

    def walk(b, m, t, path):
        if m == t:
            return copy.deepcopy(m)
        if m == b:
            return copy.deepcopy(t)
        if t == b:
            return copy.deepcopy(m)
        if isinstance(m, dict) and isinstance(t, dict):
            b = b if isinstance(b, dict) else {}
            out = {}
            for k in list(m) + [k for k in t if k not in m]:
                if k not in m and k in b:  # I deleted it
                    if t.get(k) != b.get(k):
                        conflicts.append(f"{path}{k}")
                    continue
                if k not in t and k in b:  # they deleted it
                    if m.get(k) != b.get(k):
                        out[k] = copy.deepcopy(m[k])
                        conflicts.append(f"{path}{k}")
                    continue
                out[k] = walk(b.get(k), m.get(k), t.get(k), f"{path}{k}.")
            return out
        if isinstance(m, list) and isinstance(t, list):
            b = b if isinstance(b, list) else []
            if len(m) == len(t) == len(b):
                return [walk(x, y, z, f"{path}{n}.") for n, (x, y, z) in enumerate(zip(b, m, t))]
            # both grew the same list from the same start: keep both sets of additions
            if b == m[: len(b)] == t[: len(b)]:
                return copy.deepcopy(t) + [x for x in m[len(b) :] if x not in t[len(b) :]]
        conflicts.append(path.rstrip(".") or "entry")
        return copy.deepcopy(m)

    merged = walk(base, mine, theirs, "")
    return merged, conflicts
