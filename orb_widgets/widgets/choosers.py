"""Pick one of a county's saved entries of a kind, or start a new one, and edit it below."""

from __future__ import annotations

import ipywidgets as w

from .. import workbook
from ..paths import slugify
from .context import WorkbookContext
from .controls import button, field, row, text_box
from .editor import ANONYMOUS
from .style import note, section_header


class EntryChooser(w.VBox):
    """Pick one of a county's saved entries of ``kind`` or start a new one, and edit it below.

    Subclasses set the wording and say how an entry is labelled
    (:meth:`option_label`), what a new one holds (:meth:`new_body`) and which
    editor opens it (:meth:`make_editor`).
    """

    kind = ""
    choose_label = "Entry"
    choose_tooltip = "Open a saved entry"
    new_label, new_placeholder = "New title", ""
    new_button_label, new_button_tooltip = "Start a new one", ""
    header_title, header_text = "", ""
    empty_text = "Nothing here yet."
    default_title = "Untitled"
    key_prefix = ""
    newest_first = False  # which entry opens when the page opens

    def __init__(self, ctx: WorkbookContext, **editor_kw):
        self.ctx, self._editor_kw = ctx, editor_kw
        self.choice = field(w.Dropdown(description=self.choose_label, tooltip=self.choose_tooltip), "medium")
        self.new_title = text_box(self.new_label, self.new_placeholder, size="long")
        self.new_button = button(self.new_button_label, self.new_button_tooltip, "primary", "plus")
        self.new_button.on_click(lambda _: self.new_entry(self.new_title.value))
        self.editor_box = w.VBox()
        self.editor = None
        super().__init__(
            [
                section_header(self.header_title, self.header_text),
                row(self.choice),
                row(self.new_title, self.new_button),
                self.editor_box,
            ]
        )
        self._load_choices()
        self.choice.observe(lambda c: self.show_entry(c["new"]), "value")
        self.show_entry(self.choice.value)

    def option_label(self, entry) -> str:
        return entry.title

    def new_body(self, title: str) -> dict:
        raise NotImplementedError

    def make_editor(self, key: str):
        raise NotImplementedError

    def _load_choices(self, select: str | None = None) -> None:
        docs = workbook.load_all(self.ctx.store, self.ctx.county, self.kind)
        opts = [(self.option_label(entry), key) for key, entry in docs.items()]
        self.choice.options = opts
        if select is None and opts:
            select = opts[-1][1] if self.newest_first else opts[0][1]
        self.choice.value = select

    def new_entry(self, title: str) -> str:
        """Save a new entry titled ``title`` and open it; returns its key."""
        title = (title or "").strip()[:200] or self.default_title
        existing = {k for _, k in self.choice.options}
        stem = f"{self.key_prefix}{slugify(title)[:50]}"
        key, n = stem, 1
        while key in existing:
            n += 1
            key = f"{stem}-{n}"
        workbook.save(self.ctx.store, self.ctx.county, self.kind, key, self.new_body(title), self.ctx.user or ANONYMOUS)
        self.new_title.value = ""
        self._load_choices(select=key)
        return key

    def show_entry(self, key: str | None) -> None:
        if self.editor is not None:
            self.editor.flush()
        if not key:
            self.editor, self.editor_box.children = None, (note(self.empty_text),)
            return
        self.editor = self.make_editor(key)
        self.editor_box.children = (self.editor,)

    def flush(self) -> None:
        if self.editor is not None:
            self.editor.flush()

    def close(self) -> None:
        self.flush()
        super().close()
