"""Process-wide settings are made in one module, at the command's start, and a user's own choice wins."""

from __future__ import annotations

import os
import subprocess
import sys

import polars as pl

from audit import settings


def test_the_tests_run_what_users_get():
    from audit.reading import rust

    assert os.environ.get(settings.ENGINE[0]) == settings.ENGINE[1]
    assert rust._silence


def _affinity_seen_by_a_command(env: dict[str, str]) -> str:
    code = ("import os, sys; sys.argv = ['ost-audit', 'rules']; from audit.cli import main\n"
            "try: main()\nexcept SystemExit: print(os.environ.get('POLARS_ENGINE_AFFINITY'), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    return done.stderr.strip().splitlines()[-1]


def test_the_command_sets_the_engine_and_a_users_setting_wins():
    env = {k: v for k, v in os.environ.items() if k != settings.ENGINE[0]}
    assert _affinity_seen_by_a_command(env) == "in-memory"
    assert _affinity_seen_by_a_command({**env, settings.ENGINE[0]: "streaming"}) == "streaming"


def test_applied_after_polars_loaded_polars_is_told(monkeypatch):
    monkeypatch.delenv(settings.ENGINE[0])
    try:
        pl.Config.set_engine_affinity("streaming")
        monkeypatch.delenv(settings.ENGINE[0])
        settings.apply()
        assert os.environ[settings.ENGINE[0]] == "in-memory"
        assert pl.Config.state().get(settings.ENGINE[0]) == "in-memory"
    finally:
        pl.Config.set_engine_affinity("in-memory")
