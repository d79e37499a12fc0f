"""Find the data folders (`schemas/`, `templates/`) in a checkout or an installed wheel."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """The wheel puts the folders inside the package; a checkout keeps them at the top."""
    for candidate in (_HERE / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"ost-audit is installed without its {name}/ folder")


def load_yaml(text: str):
    """Safe YAML, with PyYAML's C loader where it has one (start-up time matters on every run)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # a safe loader either way
