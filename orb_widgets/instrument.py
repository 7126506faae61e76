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

from pydantic import BaseModel, ConfigDict, PrivateAttr, field_validator, model_serializer, model_validator

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
    #: The role groups this statement is shown to (routing); None: every group, as before routing.
    roles: list[str] | None = None
    #: The county's own statement (not from the bank): scored with its element, never compared across counties.
    local: bool = False

    @model_serializer(mode="wrap")
    def _unrouted_as_before(self, handler):
        # An unrouted bank statement is stored, hashed and sent exactly as before routing and own
        # statements existed, so every instrument saved earlier keeps its id.
        out = handler(self)
        if self.roles is None:
            out.pop("roles", None)
        if not self.local:
            out.pop("local", None)
        return out

    def shown_to(self, role: str) -> bool:
        """Whether a person of role group ``role`` (an id) is shown this statement."""
        return self.roles is None or role in self.roles


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
    #: A pulse check's instrument: the key of the plan row it checks on (``C``, ``C#2``, ``component:3``).
    #: Its answers form a pulse wave, never a full wave (see ``pulse_instrument``).
    pulse_of: str | None = None
    #: the answers to the optional "Which office or unit?" question, in the survey's order (none: not asked)
    units: list[str] = []
    #: the id it was stored under (when reading raised its minimum group to the floor), or once computed
    _stored_id: str | None = PrivateAttr(None)

    @model_serializer(mode="wrap")
    def _stored_as_before(self, handler):
        # A full survey without the unit question is stored and hashed exactly as before pulse checks and
        # the unit question existed: its id is kept.
        out = handler(self)
        if self.pulse_of is None:
            out.pop("pulse_of", None)
        if not self.units:
            out.pop("units", None)
        return out

    @field_validator("units")
    @classmethod
    def _units_checked(cls, v: list[str]) -> list[str]:
        return check_units(v)

    @field_validator("min_group")
    @classmethod
    def _at_least_the_floor(cls, v: int) -> int:
        if v < min_group_floor():
            raise ValueError(f"the smallest group shown must be at least {min_group_floor()}")
        return v

    @model_validator(mode="after")
    def _routes_known(self):
        role_ids = [r.id for r in self.roles]
        for n, i in enumerate(self.items):
            if i.roles is None:
                continue
            unknown = [r for r in i.roles if r not in role_ids]
            if unknown:
                raise ValueError(
                    f"items.{n} ({i.id}): role group '{unknown[0]}' is not asked in this survey "
                    f"(it asks {', '.join(role_ids)})"
                )
            if not i.roles:
                raise ValueError(f"items.{n} ({i.id}): shown to no role group; name at least one or drop it")
        return self

    @property
    def routed(self) -> bool:
        """Whether some statement is shown to some role groups only (the survey asks the role first)."""
        return any(i.roles is not None for i in self.items)

    def items_for(self, role: str) -> list[InstrumentItem]:
        """The statements a person of role group ``role`` (an id) is shown, in survey order."""
        return [i for i in self.items if i.shown_to(role)]

    def asked_of(self, item: InstrumentItem) -> list[RoleGroup]:
        """The role groups shown ``item``, in the survey's order."""
        return [r for r in self.roles if item.shown_to(r.id)]

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

    def unit(self, answer: str) -> str:
        """The office or unit named by ``answer`` (case and spacing aside), as the survey lists it."""
        key = " ".join(str(answer).split()).casefold()
        for u in self.units:
            if u.casefold() == key:
                return u
        raise KeyError(answer)

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
                {
                    "id": i.id,
                    "element": i.element,
                    "text": i.text,
                    "reverse": i.reverse,
                    "based_on": i.based_on,
                    "roles": [r.id for r in self.asked_of(i)],
                    "local": i.local,
                }
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
            "routed": self.routed,
            "unit_question": {"text": UNIT_QUESTION, "options": list(self.units)} if self.units else None,
        }

    def items_frame(self):
        """Items as the DataFrame scoring expects (``item``, ``element``, ``reverse``), with the
        ``roles`` each is shown to (None: everyone) when the survey is routed."""
        import pandas as pd

        if not self.routed:
            return pd.DataFrame(
                [{"item": i.id, "element": i.element, "reverse": i.reverse} for i in self.items],
                columns=["item", "element", "reverse"],
            )
        return pd.DataFrame(
            [{"item": i.id, "element": i.element, "reverse": i.reverse, "roles": _tuple(i.roles)} for i in self.items],
            columns=["item", "element", "reverse", "roles"],
        )


def _tuple(roles):
    return None if roles is None else tuple(roles)


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
    routed: bool = False,
    routes: Mapping[str, Iterable[str] | str] | None = None,
    own: Iterable[Mapping] | None = None,
    own_groups: Iterable[Mapping] | None = None,
    units: Iterable[str] | str | None = None,
) -> Instrument:
    """Make a county's instrument from a framework's item bank.

    ``elements`` defaults to all; ``items`` (bank ids) defaults to every bank
    item of the chosen elements that suits at least one chosen role group;
    ``rewording`` maps a bank item id to the county's own wording (the id is
    kept and ``based_on`` links back to the bank text).

    ``routed`` shows each statement only to the chosen role groups the pack
    tags it for; ``routes`` (statement id → role group ids, or ``"all"``)
    changes that for some statements and implies ``routed``. Unrouted, every
    statement goes to every group, as before routing existed.

    ``own`` adds the county's own statements, each ``{"element", "text"}`` and
    optionally ``"roles"`` (the groups asked it, which makes the survey
    routed): marked local, ids ``AL1``, ``AL2``… after their element's bank
    statements, scored with their element and never compared across counties.
    ``own_groups`` adds role groups the pack does not have, each ``{"label",
    "level"}`` (leadership, supervisor, staff or partner): routed, a group is
    asked the statements the pack marks for a group of its level.
    ``units`` (a list, or one comma-separated text) adds the optional
    "Which office or unit?" question with those answers, in that order.

    >>> inst = tailor("cpm-orb", county="Example County", elements=["F"], routed=True,
    ...               routes={"F3": "leadership,partners"})
    >>> [r.id for r in inst.asked_of(inst.item("F3"))], inst.item("F1").roles is None
    (['leadership', 'partners'], False)
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
    added = _own_groups(own_groups, fw)
    chosen_roles = [*chosen_roles, *(g.id for g in added)]
    levels = {r.id: r.level for r in [*fw.role_groups, *added]}
    own_ids = {g.id for g in added}
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
        bank_items = [i for i in fw.items if i.element in chosen and _tagged(i, chosen_roles, levels, own_ids)]
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
    routes = dict(routes or {})
    for n, extra in enumerate(own or [], start=1):
        item, asked = _own_statement(extra, n, chosen, [i for i in out_items if i.local])
        out_items.append(item)
        if asked is not None:
            routes[item.id], routed = asked, True
    if own:
        out_items.sort(key=lambda i: (chosen.index(i.element), i.local))  # stable: bank order kept
    routing = _routing(fw, out_items, chosen_roles, routed, routes, levels, own_ids)
    if routing:
        out_items = [i.model_copy(update={"roles": routing.get(i.id)}) for i in out_items]
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
        roles=[*(r for r in fw.role_groups if r.id in chosen_roles), *added],
        min_group=min_group,
        units=_units(units),
    )


#: The question a survey with offices or units asks after the role; respondents may skip it.
UNIT_QUESTION = "Which office or unit?"
#: The most offices or units one survey lists, and the longest name (characters).
MAX_UNITS = 40
MAX_UNIT_NAME = 100


def _units(units) -> list[str]:
    try:
        return check_units(units if units is None or not isinstance(units, str) else units.split(","))
    except ValueError as e:
        raise InstrumentError(str(e)) from None


def check_units(units) -> list[str]:
    """The office or unit names, tidied and checked (``ValueError`` says which and what to do).

    >>> check_units([" North  office", "South office", ""])
    ['North office', 'South office']
    """
    out: list[str] = []
    for name in units or []:
        name = " ".join(str(name).split())
        if not name:
            continue
        if len(name) > MAX_UNIT_NAME:
            raise ValueError(f"office or unit '{name[:30]}…' is {len(name)} characters; shorten it to {MAX_UNIT_NAME}")
        if name.casefold() in {u.casefold() for u in out}:
            raise ValueError(f"office or unit '{name}' is listed twice; keep one")
        if name.casefold() == "prefer not to say":
            raise ValueError("'Prefer not to say' is always offered; leave it out of the offices or units")
        out.append(name)
    if len(out) > MAX_UNITS:
        raise ValueError(f"{len(out)} offices or units; list at most {MAX_UNITS} (group the smallest together)")
    if len(out) == 1:
        raise ValueError(f"only one office or unit ('{out[0]}'): list two or more, or leave the question out")
    return out


#: The longest own statement accepted (characters).
MAX_OWN_TEXT = 500


def _own_statement(extra: Mapping, n: int, chosen: list[str], earlier: list[InstrumentItem]):
    """One of the county's own statements, checked: ``(InstrumentItem, roles or None)``."""
    element = str(extra.get("element") or "").strip().upper()
    text = " ".join(str(extra.get("text") or "").split())
    where = f"own statement {n}"
    if element not in chosen:
        raise InstrumentError(
            f"{where}: element '{element}' is not asked in this survey (it asks {', '.join(chosen)}); "
            f"start the statement with one of them, e.g. '{chosen[0]}: …'"
        )
    if not text:
        raise InstrumentError(f"{where}: write the statement after '{element}:'")
    if len(text) > MAX_OWN_TEXT:
        raise InstrumentError(f"{where}: {len(text)} characters; shorten it to {MAX_OWN_TEXT} or fewer")
    if any(i.text.casefold() == text.casefold() for i in earlier):
        raise InstrumentError(f"{where}: the same statement is added twice; keep one")
    number = 1 + sum(1 for i in earlier if i.element == element)
    asked = _split(extra.get("roles")) or None
    return InstrumentItem(id=f"{element}L{number}", element=element, text=text, local=True), asked


LEVELS = ("leadership", "supervisor", "staff", "partner")


def group_id(label: str) -> str:
    """The id of a county's own role group, made from its name.

    >>> group_id("Public  health nurses (PHN)")
    'public_health_nurses_phn'
    """
    return re.sub(r"[^a-z0-9]+", "_", " ".join(label.split()).casefold()).strip("_")[:40]


def _own_groups(groups, fw: Framework) -> list[RoleGroup]:
    """The county's own role groups, checked; ids made from their names (``Public health nurses`` →
    ``public_health_nurses``)."""
    out: list[RoleGroup] = []
    taken = {r.id for r in fw.role_groups} | {r.label.casefold() for r in fw.role_groups}
    for n, group in enumerate(groups or [], start=1):
        label = " ".join(str(group.get("label") or "").split())
        level = str(group.get("level") or "").strip().lower()
        gid = group_id(label)
        if not gid:
            raise InstrumentError(f"own group {n}: give the group a name, e.g. 'Public health nurses=staff'")
        if level not in LEVELS:
            raise InstrumentError(
                f"own group '{label}': level '{level}' is not one of {', '.join(LEVELS)}; "
                f"write it as '{label}=staff', for example"
            )
        if gid in taken or label.casefold() in taken:
            raise InstrumentError(f"own group '{label}': the survey already has a group by that name; name it apart")
        taken |= {gid, label.casefold()}
        out.append(RoleGroup(id=gid, label=label, level=level))
    return out


def _tagged(item, chosen_roles, levels: dict, own_ids: set) -> list[str]:
    """The chosen groups a bank item is for: those its pack tags name, and own groups (not in the
    pack's tags' vocabulary, so not in ``item.roles``) of a level the tags name."""
    tagged_levels = {levels[r] for r in item.roles if r in levels}
    return [r for r in chosen_roles if r in item.roles or (r in own_ids and levels[r] in tagged_levels)]


def _routing(
    fw: Framework, items, chosen_roles, routed, routes, levels: dict, own_ids: set
) -> dict[str, list[str] | None]:
    """Who is shown each statement: statement id → role group ids (None: every group asked)."""
    routes = dict(routes or {})
    if not routed and not routes:
        return {}
    ids = {i.id for i in items}
    unknown = [k for k in routes if k not in ids]
    if unknown:
        raise InstrumentError(f"cannot route {unknown[0]}: it is not among the chosen statements")
    bank = {i.id: i for i in fw.items}
    out: dict[str, list[str] | None] = {}
    for i in items:
        if i.id in routes:
            asked = _split(routes[i.id])
            if [a.casefold() for a in asked] == ["all"]:
                asked = list(chosen_roles)
            wrong = [r for r in asked if r not in chosen_roles]
            if wrong:
                raise InstrumentError(
                    f"route for {i.id}: role group '{wrong[0]}' is not asked in this survey "
                    f"(it asks {', '.join(chosen_roles)})"
                )
            if not asked:
                raise InstrumentError(f"route for {i.id}: name at least one role group, or drop the statement")
        else:
            tags = bank[i.id].roles if i.id in bank else chosen_roles
            asked = _tagged(bank[i.id], chosen_roles, levels, own_ids) if i.id in bank else list(chosen_roles)
            if not asked:
                raise InstrumentError(
                    f"statement {i.id} is meant for role groups this survey does not ask "
                    f"({', '.join(tags)}); route it to a group asked (e.g. {i.id}=all) or drop it"
                )
        out[i.id] = None if set(chosen_roles) <= set(asked) else [r for r in chosen_roles if r in asked]
    for r in chosen_roles:
        if not any(v is None or r in v for v in out.values()):
            raise InstrumentError(
                f"role group '{r}' would be shown no statement; route a statement to it or stop asking it"
            )
    return out


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


# ---------------------------------------------------------------- pulse checks
#: At most this many statements of a plan row's element (or component) go into its pulse check.
PULSE_MAX = 6
#: The pulse check's own statement and the section it sits in (never an element of the framework).
PULSE_ITEM = "PULSE1"
PULSE_SECTION = "pulse"
PULSE_TEXT = "Since the last survey, our leaders have told us what they did with what we said."
PULSE_SECTION_NAME = "After the last survey"
#: The same statement and section name in the packs' other languages (the survey's language is used).
PULSE_WORDS = {
    "en": (PULSE_TEXT, PULSE_SECTION_NAME),
    "es": (
        "Desde la última encuesta, nuestros líderes nos han contado qué hicieron con lo que dijimos.",
        "Después de la última encuesta",
    ),
    "sv": (
        "Sedan förra enkäten har våra ledare berättat vad de gjorde med det vi sa.",
        "Efter förra enkäten",
    ),
}


def pulse_instrument(inst: Instrument, row: str, elements: Iterable[str]) -> Instrument:
    """The short survey of a pulse check on plan row ``row``: at most :data:`PULSE_MAX` of ``inst``'s
    statements of ``elements`` (the row's element, or a component's elements), in survey order, and one
    statement of its own (:data:`PULSE_TEXT`, local: never scored with an element nor compared).

    Role groups, scale, routing and the smallest group shown are the survey's, so the answers compare
    with its last full wave statement by statement.

    >>> inst = tailor("cpm-orb", county="Example County", elements=["B", "C"])
    >>> p = pulse_instrument(inst, "C", ["C"])
    >>> [i.element for i in p.items][-1], p.pulse_of, len(p.items) <= PULSE_MAX + 1
    ('pulse', 'C', True)
    """
    wanted = list(elements)
    picked = [i for i in inst.items if i.element in wanted][:PULSE_MAX]
    if not picked:
        raise InstrumentError(
            f"plan row '{row}': the survey asks no statement about {', '.join(wanted)}; "
            "choose a row about an element the survey asks"
        )
    shown = [e for e in inst.elements if any(i.element == e for i in picked)]
    text, section_name = PULSE_WORDS.get(inst.language, PULSE_WORDS["en"])
    own = InstrumentItem(id=PULSE_ITEM, element=PULSE_SECTION, text=text, local=True)
    return Instrument(
        framework=inst.framework,
        language=inst.language,
        county=inst.county,
        title=inst.title,
        elements=[*shown, PULSE_SECTION],
        element_names={**{e: inst.element_names[e] for e in shown}, PULSE_SECTION: section_name},
        items=[*picked, own],
        scale=inst.scale,
        role_question=inst.role_question,
        roles=inst.roles,
        min_group=inst.min_group,
        pulse_of=row,
    )


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
    if inst.units:  # optional; the import reads a column headed like the question
        lines += ["", f"OFFICE OR UNIT (optional, right after the role): {UNIT_QUESTION}"]
        lines += [f"  ( ) {u}" for u in [*inst.units, "Prefer not to say"]]
    for e in inst.elements:
        lines += ["", f"SECTION {e}: {inst.element_names[e]}"]
        lines += [tagged(i) for i in inst.items if i.element == e]
        lines.append(f"[{e}-comments] {inst.comment_prompt(e)}")
    if inst.routed:
        lines += ["", *routing_text(inst)]
    return "\n".join(lines) + "\n"


def redcap_logic(inst: Instrument, item: InstrumentItem) -> str:
    """REDCap branching logic showing ``item`` to its role groups (the role field named ``role``).

    >>> inst = tailor("cpm-orb", county="X", elements=["F"], routes={"F2": "supervisors,social_workers"})
    >>> redcap_logic(inst, inst.item("F2"))
    "[role] = 'supervisors' or [role] = 'social_workers'"
    """
    return " or ".join(f"[role] = '{r.id}'" for r in inst.asked_of(item))


def routing_text(inst: Instrument) -> list[str]:
    """Lines telling a survey tool which statements go to which role groups (display logic per tool)."""
    routed = [i for i in inst.items if i.roles is not None]
    lines = [
        "WHO IS ASKED WHAT",
        "Each group answers only the statements meant for it. Statements not listed below go to everyone.",
        "Set this up in your survey tool:",
        f"- Qualtrics: give each statement below Display Logic: If '{inst.role_question}' <group> Is Selected, "
        "one condition per group listed, joined with Or.",
        "- SurveyMonkey: give each statement below Question Display Logic (paid plans): show it when the role "
        "question's answer is one of the groups listed. Without it, make one copy per group as for Google Forms.",
        "- Google Forms: a question cannot be shown to some groups only. Make one copy of the form per group "
        "with only that group's statements (listed at the end), and import every copy's answers into the same "
        "wave.",
        "- REDCap: name the role field 'role', give it these choices, and paste each statement's branching logic:",
        "  " + " | ".join(f"{r.id}, {r.label}" for r in inst.roles),
        "",
    ]
    for i in routed:
        lines.append(f"[{i.id}] asked of: {', '.join(r.label for r in inst.asked_of(i))}")
        lines.append(f"    REDCap branching logic: {redcap_logic(inst, i)}")
    lines += ["", "EACH GROUP'S STATEMENTS (one Google Forms copy per group)"]
    for r in inst.roles:
        lines.append(f"{r.label}: {' '.join(i.id for i in inst.items_for(r.id))}")
    return lines


def export_printable(inst: Instrument) -> str:
    """A self-contained HTML page to print for people who answer on paper."""
    from .render import render

    return str(render("printable_survey.html.j2", inst=inst))
