"""Step 9: the implementation plan and its follow-up reviews (Keep / Improve / Start / Stop)."""

from __future__ import annotations

import datetime as dt

import ipywidgets as w

from .. import planning, workbook
from ..exceptions import StaleEdit
from ..planning import lines as _lines
from ..views import date, plural
from .context import WorkbookContext
from .controls import button, field, row, shown_by, text_area, text_box
from .editor import ANONYMOUS, EntryEditor
from .style import html, kept_chart, note, section_header, status, subheading

#: Sliders for the competence shares move in whole percentages, so a saved share always shows as saved.
COMPETENCE_STEP = 1


def _pct(share) -> int:
    return int(round(100 * share))


def _date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) and value else None


class ActivityRow(w.HBox):
    def __init__(self, n: int):
        # One line on a laptop: the activity gets the room, the dates only what a date needs.
        self.what = text_box(f"Activity {n}", "what will happen", size="long")
        self.who = text_box("Who", "who leads it", size="medium")
        self.start = field(w.DatePicker(description="From", tooltip=f"Start date of activity {n}"), "short")
        self.end = field(w.DatePicker(description="To", tooltip=f"End date of activity {n}"), "short")
        super().__init__([self.what, self.who, self.start, self.end])
        self.add_class("orb-row")

    def body(self) -> dict | None:
        if not self.what.value.strip():
            return None
        return {
            "what": self.what.value,
            "who": self.who.value,
            "start": self.start.value.isoformat() if self.start.value else None,
            "end": self.end.value.isoformat() if self.end.value else None,
        }

    def fill(self, body: dict) -> None:
        self.what.value, self.who.value = body.get("what", ""), body.get("who", "")
        self.start.value, self.end.value = _date(body.get("start")), _date(body.get("end"))


class ImplementationPlan(EntryEditor):
    """Vision, goals, effect measures, activities on a timeline, and competence now vs target."""

    kind = "plan"

    def __init__(self, ctx: WorkbookContext, **kw):
        fw = ctx.framework
        labels = {f.id: f.label for f in fw.plan_fields}
        helps = {f.id: f.help for f in fw.plan_fields}
        self.levels = list(fw.competence_levels)
        self.vision = text_area(
            labels.get("vision", "Vision"),
            helps.get("vision") or "Where do we want to be? One or two sentences.",
            rows=2,
        )
        self.goals = text_area(labels.get("goals", "Goals"), "One goal per line", rows=4)
        self.measures = text_area(
            labels.get("effect_measures", "How we will measure the effect"), "One measure per line", rows=3
        )
        self.activity_box = w.VBox()
        self.activities: list[ActivityRow] = []
        self.add_activity_button = button("Add an activity", icon="plus")
        self.add_activity_button.on_click(lambda _: self.add_activity())
        self.timeline = w.HTML()
        # Step 1: every whole percentage shows as it is; a coarser step would show 73 as 75 and the
        # browser would send 75 back (opening the page must never change the numbers).
        self.competence = {
            lv.id: (
                field(
                    w.IntSlider(
                        value=0,
                        min=0,
                        max=100,
                        step=COMPETENCE_STEP,
                        description="Now (%)",
                        tooltip=f"{lv.label}: share of people now",
                    ),
                    "short",
                ),
                field(
                    w.IntSlider(
                        value=_pct(lv.target_share),
                        min=0,
                        max=100,
                        step=COMPETENCE_STEP,
                        description="Target (%)",
                        tooltip=f"{lv.label}: share of people we aim for",
                    ),
                    "short",
                ),
            )
            for lv in self.levels
        }
        self._shares: dict[str, dict] = {}  # the shares as saved, kept exactly until a slider is moved
        self.competence_chart = w.HTML()
        comp_rows = []
        for lv in self.levels:
            now, target = self.competence[lv.id]
            comp_rows.append(
                w.VBox(
                    [w.HTML(html("plan_level.html.j2", label=lv.label, description=lv.description)), row(now, target)]
                )
            )
        competence = (
            [
                section_header(
                    "Competence levels",
                    "About what share of people are at each level now, and where do you want to be?",
                ),
                *comp_rows,
                self.competence_chart,
            ]
            if self.levels
            else []
        )
        children = [
            section_header(
                "Our implementation plan",
                "Where you want to go, how you will get there and how you will see the effect.",
            ),
            self.vision,
            self.goals,
            self.measures,
            subheading(f"{labels.get('activities', 'Activities')} and {labels.get('timeline', 'timeline').lower()}"),
            self.activity_box,
            self.add_activity_button,
            self.timeline,
            *competence,
        ]
        super().__init__(ctx, "main", children, **kw)
        self.watch(self.vision, self.goals, self.measures, *[c for pair in self.competence.values() for c in pair])
        self.load()

    def add_activity(self, body: dict | None = None) -> ActivityRow | None:
        if len(self.activities) >= 100:
            return None
        row = ActivityRow(len(self.activities) + 1)
        if body:
            row.fill(body)
        self.watch(row.what, row.who, row.start, row.end)
        self.activities.append(row)
        self.activity_box.children = tuple(self.activities)
        return row

    def collect(self) -> dict:
        return {
            "vision": self.vision.value,
            "goals": _lines(self.goals.value),
            "effect_measures": _lines(self.measures.value),
            "activities": [b for b in (a.body() for a in self.activities) if b],
            "competence": {
                k: {"now": self._share(k, "now", now), "target": self._share(k, "target", target)}
                for k, (now, target) in self.competence.items()
            },
        }

    def _share(self, level: str, which: str, slider) -> float:
        """The slider's share; the saved one while the slider still shows it (0.735 stays 0.735, not 0.74)."""
        saved = self._shares.get(level, {}).get(which)
        if isinstance(saved, (int, float)) and slider.value == shown_by(slider, _pct(saved)):
            return saved
        return slider.value / 100

    def fill(self, body: dict) -> None:
        self.vision.value = body.get("vision", "")
        self.goals.value = "\n".join(body.get("goals", []))
        self.measures.value = "\n".join(body.get("effect_measures", []))
        self.activities = []
        for a in body.get("activities", []):
            self.add_activity(a)
        self.add_activity()  # always one empty row to type into
        self._shares = {k: dict(v) for k, v in body.get("competence", {}).items() if isinstance(v, dict)}
        for k, (now, target) in self.competence.items():
            share = self._shares.get(k)
            if share:
                now.value = _pct(share.get("now", 0))
                target.value = _pct(share.get("target", 0))
        self._charts()

    def after_save(self, doc) -> None:
        self._shares = {k: dict(v) for k, v in doc.body.get("competence", {}).items() if isinstance(v, dict)}
        if not self.activities or self.activities[-1].body():
            self._filling = True
            try:
                self.add_activity()
            finally:
                self._filling = False
        self._charts()

    def _charts(self) -> None:
        # drawn once per content and kept: opening the step again draws nothing (nor imports matplotlib)
        store = self.ctx.store
        acts = [a.body() for a in self.activities]
        acts = [a for a in acts if a and a.get("start")]
        if acts:
            self.timeline.value = kept_chart(
                store, "plan-timeline", acts, lambda: _plots().timeline(acts), planning.timeline_alt(acts)
            )
        else:
            self.timeline.value = note("Give activities a start date to see them on a timeline.").value
        if self.levels:
            frame = planning.competence_frame(self.collect()["competence"], self.levels)
            self.competence_chart.value = kept_chart(
                store,
                "plan-competence",
                frame.to_dict("split"),
                lambda: _plots().competence(frame),
                planning.competence_alt(frame),
            )


def _plots():
    from .. import plots

    return plots


class ReviewEditor(EntryEditor):
    """One follow-up review: Keep / Improve / Start / Stop, with what was carried forward."""

    kind = "followup"

    def __init__(self, ctx: WorkbookContext, key: str, **kw):
        fw = ctx.framework
        labels = {f.id: f.label for f in fw.followup} if fw else {}
        helps = {
            "keep": "What works and should go on",
            "improve": "What to do better",
            "start": "What to begin",
            "stop": "What to drop",
        }
        self.boxes = {
            k: text_area(labels.get(k, k.title()), f"{helps[k]}: one item per line", rows=5)
            for k in ("keep", "improve", "start", "stop")
        }
        for box in self.boxes.values():  # two side by side on a laptop, one under the other on a phone
            box.add_class("orb-half")
        self.carried = text_area(
            "Brought forward from the last review", "Unfinished items: delete a line when it is done", rows=3
        )
        super().__init__(
            ctx,
            key,
            [
                self.carried,
                row(self.boxes["keep"], self.boxes["improve"]),
                row(self.boxes["start"], self.boxes["stop"]),
            ],
            **kw,
        )
        self.watch(self.carried, *self.boxes.values())
        self.load()

    def default(self) -> dict:
        return {"date": self.key, "keep": [], "improve": [], "start": [], "stop": [], "carried": []}

    def collect(self) -> dict:
        return {
            "date": self.key,
            "carried": _lines(self.carried.value),
            **{k: _lines(b.value) for k, b in self.boxes.items()},
        }

    def fill(self, body: dict) -> None:
        self.carried.value = "\n".join(body.get("carried", []))
        for k, b in self.boxes.items():
            b.value = "\n".join(body.get(k, []))


class FollowUpBoard(w.VBox):
    """Every review of the plan, newest first; a new review carries unfinished items forward."""

    def __init__(self, ctx: WorkbookContext, today=dt.date.today, **editor_kw):
        self.ctx, self._editor_kw, self._today = ctx, editor_kw, today
        self.choice = field(w.Dropdown(description="Review of", tooltip="Open a saved review"), "medium")
        self.new_date = field(
            w.DatePicker(description="New review on", value=today(), tooltip="Date of the new review"), "short"
        )
        self.new_button = button(
            "Start a new review", "Start a review; unfinished items come forward", "primary", "plus"
        )
        self.new_button.on_click(lambda _: self.new_review(self.new_date.value))
        self.message = w.HTML()
        self.editor_box = w.VBox()
        self.editor: ReviewEditor | None = None
        super().__init__(
            [
                section_header(
                    "Follow-up: Keep, Improve, Start, Stop",
                    "At each review, look at the plan together. What do we keep, improve, start and "
                    "stop? Items to improve or start that are not done yet come forward to the next "
                    "review.",
                ),
                self.choice,
                row(self.new_date, self.new_button),
                self.message,
                self.editor_box,
            ]
        )
        self._load_choices()
        self.choice.observe(lambda c: self.show_review(c["new"]), "value")
        self.show_review(self.choice.value)

    def _load_choices(self, select: str | None = None) -> None:
        keys = sorted(workbook.load_all(self.ctx.store, self.ctx.county, "followup"), reverse=True)
        self.choice.options = [(date(k), k) for k in keys]
        self.choice.value = select if select is not None else (keys[0] if keys else None)

    def new_review(self, on: dt.date | None) -> str | None:
        on = on or self._today()
        key = on.isoformat()
        reviews = workbook.load_all(self.ctx.store, self.ctx.county, "followup")
        if key in reviews:
            self.message.value = status(f"A review on {date(on)} exists already; it is open below.", "idle")
            self._load_choices(select=key)
            return key
        earlier = [k for k in sorted(reviews) if k < key]
        previous = reviews[earlier[-1]] if earlier else None
        carried = planning.carry_forward(previous)
        try:
            workbook.save(
                self.ctx.store,
                self.ctx.county,
                "followup",
                key,
                workbook.FollowUp(date=on, carried=carried),
                self.ctx.user or ANONYMOUS,
                expected_version=0,
            )
        except StaleEdit:
            pass  # a teammate started the same review a moment ago
        brought = (
            f": {plural(len(carried), 'unfinished item')} brought forward from the review on {date(earlier[-1])}."
            if carried
            else "."
        )
        self.message.value = status(f"New review on {date(on)}{brought}")
        self._load_choices(select=key)
        return key

    def show_review(self, key: str | None) -> None:
        if self.editor is not None:
            self.editor.flush()
        if not key:
            self.editor = None
            self.editor_box.children = (note("No reviews yet: pick a date and start one."),)
            return
        self.editor = ReviewEditor(self.ctx, key, **self._editor_kw)
        self.editor_box.children = (self.editor,)

    def flush(self) -> None:
        if self.editor is not None:
            self.editor.flush()
