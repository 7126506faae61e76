"""A Sphinx directive that writes a pydantic model's fields as a table, from the code.

In a MyST page::

    ```{orb-model} orb_widgets.report.ElementRow
    ```

gives one row per field: its JSON name, its JSON type and its description (the
docstring under the field, which pydantic reads with ``use_attribute_docstrings``).
A field without a description fails the build, so a new field cannot reach the
JSON without a line saying what it holds.
"""

from __future__ import annotations

import importlib
import re
import types
import typing

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.errors import ExtensionError

_JSON = {str: "string", int: "integer", float: "number", bool: "true/false", type(None): "null"}


def json_type(annotation) -> str:
    """How a field's Python annotation reads in JSON: ``int | None`` → ``integer or null``."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(json_type(a) for a in args)
    if origin in (tuple, list):
        return f"list of {json_type(args[0])}" if args else "list"
    if origin is dict:
        return f"object ({json_type(args[0])} → {json_type(args[1])})"
    if annotation in _JSON:
        return _JSON[annotation]
    return f"{getattr(annotation, '__name__', str(annotation))} objects"


def _inline(text: str) -> list[nodes.Node]:
    """Plain text with ``code`` spans as literals."""
    out: list[nodes.Node] = []
    for k, part in enumerate(re.split(r"``(.+?)``", text)):
        if part:
            out.append(nodes.literal(part, part) if k % 2 else nodes.Text(part))
    return out


def _table(header: list[str], rows: list[list[list[nodes.Node]]]) -> nodes.table:
    table = nodes.table(classes=["orb-model"])
    group = nodes.tgroup(cols=len(header))
    table += group
    for width in (22, 22, 56):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    group += head
    row = nodes.row()
    for title in header:
        row += nodes.entry("", nodes.paragraph(text=title))
    head += row
    body = nodes.tbody()
    group += body
    for cells in rows:
        row = nodes.row()
        for cell in cells:
            row += nodes.entry("", nodes.paragraph("", "", *cell))
        body += row
    return table


def load(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


class ModelFields(Directive):
    """``orb-model``: the fields of one pydantic model, from the code."""

    required_arguments = 1
    has_content = False

    def run(self):
        model = load(self.arguments[0])
        rows = []
        for name, field in model.model_fields.items():
            if not field.description:
                raise ExtensionError(
                    f"{self.arguments[0]}.{name} has no description: write a docstring "
                    f"under the field saying what it holds"
                )
            rows.append(
                [[nodes.literal(name, name)], [nodes.Text(json_type(field.annotation))], _inline(field.description)]
            )
        return [_table(["field", "type", "what it holds"], rows)]


def setup(app):
    app.add_directive("orb-model", ModelFields)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
