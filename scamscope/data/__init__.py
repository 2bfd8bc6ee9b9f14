"""Detection knowledge lives here, in TOML files with provenance (see each file's header)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def load(name: str) -> dict[str, Any]:
    """Load ``scamscope/data/<name>.toml`` (cached; treat the result as read-only)."""
    ref = resources.files(__package__).joinpath(f"{name}.toml")
    with ref.open("rb") as fh:
        return tomllib.load(fh)
