"""The README documents every command, and only real ones; its first lines are the two make commands."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from audit.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def commands() -> set[str]:
    import typer.main

    return set(typer.main.get_command(app).commands)


def test_every_command_is_documented_and_every_documented_command_exists():
    documented = set(re.findall(r"`ost-audit (\w+)", " ".join(re.findall(r"^### .*$", README, re.M))))
    assert documented == commands()


def test_every_command_has_help():
    for name in commands():
        result = CliRunner().invoke(app, [name, "--help"])
        assert result.exit_code == 0 and "Usage" in result.stdout


def test_readme_starts_with_the_two_make_commands():
    first_block = README.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_the_layout_table_names_every_stage_folder():
    audit = Path(__file__).resolve().parent.parent / "audit"
    folders = {p.name for p in audit.iterdir() if (p / "__init__.py").is_file()}
    assert set(re.findall(r"^\| `audit/(\w+)/` \|", README, re.M)) == folders
