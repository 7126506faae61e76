"""The teams file: who belongs to which county team, and who coordinates.

The coordinator edits it (YAML) and restarts the hub::

    coordinators: [cora]
    coaches: [kim]
    counties:
      Alder Creek County: [ana, abe]
      Bayside County: [ben]

A person is in one county team, or is a coordinator (who sees every county),
or a coach (who runs the webinar series: its events, room links and follow-ups
of every county, and no survey result or packet of any); nobody else can log in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..exceptions import OrbError

COORDINATORS = "coordinators"
COACHES = "coaches"
#: JupyterHub user names: the same letters the hub itself allows, kept simple for a file people edit.
NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")


@dataclass(frozen=True)
class Teams:
    """County team of every member, the coordinators and the coaches."""

    county_of: dict[str, str] = field(default_factory=dict)
    coordinators: frozenset[str] = frozenset()
    coaches: frozenset[str] = frozenset()

    @property
    def users(self) -> set[str]:
        return set(self.county_of) | set(self.coordinators) | set(self.coaches)

    def counties(self) -> list[str]:
        return sorted(set(self.county_of.values()))

    def members(self, county: str) -> list[str]:
        return sorted(u for u, c in self.county_of.items() if c == county)


def read_teams(path: str | Path, known_counties: list[str] | None = None) -> Teams:
    """Read and check a teams file; every mistake is one :class:`OrbError` naming the file and the entry."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except OSError as exc:
        raise OrbError(
            f"{path}: cannot read the teams file ({exc.strerror}); write one with 'orb hub-config'"
        ) from None
    except UnicodeDecodeError as exc:
        raise OrbError(
            f"{path}: the teams file is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
            f"position {exc.start}); save it as UTF-8 in your editor"
        ) from None
    except yaml.YAMLError as exc:
        raise OrbError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    keys = "the file has the keys 'coordinators', 'counties' and (if you like) 'coaches'"
    if not isinstance(data, dict):
        raise OrbError(f"{path}: {keys} (found no keys: is this the teams file?)")
    if set(data) - {COORDINATORS, COACHES, "counties"}:
        found = ", ".join(str(k)[:40] for k in list(data)[:8]) + (" …" if len(data) > 8 else "")
        raise OrbError(f"{path}: {keys} (found: {found})")
    coordinators = data.get(COORDINATORS) or []
    coaches = data.get(COACHES) or []
    counties = data.get("counties") or {}
    if not isinstance(coordinators, list) or not isinstance(coaches, list) or not isinstance(counties, dict):
        raise OrbError(
            f"{path}: 'coordinators' and 'coaches' are lists of names and 'counties' maps a county to a list of names"
        )
    county_of: dict[str, str] = {}
    for county, members in counties.items():
        county = str(county).strip()
        if known_counties is not None and county not in known_counties:
            raise OrbError(
                f"{path}: counties: '{county}' is not a county of the workspace "
                f"(it has: {', '.join(known_counties) or 'none'}); spell it as 'orb counties' does"
            )
        if not isinstance(members, list):
            raise OrbError(f"{path}: counties: '{county}': give its members as a list, e.g. [ana, ben]")
        for name in members:
            name = _checked(path, name, f"counties: '{county}'")
            if name in county_of and county_of[name] != county:
                raise OrbError(
                    f"{path}: '{name}' is in two county teams ({county_of[name]} and {county}); "
                    f"a person works on one county (coordinators see all)"
                )
            county_of[name] = county
    coord = {_checked(path, name, COORDINATORS) for name in coordinators}
    both = sorted(coord & set(county_of))
    if both:
        raise OrbError(
            f"{path}: '{both[0]}' is both a coordinator and in {county_of[both[0]]}'s team; keep them in one place"
        )
    coach = {_checked(path, name, COACHES) for name in coaches}
    for name in sorted(coach):
        if name in coord or name in county_of:
            where = "a coordinator" if name in coord else f"in {county_of[name]}'s team"
            raise OrbError(
                f"{path}: '{name}' is both a coach and {where}; keep them in one place "
                "(a coach sees no survey result, a coordinator sees all)"
            )
    if not coord and not county_of and not coach:
        raise OrbError(f"{path}: nobody is listed; add the coordinators and each county's team members")
    return Teams(county_of, frozenset(coord), frozenset(coach))


def _checked(path: Path, name, where: str) -> str:
    text = str(name).strip().lower()
    if not NAME.match(text):
        raise OrbError(
            f"{path}: {where}: '{name}' is not a log-in name "
            f"(lower-case letters, digits, '.', '_', '-', '@'; at most 64)"
        )
    return text


def example_teams(counties: list[str]) -> str:
    """A teams file to start from: the workspace's counties, with example members to replace."""
    lines = [
        "# Who may log in to the hub, and which county each person sees.",
        "# Coordinators see every county. Coaches run the webinar series (room links, follow-ups)",
        "# and see no survey result. Edit, then restart the hub.",
        f"{COORDINATORS}: [coordinator]",
        f"{COACHES}: []",
        "counties:",
    ]
    for i, county in enumerate(counties, 1):
        lines.append(
            f"  {yaml.safe_dump(county, default_style=None).strip().removesuffix('...').strip()}: [team{i}-member]"
        )
    if not counties:
        lines.append("  {}")
    return "\n".join(lines) + "\n"
