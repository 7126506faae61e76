"""``orb(capsys, *args)``: the ``orb`` command run in the test's own process, as a user types it."""

from orb_widgets.cli import main


def orb(capsys, *args) -> tuple[int, str, str]:
    """The exit code, output and error output of ``orb args…`` (each argument made a string)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err
