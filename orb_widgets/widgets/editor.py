"""One saved workbook entry on screen, saved as the person types.

:class:`EntryEditor` shows who saved an entry last ("Saved · by Ana at
14:05"), saves through :func:`orb_widgets.workbook.save` (which validates),
and when a teammate saved in between merges the two edits
(:func:`orb_widgets.merge.merge3`); where both changed the same part, the
person's text stays on screen and they choose. :class:`StatusLine` is the line
that says all this.

Only a person's own edit is saved. Filling the controls with a saved entry is
not an edit; nor is a control's view in the browser sending a value back as it
draws it (a slider snapping to its step, see :func:`.controls.shown_by`); and
what is on screen is compared with what was loaded or last saved before
anything is written, so opening a page, or typing and undoing, writes nothing.
"""

from __future__ import annotations

import copy
import html as _html
import re
import time

import ipywidgets as w

from .. import workbook
from ..exceptions import InvalidValue, OrbError, StaleEdit
from ..merge import merge3
from ..views import when
from .autosave import DELAY, Autosave
from .context import WorkbookContext
from .controls import button, shown_by
from .style import status

ANONYMOUS = "someone (no name given)"


class StatusLine(w.HTML):
    """'Saved · by Ana at 14:05', 'Not saved yet …', or a clear problem message (plain text, escaped here)."""

    def __init__(self):
        super().__init__(value="")
        self.kind = "idle"

    def show(self, text: str, kind: str = "ok") -> None:
        self.kind = kind
        self.value = status(text, kind)

    @property
    def text(self) -> str:
        """The message as plain text (what a person reads)."""
        return _html.unescape(re.sub(r"<[^>]+>", "", self.value))


class EntryEditor(w.VBox):
    """Edits one workbook entry (``kind``/``key``) and saves it as the person types.

    Subclasses build their controls, then call :meth:`_start` with them; they
    implement :meth:`collect` (controls → body dict) and :meth:`fill`
    (body dict → controls). Every control passed to :meth:`watch` autosaves.
    """

    kind: str = ""

    def __init__(
        self,
        ctx: WorkbookContext,
        key: str,
        children=(),
        delay: float = DELAY,
        scheduler=None,
        clock=time.monotonic,
        **kw,
    ):
        self.ctx, self.key = ctx, key
        self.status = StatusLine()
        self.autosave = Autosave(self.save_now, delay, scheduler, clock)
        self._filling = False
        self._base: dict | None = None
        self._version: int | None = None
        self._theirs = None
        self._quiet_status: tuple[str, str] | None = None  # the line to show again when an edit is undone
        self.keep_mine = button(
            "Keep my version", "Save what you typed; the teammate's version stays in the history", "warning"
        )
        self.use_theirs = button(
            "Show their version instead",
            "Replace what is on screen with the teammate's "
            "saved version (yours stays in the history only if it was saved)",
        )
        self.keep_mine.on_click(lambda _: self._resolve(mine=True))
        self.use_theirs.on_click(lambda _: self._resolve(mine=False))
        self.conflict_box = w.HBox([self.keep_mine, self.use_theirs], layout=w.Layout(display="none"))
        super().__init__(list(children) + [self.status, self.conflict_box], **kw)

    # -- to implement
    def collect(self) -> dict:
        raise NotImplementedError

    def fill(self, body: dict) -> None:
        raise NotImplementedError

    def default(self) -> dict:
        return {}

    # -- wiring
    def watch(self, *controls) -> None:
        for c in controls:
            c.observe(self._edited, "value")

    def _edited(self, change=None) -> None:
        if self._filling or (change is not None and _echo(change)):
            return
        if not self._changed(self._collect_or_none()):
            self.autosave.cancel()  # back to what is stored (or only normalised): nothing to save
            self._quiet()
            return
        if self.status.kind != "warn":
            if self._quiet_status is None:
                self._quiet_status = (self.status.value, self.status.kind)
            self.status.show("Not saved yet: saving in a moment…", "idle")
        self.autosave.touch()

    def _collect_or_none(self) -> dict | None:
        try:
            return self.collect()
        except OrbError:
            return None  # not valid yet: saving says what to correct

    def _canonical(self, body):
        try:
            return workbook.validate(self.kind, body).model_dump(mode="json")
        except OrbError:
            return body

    def _changed(self, body: dict | None) -> bool:
        """Whether ``body`` differs from what this page loaded or saved last (so there is an edit to save)."""
        if body is None or self._base is None or self._theirs is not None:
            return True
        return self._canonical(body) != self._canonical(self._base)

    def _quiet(self) -> None:
        """Show the line from before the edit again ('Saved · by …'), the edit being undone."""
        if self._quiet_status is not None and self.status.kind != "warn":
            text, kind = self._quiet_status
            self.status.value, self.status.kind = text, kind
        self._quiet_status = None

    def load(self) -> None:
        """Show what is saved (or the starting values) and who saved it last."""
        doc = self.ctx.store.get_doc(self.ctx.county, self.kind, self.key)
        body = doc.body if doc is not None and not doc.body.get("_deleted") else None
        self._version = doc.version if doc is not None else None
        self._fill(body if body is not None else self.default())
        # The merge base is what this person saw when the page opened.
        self._base = copy.deepcopy(body) if body is not None else self._on_screen()
        if doc is not None:
            self.status.show(self._saved_text(doc))
        else:
            self.status.show("Nothing saved yet. What you type is saved as you go.", "idle")
        self._quiet_status = None

    def _on_screen(self) -> dict | None:
        try:
            return workbook.validate(self.kind, self.collect()).model_dump(mode="json")
        except Exception:
            return None

    def _fill(self, body: dict) -> None:
        self._filling = True
        try:
            self.fill(body)
        finally:
            self._filling = False

    def _saved_text(self, doc) -> str:
        return f"Saved · by {doc.updated_by} at {when(doc.updated_at)}"

    def _saved_text_now(self) -> str:
        doc = self.ctx.store.get_doc(self.ctx.county, self.kind, self.key)
        return self._saved_text(doc) if doc else ""

    @property
    def version(self) -> int | None:
        return self._version

    def flush(self) -> None:
        """Save pending edits now (tests, and before leaving a page)."""
        self.autosave.flush()

    def close(self) -> None:
        """Save what is still waiting, then close the controls."""
        self.autosave.flush()
        super().close()

    def save_now(self) -> bool:
        """Save what is on screen; returns whether it was stored."""
        try:
            body = self.collect()
        except InvalidValue as exc:
            self.status.show(f"Not saved: {exc}. Your text is still here; correct it and it saves.", "err")
            return False
        if not self._changed(body):  # nothing edited: never a new version, nor a name on an edit nobody made
            self._quiet()
            return True
        return self.save_body(body)

    def save_body(self, body: dict, expected: int | None | str = "mine") -> bool:
        expected_version = self._version if expected == "mine" else expected
        store, county, user = self.ctx.store, self.ctx.county, self.ctx.user or ANONYMOUS
        try:
            doc = workbook.save(
                store,
                county,
                self.kind,
                self.key,
                body,
                user,
                expected_version=expected_version if expected_version is not None else 0,
            )
        except StaleEdit:
            return self._stale(body)
        except InvalidValue as exc:
            self.status.show(f"Not saved: {exc}. Your text is still here; correct it and it saves.", "err")
            return False
        except OrbError as exc:
            self.status.show(f"Not saved: {exc}. Your text is still here.", "err")
            return False
        self._saved(doc)
        return True

    def _saved(self, doc) -> None:
        self._version = doc.version
        self._base = copy.deepcopy(doc.body)
        self._theirs = None
        self._quiet_status = None
        self.conflict_box.layout.display = "none"
        hint = "" if self.ctx.user else " · add your name above so teammates know who changed this"
        self.status.show(self._saved_text(doc) + hint)
        self.after_save(doc)

    def after_save(self, doc) -> None:
        """Hook: refresh summaries that depend on the saved entry."""

    def _stale(self, mine: dict) -> bool:
        theirs = self.ctx.store.get_doc(self.ctx.county, self.kind, self.key)
        if theirs is None:
            return self.save_body(mine, expected=None)
        base = self._base if self._base is not None else self.default()
        merged, conflicts = merge3(base, workbook.validate(self.kind, mine).model_dump(mode="json"), theirs.body)
        if not conflicts:
            ok = self.save_body(merged, expected=theirs.version)
            if ok:
                self._fill(merged)
                self.status.show(
                    f"{self._saved_text_now()} · merged with "
                    f"{theirs.updated_by}'s changes from {when(theirs.updated_at)}"
                )
            return ok
        self._theirs = theirs
        self.conflict_box.layout.display = "flex"
        self.status.show(
            f"Not saved: {theirs.updated_by} changed the same part ({', '.join(conflicts[:3])}) at "
            f"{when(theirs.updated_at)} while you were typing. Your text is still here. Choose "
            f"“Keep my version” to save yours (theirs stays in the history), or look at theirs first.",
            "warn",
        )
        return False

    def _resolve(self, mine: bool) -> None:
        theirs = self._theirs
        if theirs is None:
            return
        if mine:
            self.save_body(self.collect(), expected=theirs.version)
            return
        # Keep what this person typed in the history before showing the teammate's version.
        try:
            user = self.ctx.user or ANONYMOUS
            kept = workbook.save(
                self.ctx.store,
                self.ctx.county,
                self.kind,
                self.key,
                self.collect(),
                user,
                expected_version=theirs.version,
            )
            doc = workbook.save(
                self.ctx.store, self.ctx.county, self.kind, self.key, theirs.body, user, expected_version=kept.version
            )
        except OrbError as exc:
            self.status.show(f"Not changed: {exc}. Your text is still here.", "err")
            return
        self._fill(theirs.body)
        self._saved(doc)
        self.status.show(
            f"Showing {theirs.updated_by}'s version. Yours is kept in the history (version {kept.version})."
        )


def _echo(change) -> bool:
    """Whether a value change is a control's view showing the old value its own way (not a person's move).

    A slider drawn at 73 with a step of 5 shows 75 and sends 75 back; a person
    dragging the thumb can only move it away from where it is shown, so a change
    to exactly the shown value of a value it could not show is that echo.
    """
    old, new = change.get("old"), change.get("new")
    owner = change.get("owner")
    if owner is None or old == new:
        return False
    shown = shown_by(owner, old)
    return shown != old and shown == new
