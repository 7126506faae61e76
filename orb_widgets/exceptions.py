"""Every error a person can cause derives from :class:`OrbError`.

Each subclass says when it is raised and carries the fields a message needs;
``str(err)`` is one line that names the file, row, column or key and says what
to do. The command line prints that line and exits non-zero, without a
traceback.
"""

from __future__ import annotations


class OrbError(Exception):
    """Root of all ORB Workbook errors that are a person's to fix."""

    exit_code = 2

    def __init__(self, message: str, **fields):
        super().__init__(message)
        self.message = message
        self.fields = fields

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        # Subclasses take other arguments than the message; rebuild from the finished
        # message and fields so an error survives pickling (a packet worker's, say).
        return _rebuild, (type(self), self.message, self.fields)


def _rebuild(cls, message: str, fields: dict) -> "OrbError":
    err = cls.__new__(cls)
    OrbError.__init__(err, message, **fields)
    return err


class PackError(OrbError):
    """A content pack file is missing, malformed or inconsistent."""

    def __init__(self, path, key: str, problem: str):
        where = f"{path}" + (f", key '{key}'" if key else "")
        super().__init__(f"{where}: {problem}", path=str(path), key=key, problem=problem)


class InstrumentError(OrbError):
    """A tailored instrument asks for something its framework does not have."""


class WorkspaceError(OrbError):
    """The workspace folder or database cannot be used as it is."""


class UnknownCounty(OrbError):
    """A county (municipality, school: a framework's unit) name that the workspace does not hold."""

    def __init__(self, name: str, known: list[str]):
        hint = (
            f" It holds: {', '.join(known[:8])}{' …' if len(known) > 8 else ''}."
            if known
            else " Create it first with 'orb instrument create --county NAME'."
        )
        super().__init__(f"no county, municipality or school named '{name}' in this workspace.{hint}", county=name)


class NoInstrument(OrbError):
    """A county has no tailored instrument yet."""

    def __init__(self, county: str):
        super().__init__(
            f"county '{county}' has no assessment yet: run "
            f"'orb instrument create --county \"{county}\" --framework cpm-orb' first.",
            county=county,
        )


class ImportFileError(OrbError):
    """A survey export cannot be imported; nothing from it was stored."""

    def __init__(self, path, problem: str, row: int | None = None, column: str | None = None, value: object = None):
        parts = [str(path)]
        if row is not None:
            parts.append(f"row {row}")
        if column is not None:
            parts.append(f"column '{column}'")
        where = ", ".join(parts)
        shown = "" if value is None else f" (value: {str(value)[:60]!r})"
        # A file or part name, a header or a library's message read from a damaged file may hold line
        # breaks or terminal control codes; the message stays one line that prints as it reads.
        super().__init__(
            one_line(f"{where}: {problem}{shown}. Nothing was imported."),
            path=str(path),
            row=row,
            column=column,
            value=value,
        )


def one_line(text: str) -> str:
    """``text`` with every character that does not print (line breaks, tabs, control codes) escaped.

    >>> one_line("part 'x\\n/sheet1.xml'\\x1b[2J")
    "part 'x\\\\x0a/sheet1.xml'\\\\x1b[2J"
    """
    return "".join(
        ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}" for ch in text
    )


class InvalidValue(OrbError):
    """A value sent to the form or workbook is not one it accepts (checked server-side)."""


class StaleEdit(OrbError):
    """Someone else saved this entry after it was opened; reload to see their change."""


class PacketError(OrbError):
    """A packet run could not start (bad output folder, unknown county, …)."""
