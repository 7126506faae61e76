"""The workbook's saved entries, as validated models.

Widgets, the demo and the packets all read and write these shapes through
:func:`save` and :func:`load`, which check every value on the server side:
a crafted client that sets a widget value over the kernel connection still
cannot store something off the form (an unknown element, a rating off the
scale, a 50 MB note).

Kinds and their keys (the coach's webinar series adds its own kinds, in
:mod:`orb_widgets.webinar.models`):

================  ===========================  ===============================
kind              key                          model
================  ===========================  ===============================
key_message       a message id                 :class:`KeyMessage`
matrix_row        a row id (see planning.row_key)  :class:`MatrixRow`
testing_profile   ``"main"``                   :class:`TestingProfile`
plan              ``"main"``                   :class:`ImplementationPlan`
followup          a review date (ISO)          :class:`FollowUp`
debrief           ``<element>@<wave>``          :class:`Debrief` (:func:`debrief_key`)
================  ===========================  ===============================
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from .exceptions import InvalidValue
from .text import clean_text


def _encodable(value):
    # A lone surrogate (a broken emoji from a browser) is stored as U+FFFD rather than refused or crashing.
    return clean_text(value) if isinstance(value, str) else value


Short = Annotated[str, BeforeValidator(_encodable), StringConstraints(max_length=200, strip_whitespace=True)]
Text = Annotated[str, BeforeValidator(_encodable), StringConstraints(max_length=10_000)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------ key messages
class MessageVersion(_Entry):
    version: int = Field(ge=1)
    text: Text
    created: dt.date | None = None


class MessageTest(_Entry):
    version: int = Field(ge=1)
    audience: Short
    event: Short = ""
    date: dt.date | None = None
    people: int = Field(0, ge=0, le=100_000)
    # question id -> rating 1 (not at all) .. 5 (very much)
    ratings: dict[Short, int] = Field(default_factory=dict)
    feedback: Text = ""

    @field_validator("ratings")
    @classmethod
    def _on_scale(cls, v):
        for q, r in v.items():
            if not 1 <= r <= 5:
                raise ValueError(f"rating for '{q}' must be 1 to 5, not {r}")
        return v


class KeyMessage(_Entry):
    title: Short
    versions: list[MessageVersion] = Field(default_factory=list, max_length=50)
    tests: list[MessageTest] = Field(default_factory=list, max_length=500)


# ------------------------------------------------------------------ planning matrix
STATUSES = ("not started", "under way", "done", "on hold")


class StatusChange(_Entry):
    status: str
    on: dt.date
    note: Text = ""


#: Where one step stands. A step is never deleted from a row: it is "dropped", so its words stay.
STEP_STATUSES = ("not started", "under way", "done", "dropped")


class Step(_Entry):
    """One step of a matrix row: what, who leads it, by when, where it stands."""

    text: Text = ""
    who: Short = ""
    by_when: dt.date | None = None
    status: str = "not started"
    done_on: dt.date | None = None
    note: Text = ""
    source: Short = ""  # "webinar" when the step came from a person's next step at a coach's webinar

    @field_validator("status")
    @classmethod
    def _known_status(cls, v):
        if v not in STEP_STATUSES:
            raise ValueError(f"status must be one of {', '.join(STEP_STATUSES)}")
        return v


class MatrixRow(_Entry):
    """One row of the SO WHAT? matrix: about an element or component, with any number of steps.

    Several rows may be about the same element (their keys differ, their
    ``target`` is the same). A row saved by an older version (one ``who``, one
    ``by_when`` and up to three ``next_steps`` for the whole row) is read as
    steps that each carry that owner and date, so no word is lost:

    >>> r = MatrixRow.model_validate({"target": "C", "next_steps": ["Ask", "Plan"], "who": "Ana",
    ...                               "by_when": "2026-04-16"})
    >>> [(s.text, s.who, s.by_when.isoformat(), s.status) for s in r.steps]
    [('Ask', 'Ana', '2026-04-16', 'not started'), ('Plan', 'Ana', '2026-04-16', 'not started')]
    """

    target: Short  # an element id ("A") or a component ("component:3")
    what_we_learned: Text = ""
    why_it_matters: Text = ""
    steps: list[Step] = Field(default_factory=list, max_length=100)
    support_needed: Text = ""
    how_we_will_know: Text = ""
    status: str = "not started"
    status_history: list[StatusChange] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _from_older_version(cls, data):
        if not isinstance(data, dict) or not {"next_steps", "who", "by_when"} & set(data):
            return data
        data = dict(data)
        texts = data.pop("next_steps", None) or []
        who, by_when = data.pop("who", "") or "", data.pop("by_when", None) or None
        if not isinstance(texts, list):
            texts = [texts]
        if len(texts) > 3:  # the older version's limit: a longer list was never saved
            raise ValueError("next_steps (from an older version) holds at most 3 steps; write them as steps")
        row_status = data.get("status", "not started")
        step_status = row_status if row_status in ("under way", "done") else "not started"
        done_on = None
        if step_status == "done":  # the day the row was marked done, when its history says
            done_on = next(
                (
                    h.get("on")
                    for h in reversed(data.get("status_history") or [])
                    if isinstance(h, dict) and h.get("status") == "done"
                ),
                None,
            )
        old = [str(t) for t in texts if str(t or "").strip()]
        if not old and (str(who).strip() or by_when):
            old = [""]  # an owner or a date with no step written: kept on a step with no text yet
        steps = [{"text": t, "who": who, "by_when": by_when, "status": step_status, "done_on": done_on} for t in old]
        data["steps"] = steps + list(data.get("steps") or [])
        return data

    @field_validator("status")
    @classmethod
    def _known_status(cls, v):
        if v not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        return v


# ------------------------------------------------------------------ testing profile
class TestingProfile(_Entry):
    buddy_county: Short = ""
    sections: dict[Short, Text] = Field(default_factory=dict)  # a..g
    buddy: dict[Short, Text] = Field(default_factory=dict)  # i..iii


# ------------------------------------------------------------------ plan and follow-up
class Activity(_Entry):
    what: Text
    who: Short = ""
    start: dt.date | None = None
    end: dt.date | None = None


class CompetenceShare(_Entry):
    now: float = Field(0, ge=0, le=1)
    target: float = Field(0, ge=0, le=1)


class ImplementationPlan(_Entry):
    vision: Text = ""
    goals: list[Text] = Field(default_factory=list, max_length=20)
    effect_measures: list[Text] = Field(default_factory=list, max_length=20)
    activities: list[Activity] = Field(default_factory=list, max_length=100)
    competence: dict[Short, CompetenceShare] = Field(default_factory=dict)


class FollowUp(_Entry):
    date: dt.date
    keep: list[Text] = Field(default_factory=list)
    improve: list[Text] = Field(default_factory=list)
    start: list[Text] = Field(default_factory=list)
    stop: list[Text] = Field(default_factory=list)
    carried: list[Text] = Field(default_factory=list)  # unfinished items brought forward


# ------------------------------------------------------------------ debrief and team ratings
#: A team rating's points, as the team reads them while it talks (after the NIRN Hexagon discussion tool).
RATINGS = {
    1: "not ready yet",
    2: "a little ready",
    3: "partly ready",
    4: "mostly ready",
    5: "ready",
}


class Debrief(_Entry):
    """What the team made of one element's results in one wave, after talking over its reflection prompts.

    ``rating`` (1–5) and ``reasons`` are the team's own rating of the element, for a wave too small to
    show it (or when no survey was run, ``wave`` empty): a team's judgement, never a survey number.
    """

    element: Short
    wave: Short = ""
    reading: Text = ""
    rating: int | None = Field(None, ge=1, le=5)
    reasons: Text = ""


def debrief_key(element: str, wave: str | None) -> str:
    """The key of an element's debrief in a wave (``"B@2026-spring"``; ``"B@"`` when no survey was run).

    >>> debrief_key("B", "2026-spring"), debrief_key("B", None)
    ('B@2026-spring', 'B@')
    """
    return f"{element}@{wave or ''}"


def debriefs(store, county: str, wave: str | None) -> dict[str, Debrief]:
    """The county's debriefs of one wave (``None``/empty: the ones made without a survey), by element."""
    wave = wave or ""
    return {d.element: d for d in load_all(store, county, "debrief").values() if d.wave == wave}


MODELS: dict[str, type[_Entry]] = {
    "key_message": KeyMessage,
    "matrix_row": MatrixRow,
    "testing_profile": TestingProfile,
    "plan": ImplementationPlan,
    "followup": FollowUp,
    "debrief": Debrief,
}


def validate(kind: str, body) -> _Entry:
    """Check an entry; raise :class:`InvalidValue` naming the field and the fix."""
    model = MODELS.get(kind)
    if model is None:
        raise InvalidValue(f"unknown workbook entry kind '{kind}' (known: {', '.join(MODELS)})")
    if isinstance(body, model):
        body = body.model_dump(mode="json")
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or kind
        raise InvalidValue(f"{kind} '{where}': {err['msg'].removeprefix('Value error, ')}") from None


def save(store, county: str, kind: str, key: str, body, user: str, expected_version: int | None = None):
    """Validate then store an entry (history kept); returns the stored Document."""
    entry = validate(kind, body)
    if not key or len(key) > 200:
        raise InvalidValue(f"{kind}: an entry needs a key of 1 to 200 characters")
    return store.put_doc(county, kind, key, entry.model_dump(mode="json"), user, expected_version)


def load(store, county: str, kind: str, key: str):
    """The entry as its model, or ``None`` when nothing was saved yet."""
    doc = store.get_doc(county, kind, key)
    if doc is None or doc.body.get("_deleted"):
        return None
    return MODELS[kind].model_validate(doc.body)


def load_all(store, county: str, kind: str) -> dict:
    """Every live entry of a kind, by key, in the order they were created."""
    return {
        d.key: MODELS[kind].model_validate(d.body) for d in store.list_docs(county, kind) if not d.body.get("_deleted")
    }
