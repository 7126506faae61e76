"""Tailored instruments: a county's own version of a framework's assessment.

An instrument is chosen elements and items (possibly reworded, keeping the
bank item's id in ``based_on``), one scale, the role groups asked about and the
minimum group size for reporting. Its id is a hash of its content, so the same
choices always give the same id, and any change gives a new one: waves scored
on different versions stay tellable apart.

>>> inst = tailor("cpm-orb", county="Example County", elements=["A", "C"], points=4)
>>> sorted({i.element for i in inst.items}), inst.scale.points
(['A', 'C'], 4)
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict, PrivateAttr, field_validator

from .content import Framework, RoleGroup, Scale, load_framework
from .exceptions import InstrumentError

FORMAT_VERSION = 1
DEFAULT_MIN_GROUP = 5
#: Free-text comments are shown only for a wave at least this many people answered (or the
#: smallest group shown, when that is larger): one comment can give its writer away.
DEFAULT_COMMENT_MIN = 10
#: No group smaller than this is ever shown, whatever a county chooses:
#: with one or two people, a score is a person's answers.
MIN_GROUP_FLOOR = 3
_floor = [MIN_GROUP_FLOOR]


def check_tiny_groups() -> None:
    """Let this process show groups of any size: only for checking the import and the
    scoring against an independent computation on small test files, never for real data
    (``ORB_CHECK_TINY_GROUPS=1``, read by the ``orb`` command at start)."""
    _floor[0] = 1


def min_group_floor() -> int:
    """The smallest "smallest group shown" this process accepts (3 unless checking)."""
    return _floor[0]


class InstrumentItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    element: str
    text: str
    reverse: bool = False
    based_on: str | None = None


class Instrument(BaseModel):
    """A county's assessment, exactly as respondents see it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    format_version: int = FORMAT_VERSION
    framework: str
    language: str
    county: str
    title: str
    elements: list[str]
    element_names: dict[str, str]
    items: list[InstrumentItem]
    scale: Scale
    role_question: str
    roles: list[RoleGroup]
    min_group: int = DEFAULT_MIN_GROUP
    #: the id it was stored under (when reading raised its minimum group to the floor), or once computed
    _stored_id: str | None = PrivateAttr(None)

    @field_validator("min_group")
    @classmethod
    def _at_least_the_floor(cls, v: int) -> int:
        if v < min_group_floor():
            raise ValueError(f"the smallest group shown must be at least {min_group_floor()}")
        return v

    @property
    def id(self) -> str:
        """Content hash: the first 12 hex digits of the SHA-256 of the canonical body."""
        if self._stored_id is None:  # frozen: the content, so the hash, never changes
            self._stored_id = content_hash(self.model_dump(mode="json"))
        return self._stored_id

    @property
    def comment_min(self) -> int:
        """The fewest people in a wave for its comments to be shown (``DEFAULT_COMMENT_MIN``, 10, or ``min_group``)."""
        return max(DEFAULT_COMMENT_MIN, self.min_group)

    def item(self, item_id: str) -> InstrumentItem:
        for i in self.items:
            if i.id == item_id:
                return i
        raise KeyError(item_id)

    def role(self, role: str) -> RoleGroup:
        """Look a role group up by id or by its label (case-insensitive)."""
        key = role.strip().casefold()
        for r in self.roles:
            if r.id.casefold() == key or r.label.casefold() == key:
                return r
        raise KeyError(role)

    def comment_prompt(self, element: str) -> str:
        """The question above a section's optional comment box, as the survey shows it."""
        return f"Anything you want to add about {self.element_names[element].lower()}? (optional)"

    def to_json(self) -> dict:
        """The public JSON contract of ``orb instrument show --json``."""
        return {
            "id": self.id,
            "county": self.county,
            "framework": self.framework,
            "language": self.language,
            "title": self.title,
            "elements": [{"id": e, "name": self.element_names[e]} for e in self.elements],
            "items": [
                {"id": i.id, "element": i.element, "text": i.text, "reverse": i.reverse, "based_on": i.based_on}
                for i in self.items
            ],
            "scale": {
                "points": self.scale.points,
                "labels": list(self.scale.labels),
                "dont_know_label": self.scale.dont_know_label,
            },
            "role_question": {
                "text": self.role_question,
                "options": [{"id": r.id, "label": r.label} for r in self.roles],
            },
            "min_group": self.min_group,
        }

    def items_frame(self):
        """Items as the DataFrame scoring expects (``item``, ``element``, ``reverse``)."""
        import pandas as pd

        return pd.DataFrame(
            [{"item": i.id, "element": i.element, "reverse": i.reverse} for i in self.items],
            columns=["item", "element", "reverse"],
        )


def content_hash(body: Mapping) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def _split(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v).strip() for v in value]


def tailor(
    framework: str | Framework,
    county: str,
    elements: Iterable[str] | str | None = None,
    items: Iterable[str] | str | None = None,
    points: int = 5,
    roles: Iterable[str] | str | None = None,
    min_group: int = DEFAULT_MIN_GROUP,
    rewording: Mapping[str, str] | None = None,
    language: str | None = None,
    title: str | None = None,
) -> Instrument:
    """Make a county's instrument from a framework's item bank.

    ``elements`` defaults to all; ``items`` (bank ids) defaults to every bank
    item of the chosen elements that suits at least one chosen role group;
    ``rewording`` maps a bank item id to the county's own wording (the id is
    kept and ``based_on`` links back to the bank text).
    """
    fw = framework if isinstance(framework, Framework) else load_framework(framework, language)
    if not county or not county.strip():
        raise InstrumentError("a county name is needed (--county NAME)")
    if points not in fw.scales:
        raise InstrumentError(f"scale must be 4 or 5 points, not {points!r}")
    if isinstance(min_group, bool) or not isinstance(min_group, int) or min_group < min_group_floor():
        raise InstrumentError(
            f"the smallest group shown must be a whole number of at least {min_group_floor()} "
            f"(so no one's answers can be singled out), not {min_group!r}"
        )
    element_ids = [e.id for e in fw.elements]
    chosen = [e.upper() for e in _split(elements)] or element_ids
    for e in chosen:
        if e not in element_ids:
            raise InstrumentError(f"element '{e}' is not in {fw.id} (it has {', '.join(element_ids)})")
    role_ids = [r.id for r in fw.role_groups]
    chosen_roles = _split(roles) or role_ids
    for r in chosen_roles:
        if r not in role_ids:
            raise InstrumentError(f"role group '{r}' is not in {fw.id} (it has {', '.join(role_ids)})")
    picked = _split(items)
    if picked:
        bank = {i.id: i for i in fw.items}
        for item_id in picked:
            if item_id not in bank:
                raise InstrumentError(
                    f"item '{item_id}' is not in the {fw.id} item bank; 'orb frameworks --items' lists them"
                )
        if not _split(elements):
            chosen = [e for e in element_ids if any(bank[i].element == e for i in picked)]
        bank_items = [bank[i] for i in picked]
        outside = [i.id for i in bank_items if i.element not in chosen]
        if outside:
            raise InstrumentError(
                f"item(s) {', '.join(outside)} belong to elements not chosen "
                f"({', '.join(chosen)}); add the element or drop the item"
            )
    else:
        bank_items = [i for i in fw.items if i.element in chosen and set(i.roles) & set(chosen_roles)]
    for e in chosen:
        if not any(i.element == e for i in bank_items):
            raise InstrumentError(f"element '{e}' has no items chosen; pick at least one or drop the element")
    rewording = dict(rewording or {})
    unknown = set(rewording) - {i.id for i in bank_items}
    if unknown:
        raise InstrumentError(f"cannot reword {', '.join(sorted(unknown))}: not among the chosen items")
    out_items = []
    for i in sorted(bank_items, key=lambda i: (chosen.index(i.element), i.id)):
        text = rewording.get(i.id, "").strip()
        out_items.append(
            InstrumentItem(
                id=i.id, element=i.element, text=text or i.text, reverse=i.reverse, based_on=i.id if text else None
            )
        )
    return Instrument(
        framework=fw.id,
        language=fw.language,
        county=county.strip(),
        title=title or f"{fw.title}: {county.strip()}",
        elements=chosen,
        element_names={e: fw.element(e).name for e in chosen},
        items=out_items,
        scale=fw.scales[points],
        role_question=fw.role_question,
        roles=[r for r in fw.role_groups if r.id in chosen_roles],
        min_group=min_group,
    )


def from_json(body: Mapping) -> Instrument:
    """Rebuild a stored instrument, refusing formats this version cannot read."""
    version = body.get("format_version")
    if version is None or version < FORMAT_VERSION:
        raise InstrumentError(f"instrument format {version} is too old for this version of ORB Workbook")
    if version > FORMAT_VERSION:
        raise InstrumentError(
            f"instrument format {version} is newer than this version of ORB Workbook "
            f"reads ({FORMAT_VERSION}); upgrade orb-workbook"
        )
    body = dict(body)
    if int(body.get("min_group", DEFAULT_MIN_GROUP)) < min_group_floor():
        # Saved before the floor existed: keep its id (answers point at it), report with the floor.
        stored_id = content_hash(body)
        inst = Instrument.model_validate({**body, "min_group": min_group_floor()})
        inst._stored_id = stored_id
        return inst
    return Instrument.model_validate(body)


# ---------------------------------------------------------------- export


def tagged(item: InstrumentItem) -> str:
    """Question text with its ``[A1]`` id tag, so imports match columns exactly."""
    return f"[{item.id}] {item.text}"


TAG_RE = re.compile(r"\[([A-Za-z]{1,3}\d{1,3})\]")


def export_text(inst: Instrument) -> str:
    """Survey text to paste into SurveyMonkey, Google Forms, Qualtrics or Microsoft Forms.

    Each question keeps its ``[id]`` tag: the import matches columns by it.
    """
    lines = [
        inst.title,
        "",
        "How to set this up in your survey tool:",
        "- Make one multiple-choice question for the role group.",
        "- Make each statement below a question (or a row of a grid/matrix) with these choices, in this order:",
        "  " + " | ".join([*inst.scale.labels, inst.scale.dont_know_label]),
        "- Keep the [A1]-style tag at the start of each question: the import uses it.",
        "- Add one optional comment box per section.",
        "- Do not collect names or email addresses: answers are anonymous.",
        "",
        f"ROLE: {inst.role_question}",
    ]
    lines += [f"  ( ) {r.label}" for r in inst.roles]
    for e in inst.elements:
        lines += ["", f"SECTION {e}: {inst.element_names[e]}"]
        lines += [tagged(i) for i in inst.items if i.element == e]
        lines.append(f"[{e}-comments] {inst.comment_prompt(e)}")
    return "\n".join(lines) + "\n"


def export_printable(inst: Instrument) -> str:
    """A self-contained HTML page to print for people who answer on paper."""
    from .render import render

    return str(render("printable_survey.html.j2", inst=inst))
