"""Step 4: tailor the county's assessment from the framework's item bank.

Choices (elements, items, wording, scale, role groups) are kept as a draft in
the workspace while the team works, so nothing typed is lost; "Save the
survey" turns them into the county's instrument through
:func:`orb_widgets.instrument.tailor` and ``Store.save_instrument``.
"""

from __future__ import annotations

import datetime as dt
import json

import ipywidgets as w

from ..content import list_frameworks, load_framework
from ..exceptions import OrbError
from ..exports import write_atomic
from ..instrument import (
    DEFAULT_MIN_GROUP,
    MIN_GROUP_FLOOR,
    Instrument,
    export_printable,
    export_text,
    group_id,
    tailor,
)
from ..views import plural, when
from .autosave import DELAY, Autosave
from .context import WorkbookContext
from .controls import button, field, row
from .editor import ANONYMOUS, StatusLine
from .style import download, html, section_header, status

MAX_WORDING = 500


def draft_key(county: str) -> str:
    return f"draft:tailor:{county}"


class ItemRow(w.VBox):
    def __init__(self, item, unit: str = "county", roles=()):
        self.item = item
        self._role_ids = {r.label: r.id for r in roles}
        self._role_labels = {r.id: r.label for r in roles}
        # Who is asked this statement when the survey is routed: the pack's groups to start with.
        self.asked = w.TagsInput(
            value=[r.label for r in roles if r.id in item.roles],
            allowed_tags=[r.label for r in roles],
            allow_duplicates=False,
            description="Asked of",  # TagsInput does not draw its description: the Label beside it shows it
            tooltip=f"The groups asked {item.id}",
        )
        self.route_box = w.HBox([w.Label("Asked of:"), self.asked], layout=w.Layout(display="none"))
        self.use = w.Checkbox(
            value=True,
            description=f"{item.id}: {item.text}",
            indent=False,
            layout=w.Layout(width="100%"),
            tooltip="Ask this statement in our survey",
        )
        self.wording = field(
            w.Text(
                description="Our wording",
                placeholder="leave empty to keep the wording above",
                tooltip=f"Your {unit}'s own wording for {item.id}",
            ),
            "full",
        )
        super().__init__([self.use, self.wording, self.route_box], layout=w.Layout(margin="0 0 .5em 1.5em"))

    @property
    def route(self) -> list[str]:
        """The ids of the groups asked this statement, in the framework's order."""
        chosen = {self._role_ids[t] for t in self.asked.value if t in self._role_ids}
        return [r for r in self._role_labels if r in chosen]

    @route.setter
    def route(self, role_ids) -> None:
        self.asked.value = [self._role_labels[r] for r in self._role_labels if r in set(role_ids)]


class TailorAssessment(w.VBox):
    """Pick elements and statements, reword, choose the scale and role groups, preview, save, export."""

    def __init__(self, ctx: WorkbookContext, delay: float = DELAY, scheduler=None, clock=None):
        self.ctx = ctx
        self.instrument: Instrument | None = None
        self._answered = 0
        try:
            self.instrument = ctx.store.current_instrument(ctx.county)
            versions = ctx.store.instrument_versions(ctx.county)
            self._version = versions[-1]["version"] if versions else None
            self._answered = ctx.store.response_count(ctx.county) if self.instrument else 0
        except OrbError:
            self._version = None
        fw_ids = [f["id"] for f in list_frameworks()]
        fw_titles = {f["id"]: f["title"] for f in list_frameworks()}
        current_fw = (
            self.instrument.framework if self.instrument else (ctx.framework.id if ctx.framework else fw_ids[0])
        )
        self.framework = field(
            w.Dropdown(
                options=[(fw_titles[i], i) for i in fw_ids],
                value=current_fw,
                description="Framework",
                tooltip="The framework and statement bank this survey is built from",
                disabled=self.instrument is not None,
            ),
            "long",
        )
        self.title = field(w.Text(description="Survey title", tooltip="The title respondents see at the top"), "long")
        self.points = field(
            w.ToggleButtons(
                options=[("5 points, with a middle answer", 5), ("4 points, no middle answer", 4)],
                value=5,
                description="Answer scale",
                tooltips=[
                    "Strongly disagree … strongly agree, with 'neither' in the middle",
                    "Strongly disagree … strongly agree, no middle answer",
                ],
            ),
            "full",
        )
        self.min_group = field(
            w.BoundedIntText(
                value=DEFAULT_MIN_GROUP,
                min=MIN_GROUP_FLOOR,
                max=100,
                description="Smallest group to show",
                tooltip="Results for any group smaller than this are hidden",
            ),
            "short",
        )
        self.roles_box = w.VBox()
        # A new survey asks each group only its statements; one saved before routing existed stays as it is.
        self.groups = field(
            w.Textarea(
                description="Other groups",
                placeholder="one a line, with its level: Public health nurses = staff",
                tooltip="Groups the framework does not list; level: leadership, supervisor, staff or partner",
                rows=2,
            ),
            "full",
        )
        self.units = field(
            w.Textarea(
                description="Offices or units",
                placeholder="optional, one a line: North office",
                tooltip="Asks “Which office or unit?” (people may skip it); results then show each one "
                "with at least the smallest group size",
                rows=2,
            ),
            "full",
        )
        self.routed = w.Checkbox(
            value=self.instrument is None or self.instrument.routed,
            description="Ask each group only the statements meant for it",
            indent=False,
            layout=w.Layout(width="auto", max_width="100%"),
            tooltip="Partners are not asked about supervision, for example; change who is asked under each statement",
        )
        self.preview_role = field(w.Dropdown(description="Preview as", tooltip="See the page this group sees"), "long")
        self._previewed: Instrument | None = None
        self._frame = w.HTML()
        self.preview_role.observe(lambda _: self._preview_frame(), "value")
        self.bank_box = w.VBox()
        self.role_checks: dict[str, w.Checkbox] = {}
        self.element_checks: dict[str, w.Checkbox] = {}
        self.items: dict[str, ItemRow] = {}
        self.status = StatusLine()
        self.version_note = w.HTML()
        self.preview_button = button("Preview the survey", "See the survey exactly as respondents will", icon="eye")
        self.save_button = button("Save the survey", f"Make this the {ctx.words.unit}'s survey", "primary", "save")
        self.export_text_button = button(
            "Text for an online survey tool",
            "For SurveyMonkey, Google Forms, Qualtrics or Microsoft Forms",
            icon="download",
        )
        self.export_print_button = button(
            "Printable page", "A page to print for people who answer on paper", icon="print"
        )
        self.preview_button.on_click(lambda _: self.preview())
        self.save_button.on_click(lambda _: self.save())
        self.export_text_button.on_click(lambda _: self.export("text"))
        self.export_print_button.on_click(lambda _: self.export("print"))
        self.preview_box = w.VBox()
        self.export_out = w.HTML()
        kw = {"clock": clock} if clock else {}
        self.autosave = Autosave(self._save_draft, delay, scheduler, **kw)
        self._filling = False
        self._quiet_status: tuple[str, str] | None = None
        super().__init__(
            [
                section_header(
                    f"Your {ctx.words.unit}'s survey",
                    f"Choose what your {ctx.words.unit}'s survey asks: the parts of readiness, the statements "
                    "(reworded in your own words if you like), the answer scale and who you will ask.",
                ),
                self.version_note,
                self.framework,
                self.title,
                section_header(
                    "Who answers",
                    "Tick the groups you will ask. Each person picks one when they answer; nobody gives their name.",
                ),
                self.roles_box,
                self.groups,
                self.units,
                self.routed,
                self.min_group,
                section_header(
                    "What it asks",
                    "Untick any part or statement you do not want. Rewording keeps the "
                    "link to the original statement, so results still compare.",
                ),
                self.points,
                self.bank_box,
                section_header("Check and save", ""),
                row(self.preview_button, self.save_button),
                self.status,
                self.preview_box,
                section_header("Hand it out", "Use the text in your own survey tool, or print it."),
                row(self.export_text_button, self.export_print_button),
                self.export_out,
            ]
        )
        self.framework.observe(self._framework_changed, "value")
        self.routed.observe(self._show_routes, "value")
        self._build(current_fw)
        self._load()

    # -- building
    def _build(self, framework_id: str) -> None:
        fw = load_framework(framework_id)
        self.fw = fw
        self.role_checks = {
            r.id: w.Checkbox(
                value=True,
                description=r.label,
                indent=False,
                layout=w.Layout(width="auto", max_width="100%"),
                tooltip=f"Ask people who are: {r.label}",
            )
            for r in fw.role_groups
        }
        self.roles_box.children = tuple(self.role_checks.values())
        self.element_checks, self.items, sections = {}, {}, []
        self.own_boxes: dict[str, w.Textarea] = {}
        for e in fw.elements:
            # The part's name is the heading just above: the box says what ticking it does.
            check = w.Checkbox(
                value=True,
                description=f"Ask about part {e.id} in our survey",
                indent=False,
                layout=w.Layout(width="100%"),
                tooltip=f"Include {e.name} in the survey",
            )
            check.add_class("orb-element")
            rows = [ItemRow(i, self.ctx.words.unit, fw.role_groups) for i in fw.items_for(e.id)]
            self.element_checks[e.id] = check
            self.items.update({r.item.id: r for r in rows})
            # The team's own statements for this part: scored with it, never compared with other counties.
            self.own_boxes[e.id] = own = field(
                w.Textarea(
                    description="Our own statements",
                    placeholder="one a line; leave empty for none",
                    tooltip=f"Statements of your {self.ctx.words.unit}'s own for part {e.id}, one a line",
                    rows=2,
                ),
                "full",
            )
            block = w.VBox([*rows, own])
            check.observe(
                lambda c, block=block: setattr(block.layout, "display", "flex" if c["new"] else "none"), "value"
            )
            sections.append(
                w.VBox(
                    [
                        w.HTML(html("tailor_element.html.j2", id=e.id, name=e.name, description=e.description)),
                        check,
                        block,
                    ]
                )
            )
        self.bank_box.children = tuple(sections)
        for c in (
            self.title,
            self.points,
            self.min_group,
            *self.role_checks.values(),
            *self.element_checks.values(),
            *[x for r in self.items.values() for x in (r.use, r.wording, r.asked)],
            *self.own_boxes.values(),
            self.routed,
            self.groups,
            self.units,
        ):
            c.observe(self._edited, "value")
        self._show_routes()

    def _show_routes(self, _=None) -> None:
        for r in self.items.values():
            r.route_box.layout.display = "flex" if self.routed.value else "none"

    def _framework_changed(self, change) -> None:
        if self.instrument is not None:  # fixed once a survey exists; the control is disabled anyway
            self.framework.value = self.instrument.framework
            return
        self._build(change["new"])
        self._edited()

    # -- state
    def choices(self) -> dict:
        """What is on screen, as plain data (the draft)."""
        return {
            "framework": self.framework.value,
            "title": self.title.value.strip(),
            "elements": [e for e, c in self.element_checks.items() if c.value],
            "items": [i for i, r in self.items.items() if r.use.value and self.element_checks[r.item.element].value],
            "rewording": {i: r.wording.value for i, r in self.items.items() if r.wording.value.strip()},
            "points": self.points.value,
            "roles": [r for r, c in self.role_checks.items() if c.value],
            "min_group": self.min_group.value,
            "routed": self.routed.value,
            "routes": {i: r.route for i, r in self.items.items()},
            "own": {e: lines for e, box in self.own_boxes.items() if (lines := _lines(box.value))},
            "groups": _lines(self.groups.value),
            "units": _lines(self.units.value),
        }

    def _apply(self, ch: dict) -> None:
        self._filling = True
        try:
            if (
                ch.get("framework")
                and ch["framework"] != self.fw.id
                and ch["framework"] in dict((v, v) for _, v in self.framework.options)
            ):
                self.framework.value = ch["framework"]
                self._build(ch["framework"])
            self.title.value = ch.get("title", "")
            self.points.value = ch.get("points", 5) if ch.get("points") in (4, 5) else 5
            self.min_group.value = max(3, min(100, int(ch.get("min_group", DEFAULT_MIN_GROUP))))
            for r, c in self.role_checks.items():
                c.value = r in ch.get("roles", self.role_checks)
            for e, c in self.element_checks.items():
                c.value = e in ch.get("elements", self.element_checks)
            chosen = set(ch.get("items", self.items))
            self.routed.value = bool(ch.get("routed", False))
            for i, row in self.items.items():
                row.use.value = i in chosen
                row.wording.value = ch.get("rewording", {}).get(i, "")
                row.route = ch.get("routes", {}).get(i, row.item.roles)
            for e, box in self.own_boxes.items():
                box.value = "\n".join(ch.get("own", {}).get(e, []))
            self.groups.value = "\n".join(ch.get("groups", []))
            self.units.value = "\n".join(ch.get("units", []))
        finally:
            self._filling = False

    def _from_instrument(self, inst: Instrument) -> dict:
        pack_roles = {r.id for r in load_framework(inst.framework).role_groups}
        return {
            "framework": inst.framework,
            "title": inst.title,
            "elements": list(inst.elements),
            "items": [i.based_on or i.id for i in inst.items if not i.local],
            "rewording": {(i.based_on or i.id): i.text for i in inst.items if i.based_on},
            "points": inst.scale.points,
            "roles": [r.id for r in inst.roles if r.id in pack_roles],
            "groups": [f"{r.label} = {r.level}" for r in inst.roles if r.id not in pack_roles],
            "units": list(inst.units),
            "min_group": inst.min_group,
            "routed": inst.routed,
            "routes": {(i.based_on or i.id): [r.id for r in inst.asked_of(i)] for i in inst.items if not i.local},
            "own": {
                e: [i.text for i in inst.items if i.local and i.element == e]
                for e in inst.elements
                if any(i.local and i.element == e for i in inst.items)
            },
        }

    def _load(self) -> None:
        saved = self._from_instrument(self.instrument) if self.instrument else None
        if saved:
            self._apply(saved)
        else:
            self._filling = True
            try:
                self.title.value = f"{self.fw.title}: {self.ctx.county}"
            finally:
                self._filling = False
        raw = self.ctx.store.get_meta(draft_key(self.ctx.county))
        draft = json.loads(raw) if raw else None
        # What is stored: the draft if there is one, else the saved survey (else what the page starts with).
        self._stored = draft["choices"] if draft and draft.get("choices") else (saved or self.choices())
        if draft and draft.get("choices") and not same_choices(draft["choices"], saved):
            self._apply(draft["choices"])
            self.status.show(
                f"Your unsaved changes are back (by {draft.get('by', 'someone')} at "
                f"{when(_parse(draft.get('at')))}). Press “Save the survey” to use them.",
                "idle",
            )
        elif saved:
            self.status.show(f"This is the {self.ctx.words.unit}'s current survey (version {self._version}).", "idle")
        else:
            self.status.show("No survey saved yet: choose below, preview, then save.", "idle")
        self._version_note()

    def _version_note(self) -> None:
        self.version_note.value = html(
            "tailor_version.html.j2",
            version=None if self.instrument is None else self._version,
            answered=self._answered,
        )

    def _edited(self, _=None) -> None:
        if self._filling:
            return
        if same_choices(self.choices(), self._stored):
            self.autosave.cancel()  # nothing changed from what is stored: no draft to write
            if self._quiet_status is not None:  # the edit was undone: the line from before it again
                self.status.value, self.status.kind = self._quiet_status
                self._quiet_status = None
            return
        if self._quiet_status is None:
            self._quiet_status = (self.status.value, self.status.kind)
        self.status.show("Changes not saved as the survey yet (your choices are kept as a draft).", "idle")
        self.autosave.touch()

    def _save_draft(self) -> None:
        choices = self.choices()
        if same_choices(choices, self._stored):
            return  # a draft only ever holds a person's own changes
        body = {
            "choices": choices,
            "by": self.ctx.user or ANONYMOUS,
            "at": dt.datetime.now(dt.timezone.utc).isoformat(),
        }
        self.ctx.store.set_meta(draft_key(self.ctx.county), json.dumps(body, ensure_ascii=False))
        self._stored, self._quiet_status = choices, None

    def flush(self) -> None:
        self.autosave.flush()

    # -- actions
    def build(self) -> Instrument:
        """The instrument on screen; raises an OrbError saying what to fix."""
        ch = self.choices()
        if self.framework.value != self.fw.id:
            raise OrbError("the framework changed while building; try again")
        too_long = [i for i, t in ch["rewording"].items() if len(t) > MAX_WORDING]
        if too_long:
            raise OrbError(f"the wording of {too_long[0]} is longer than {MAX_WORDING} characters; shorten it")
        if not ch["roles"]:
            raise OrbError("tick at least one group of people who answer")
        if not ch["elements"]:
            raise OrbError("tick at least one part of readiness to ask about")
        bank = {i.id for i in self.fw.items}
        unknown = [i for i in ch["items"] if i not in bank]
        if unknown:
            raise OrbError(f"statement {unknown[0]} is not in the item bank")
        rewording = {i: t for i, t in ch["rewording"].items() if i in ch["items"]}
        groups = [_group(line) for line in ch["groups"]]
        routes = None
        if ch["routed"]:
            routes = {i: [r for r in ch["routes"].get(i, []) if r in ch["roles"]] for i in ch["items"]}
            nobody = [i for i, asked in routes.items() if not asked]
            if nobody:
                raise OrbError(f"statement {nobody[0]} is asked of none of the groups you ask; add a group under it")
            # Other groups are asked what the ticked groups of their level are asked.
            levels = {r.id: r.level for r in self.fw.role_groups}
            for i, asked in routes.items():
                ticked = {levels[r] for r in ch["routes"].get(i, []) if r in levels}
                asked += [group_id(g["label"]) for g in groups if g["level"].lower() in ticked]
        return tailor(
            self.fw,
            county=self.ctx.county,
            elements=ch["elements"],
            items=ch["items"],
            points=ch["points"],
            roles=ch["roles"],
            min_group=ch["min_group"],
            rewording=rewording,
            title=ch["title"] or None,
            routed=ch["routed"],
            routes=routes,
            own=[{"element": e, "text": t} for e in ch["elements"] for t in ch["own"].get(e, [])],
            own_groups=groups,
            units=ch.get("units") or None,
        )

    def preview(self) -> bool:
        try:
            inst = self.build()
        except OrbError as exc:
            self.status.show(f"Cannot preview yet: {exc}", "err")
            return False
        self._previewed = inst
        # A routed survey: the page of one group at a time (the first page asks the group).
        options = [(r.label, r.id) for r in inst.roles] if inst.routed else []
        if list(self.preview_role.options) != options:
            self.preview_role.options = options
        if options and self.preview_role.value is None:
            self.preview_role.value = options[0][1]
        self._frame = w.HTML()
        close = button("Close the preview", icon="times")
        self.preview_box.children = (
            w.HTML(status("Preview: this is what respondents will see. Answers you click here are not saved.", "warn")),
            self._frame,
            row(self.preview_role, close) if inst.routed else close,
        )
        self._preview_frame()
        close.on_click(lambda _: setattr(self.preview_box, "children", ()))
        self.status.show(
            f"Preview below: {plural(len(inst.items), 'statement')} in {plural(len(inst.elements), 'part')}.", "idle"
        )
        return True

    def _preview_frame(self) -> None:
        inst = self._previewed
        if inst is None:
            return
        from ..survey.pages import preview_page

        role = self.preview_role.value if inst.routed else None
        # The survey page itself, rendered from the same template as the link; it has no way to send.
        # As a plain string it is escaped into the attribute, and the sandbox keeps its scripts off this page.
        self._frame.value = html(
            "widget_frame.html.j2",
            intro="",
            aside="",
            src="",
            srcdoc=str(preview_page(inst, role=role)),
            title="Preview of the survey page",
            height="640px",
        )

    def save(self) -> Instrument | None:
        try:
            inst = self.build()
            inst_id, version = self.ctx.store.save_instrument(inst)
        except OrbError as exc:
            self.status.show(f"Not saved: {exc}. Your choices are kept as a draft.", "err")
            return None
        was = self._version
        self.instrument, self._version = inst, version
        self._answered = self.ctx.store.response_count(self.ctx.county)
        self.autosave.cancel()
        self.ctx.store.set_meta(draft_key(self.ctx.county), "")
        self._stored, self._quiet_status = self.choices(), None
        self.framework.disabled = True
        what = (
            f"saved as a new version {version} (answers already given stay with version {was})"
            if was is not None and version != was
            else f"saved as version {version}"
        )
        self.status.show(
            f"Survey {what} · by {self.ctx.user or 'someone'} at "
            f"{when(dt.datetime.now(dt.timezone.utc))}. {plural(len(inst.items), 'statement')}."
        )
        self._version_note()
        return inst

    def export(self, kind: str):
        inst = self.instrument
        if inst is None or not same_choices(self.choices(), self._from_instrument(inst)):
            self.export_out.value = status("Save the survey first, so what you hand out is the saved version.", "warn")
            return None
        folder = self.ctx.export_dir()
        if kind == "text":
            path = write_atomic(folder / f"survey-v{self._version}.txt", export_text(inst))
            mime = "text/plain"
        else:
            path = write_atomic(folder / f"survey-v{self._version}-printable.html", export_printable(inst))
            mime = "text/html"
        self.export_out.value = status(
            f"Saved to {path}.", links=[download(path.name, path.read_bytes(), mime, f"Download {path.name}")]
        )
        return path


def same_choices(a: dict | None, b: dict | None) -> bool:
    """Whether two sets of choices make the same survey (order of ticks does not matter)."""
    if a is None or b is None:
        return a is b

    def norm(c):
        routed = bool(c.get("routed", False))
        roles = set(c.get("roles", []))
        routes = c.get("routes", {}) if routed else {}
        return {
            **c,
            "elements": sorted(c.get("elements", [])),
            "items": sorted(c.get("items", [])),
            "roles": sorted(roles),
            "title": (c.get("title") or "").strip(),
            "routed": routed,
            # who is asked what matters only for the statements asked, among the groups asked
            "routes": {i: sorted(set(routes.get(i, [])) & roles) for i in c.get("items", [])} if routed else {},
            "own": {e: list(t) for e, t in (c.get("own") or {}).items() if t and e in c.get("elements", [])},
            "groups": [" = ".join(p.strip() for p in g.rpartition("=")[::2]) for g in c.get("groups") or []],
            "units": [" ".join(u.split()) for u in c.get("units") or []],
        }

    return norm(a) == norm(b)


def _group(line: str) -> dict:
    """``Public health nurses = staff`` as an own group (checked by :func:`orb_widgets.instrument.tailor`)."""
    label, sep, level = line.rpartition("=")
    if not sep or not label.strip():
        raise OrbError(f"other group '{line}': write its name, '=' and its level, e.g. 'Public health nurses = staff'")
    return {"label": label.strip(), "level": level.strip()}


def _lines(text: str) -> list[str]:
    """The non-empty lines of a text box, each with its spaces tidied."""
    return [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]


def _parse(stamp):
    try:
        return dt.datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return None
