"""Where the files shipped with ORB are: content packs, workbook notebooks, templates.

The repository keeps them in its top-level ``data/``, ``notebooks/`` and
``templates/`` folders; the build (``pyproject.toml``) maps them into the
wheel as ``orb_widgets/_shipped/data`` and so on. Every module finds them
here, through :mod:`importlib.resources`, so an installed package and a
source checkout (or an editable install) work alike.

>>> (shipped("data") / "cpm-orb" / "pack.yaml").is_file()
True
>>> (shipped("templates") / "voila-orb" / "index.html.j2").is_file()
True
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from .exceptions import OrbError

#: The folders shipped with the package, by the name they have in the repository.
SHIPPED = ("data", "notebooks", "templates")


def package_dir(package: str = "orb_widgets") -> Path:
    """A package's folder on disk (ORB is installed unzipped, as pip installs wheels)."""
    folder = importlib.resources.files(package)
    if not isinstance(folder, Path):
        raise OrbError(f"{package} is installed inside an archive ({folder}); install it with pip, unzipped")
    return folder


def import_root() -> Path:
    """The folder ``orb_widgets`` is imported from (site-packages, or a source checkout)."""
    return package_dir().parent


def shipped(name: str) -> Path:
    """The shipped folder ``name`` (one of :data:`SHIPPED`): inside the package when installed
    from a wheel, else the source checkout's top-level folder of that name."""
    if name not in SHIPPED:
        raise ValueError(f"{name!r} is not shipped; choose one of {', '.join(SHIPPED)}")
    inside = package_dir() / "_shipped" / name
    if inside.is_dir():
        return inside
    checkout = import_root() / name  # a source checkout or an editable install
    if checkout.is_dir() and (import_root() / "pyproject.toml").is_file():
        return checkout
    raise OrbError(
        f"this installation of ORB has no {name}/ folder (looked in {inside}); reinstall the package from its wheel"
    )
