"""The respondent form as data: what a page shows, and what a sent page means.

Pure functions, no web server and no database: :func:`form_view` turns a
county's instrument into the view model the template renders, in one
language; :func:`read_answers` and :func:`build_response` turn the fields a
browser posts into a checked :class:`~orb_widgets.store.NewResponse`. The
store checks everything again before writing.

Answers are keyed by item id and scale point, never by text, so a Spanish
and an English answer to the same statement are the same answer.

>>> from orb_widgets.instrument import tailor
>>> inst = tailor("cpm-orb", county="Example County", elements=["A"], points=4)
>>> view = form_view(inst, "es")
>>> view.parts[0].name, view.scale[0].label
('El modelo de práctica: si encaja y si es prioridad', 'Muy en desacuerdo')
>>> r = build_response(inst, *read_answers(inst, {"role": "supervisors", "q-A1": "3"}))
>>> r.role, r.answers
('supervisors', {'A1': 3})
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ..content import survey_languages, survey_text
from ..exceptions import InvalidValue, OrbError, PackError
from ..instrument import PULSE_ITEM, PULSE_SECTION, PULSE_WORDS, Instrument
from ..store import NewResponse

MAX_COMMENT = 2000
DK = "dk"
#: Names the languages in their own words, for the language menu.
LANGUAGE_NAMES = {"en": "English", "es": "Español", "sv": "Svenska", "vi": "Tiếng Việt"}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    id: str
    text: str

    @property
    def field(self) -> str:
        return f"q-{self.id}"


@dataclass(frozen=True)
class Part:
    element: str
    number: int
    name: str
    questions: tuple[Question, ...]

    @property
    def comment_field(self) -> str:
        return f"c-{self.element}"


@dataclass(frozen=True)
class FormView:
    """Everything the form page shows, in one language."""

    language: str
    title: str
    county: str
    role_question: str
    roles: tuple[Choice, ...]
    scale: tuple[Choice, ...]  # the points in order, then "don't know"
    parts: tuple[Part, ...]
    min_group: int
    #: Routed surveys: the role group whose statements the page shows (None: the role is asked first).
    role: Choice | None = None
    routed: bool = False
    #: The optional "Which office or unit?" question's answers (none: not asked).
    units: tuple[str, ...] = ()

    @property
    def asks_role_first(self) -> bool:
        """A routed survey without a chosen role shows only the role question (a first page)."""
        return self.routed and self.role is None

    @property
    def total(self) -> int:
        return sum(len(p.questions) for p in self.parts)


# ---------------------------------------------------------------- languages
def form_languages(inst: Instrument) -> list[str]:
    """The languages this survey can be answered in, its own first.

    Another language is offered only when every statement is the pack's own
    (a county's rewording or own statement exists in the county's language only)
    and its title is the pack's, so everybody answers the same questions.
    """
    languages = [inst.language]
    # a pulse check's own statement is written in every language (PULSE_WORDS); other own statements are not
    if any(i.based_on or (i.local and i.id != PULSE_ITEM) for i in inst.items):
        return languages
    if inst.pulse_of is not None and any(lang not in PULSE_WORDS for lang in survey_languages(inst.framework)):
        return languages
    try:
        own = survey_text(inst.framework, inst.language)
    except PackError:
        return languages
    if inst.title != f"{own.title}: {inst.county}" or any(r.id not in own.roles for r in inst.roles):
        return languages  # a county's own title or role group exists in its language only
    for lang in survey_languages(inst.framework):
        if lang not in languages:
            try:
                survey_text(inst.framework, lang)
            except PackError:
                continue
            languages.append(lang)
    return languages


def pick_language(offered: list[str], asked: str | None = None, accept_language: str | None = None) -> str:
    """The page's language: the one chosen on the page, else the browser's first offered one.

    >>> pick_language(["en", "es"], accept_language="es-MX,es;q=0.9,en;q=0.8")
    'es'
    >>> pick_language(["en", "es"], asked="sv", accept_language="fr")
    'en'
    """
    if asked and asked in offered:
        return asked
    wanted = []
    for n, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            wanted.append((-q, n, tag.strip().lower().split("-")[0]))
    for _, _, lang in sorted(wanted):
        if lang in offered:
            return lang
    return offered[0]


# ---------------------------------------------------------------- view model
def form_view(inst: Instrument, language: str | None = None, role: str | None = None) -> FormView:
    """The page's content for ``inst`` in ``language`` (default: the instrument's own).

    A routed survey shows the statements of role group ``role`` (an id) only; without one, no
    statement: its first page asks the role. An unknown ``role`` raises :class:`InvalidValue`.
    """
    if role is not None and role not in {r.id for r in inst.roles}:
        raise InvalidValue(f"'{role}' is not one of this survey's role groups", field="role")
    return _form_view(inst.model_dump_json(), inst.id, language or inst.language, role if inst.routed else None)


@functools.lru_cache(maxsize=256)
def _form_view(body: str, _id: str, language: str, role: str | None = None) -> FormView:
    inst = Instrument.model_validate_json(body)
    if language == inst.language:
        title, role_question = inst.title, inst.role_question
        roles = {r.id: r.label for r in inst.roles}
        names = dict(inst.element_names)
        texts = {i.id: i.text for i in inst.items}
        scale = inst.scale
    else:
        if language not in form_languages(inst):
            raise InvalidValue(f"this survey is not offered in '{language}'")
        t = survey_text(inst.framework, language)
        title, role_question = f"{t.title}: {inst.county}", t.role_question
        roles, names, texts, scale = t.roles, dict(t.elements), dict(t.items), t.scales[inst.scale.points]
        if inst.pulse_of is not None:  # a pulse check's own statement and section, in this language
            texts[PULSE_ITEM], names[PULSE_SECTION] = PULSE_WORDS[language]
    shown = inst.items if not inst.routed else inst.items_for(role) if role else []
    elements = [e for e in inst.elements if any(i.element == e for i in shown)]
    parts = tuple(
        Part(e, n, names[e], tuple(Question(i.id, texts[i.id]) for i in shown if i.element == e))
        for n, e in enumerate(elements, start=1)
    )
    return FormView(
        language=language,
        title=title,
        county=inst.county,
        role_question=role_question,
        roles=tuple(Choice(r.id, roles[r.id]) for r in inst.roles),
        scale=(
            *(Choice(str(k), label) for k, label in enumerate(scale.labels, start=1)),
            Choice(DK, scale.dont_know_label),
        ),
        parts=parts,
        min_group=inst.min_group,
        role=Choice(role, roles[role]) if role else None,
        routed=inst.routed,
        units=tuple(inst.units),
    )


# ---------------------------------------------------------------- sent pages
def read_answers(inst: Instrument, fields: dict[str, str]) -> tuple[str | None, dict, dict]:
    """Role, answers and comments from a posted form's fields (``q-A1=3``, ``c-A=…``).

    Values are left as sent apart from turning digits into numbers;
    :func:`build_response` decides whether they are allowed.
    """
    answers: dict[str, object] = {}
    comments: dict[str, str] = {}
    for name, value in fields.items():
        if name.startswith("q-"):
            answers[name[2:]] = int(value) if value.isdigit() and len(value) < 3 else (value or None)
        elif name.startswith("c-"):
            comments[name[2:]] = value
    return fields.get("role") or None, answers, comments


def build_response(
    instrument: Instrument,
    role,
    answers: dict,
    comments: dict | None = None,
    source_key: str | None = None,
    unit: str | None = None,
) -> NewResponse:
    """Check one person's answers against the instrument and make a :class:`NewResponse`.

    ``answers`` maps item id to a scale point, ``"dk"`` or ``None`` (skipped).
    ``unit`` is the answer to the optional office or unit question (empty: "Prefer not to say").
    Raises :class:`InvalidValue` for an unknown role group, an unknown item, an
    answer off the scale or a comment on a section the survey does not have.
    """
    if role is None or str(role).strip() == "":
        raise InvalidValue("Please choose the group that best fits your role (the first question).", field="role")
    try:
        role_id = instrument.role(str(role)).id
    except KeyError:
        raise InvalidValue(f"'{role}' is not one of this survey's role groups", field="role") from None
    points = instrument.scale.points
    known = {i.id for i in instrument.items}
    shown = {i.id for i in instrument.items_for(role_id)}
    clean: dict[str, int | str] = {}
    for item, value in dict(answers).items():
        if item not in known:
            raise InvalidValue(f"statement '{item}' is not in this survey")
        if item not in shown:
            raise InvalidValue(f"statement '{item}' is not asked of the role group '{role_id}'", field="route")
        if value is None:
            continue
        if value == DK:
            clean[item] = DK
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= points:
            raise InvalidValue(f"answer {value!r} to statement {item} is not on the {points}-point scale")
        clean[item] = value
    if not clean:
        raise InvalidValue("Please answer at least one statement before sending.", field="answers")
    notes: dict[str, str] = {}
    for element, text in dict(comments or {}).items():
        if element not in instrument.elements:
            raise InvalidValue(f"comment section '{element}' is not in this survey")
        if not isinstance(text, str):
            raise InvalidValue(f"the comment on section {element} must be text")
        if text.strip() and not any(instrument.item(i).element == element for i in shown):
            raise InvalidValue(f"comment section '{element}' is not shown to the role group '{role_id}'", field="route")
        if text.strip():
            notes[element] = text.strip()[:MAX_COMMENT]
    named = None
    if unit is not None and str(unit).strip():
        try:
            named = instrument.unit(str(unit))
        except KeyError:
            raise InvalidValue(f"'{unit}' is not one of this survey's offices or units", field="unit") from None
    return NewResponse(role=role_id, answers=clean, comments=notes, source_key=source_key, unit=named)


__all__ = [
    "Choice",
    "FormView",
    "OrbError",
    "Part",
    "Question",
    "build_response",
    "form_languages",
    "form_view",
    "pick_language",
    "read_answers",
]
