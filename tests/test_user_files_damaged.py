"""Other files a person hands to ``orb``, damaged: one line naming the file, exit 2, never a traceback.

A county's own content pack (``orb frameworks --items FOLDER``, ``orb
instrument create --framework FOLDER``) and the hub's teams file
(``orb hub-config --teams FILE``). Survey exports are in
``test_importers_damaged.py``.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from orb_cli import orb

from orb_widgets.content import _raw_pack
from orb_widgets.exceptions import OrbError
from orb_widgets.hub.teams import read_teams

PACK = Path(__file__).parent.parent / "data" / "cpm-orb" / "pack.yaml"


def one_line(err: str, path: Path) -> str:
    lines = [x for x in err.splitlines() if x.strip()]
    assert "Traceback" not in err and len(lines) == 1, err
    assert lines[0].startswith("orb: ") and str(path) in lines[0], lines[0]
    return lines[0]


def damaged_pack(tmp_path: Path, data: bytes) -> Path:
    folder = tmp_path / "our-pack"
    folder.mkdir()
    (folder / "pack.yaml").write_bytes(data)
    _raw_pack.cache_clear()
    return folder


@pytest.mark.parametrize(
    "damage, words",
    [
        (
            lambda b: b.replace(b"Organizational", "Organizational café".encode("latin-1"), 1),
            ["not UTF-8 text", "byte 0xe9 on line", "save it as UTF-8"],
        ),
        (lambda b: b[:5000] + b"\x00" + b[5000:], ["not valid YAML at line", "#x0000", "delete it"]),
        (lambda b: b[:5000] + b"\x7f" + b[5000:], ["not valid YAML at line", "#x007f"]),
        (lambda b: b"\xff\xfe" + b, ["not UTF-8 text", "byte 0xff on line 1"]),
    ],
)
def test_a_pack_file_that_is_not_yaml_text_is_named_in_one_line(damage, words, capsys, tmp_path):
    folder = damaged_pack(tmp_path, damage(PACK.read_bytes()))
    code, _, err = orb(capsys, "frameworks", "--items", folder)
    assert code == 2
    line = one_line(err, folder / "pack.yaml")
    for w in words:
        assert w in line, (w, line)


def test_a_pack_file_that_is_a_folder_is_named(capsys, tmp_path):
    (tmp_path / "our-pack" / "pack.yaml").mkdir(parents=True)
    _raw_pack.cache_clear()
    code, _, err = orb(capsys, "frameworks", "--items", tmp_path / "our-pack")
    assert code == 2 and "cannot be read" in one_line(err, tmp_path / "our-pack" / "pack.yaml")


@pytest.mark.parametrize("k", range(60))
def test_a_pack_file_with_flipped_bytes_loads_or_is_refused_in_one_line(k, capsys, tmp_path):
    rng = random.Random(k)
    data = bytearray(PACK.read_bytes())
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    folder = damaged_pack(tmp_path, bytes(data))
    code, _, err = orb(capsys, "frameworks", "--items", folder)
    assert code in (0, 2), err
    if code == 2:
        one_line(err, folder / "pack.yaml")


@pytest.mark.parametrize(
    "data, words",
    [
        ("coordinators: [ana]\ncounties:\n  Alder: [bén]\n".encode("latin-1"), ["not UTF-8 text", "0xe9"]),
        ("coordinators: [ana]\n".encode("utf-16"), ["not UTF-8 text", "0xff"]),
        (b"coordinators: [ana\x00]\n", ["not valid YAML"]),
        (random.Random(3).randbytes(300), ["teams file"]),
        (b"yyyy", ["found no keys", "is this the teams file?"]),
        (b"\n".join(b"key%d: 1" % k for k in range(40)), ["found: key0, key1", "key7 …)"]),
    ],
    ids=["latin-1", "utf-16", "nul", "random bytes", "a word", "forty keys"],
)
def test_a_teams_file_that_is_not_yaml_text_is_one_error(data, words, tmp_path):
    path = tmp_path / "teams.yaml"
    path.write_bytes(data)
    with pytest.raises(OrbError) as err:
        read_teams(path)
    message = str(err.value)
    assert "\n" not in message and message.startswith(str(path))
    for w in words:
        assert w in message, (w, message)


def test_the_shipped_pack_still_loads(capsys, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(PACK.parent, folder)
    _raw_pack.cache_clear()
    code, out, err = orb(capsys, "frameworks", "--items", folder)
    assert code == 0 and out.count("\n") > 20, err
