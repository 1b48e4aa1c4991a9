"""config.yaml's `display` section (spoken calls): off by default, and a bad value located."""
from __future__ import annotations

import shutil

from deskapp.config.load import check_config
from tests.conftest import CONFIG


def test_announce_is_off_by_default(config):
    assert config.display.announce is False and config.display.voice == "en"


def test_a_bad_display_section_is_reported_where_it_is(tmp_path):
    shutil.copy(CONFIG.parent / "workflows.yaml", tmp_path / "workflows.yaml")
    text = CONFIG.read_text(encoding="utf-8")
    lines = text.count("\n")
    (tmp_path / "config.yaml").write_text(text + "display:\n  announce: perhaps\n  voice: en us\n", encoding="utf-8")
    config, errors = check_config(tmp_path / "config.yaml")
    assert config is None
    found = [(e.line, e.col) for e in errors]
    assert found == [(lines + 2, 13), (lines + 3, 10)], [f"{e.line}:{e.col}: {e.message}" for e in errors]
