"""Settings out of range: a one-line error naming the setting, exit code 2, nothing written."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from newsetl.cli import main
from newsetl.config import Settings

BAD = [
    ("NEWSETL_RETRIES", "-1"),
    ("NEWSETL_FETCH_WORKERS", "0"),
    ("NEWSETL_CONNECT_TIMEOUT", "-5"),
    ("NEWSETL_READ_TIMEOUT", "0"),
    ("NEWSETL_MAX_RESPONSE_SECONDS", "-1"),
    ("NEWSETL_HOST_DELAY", "-0.5"),
    ("NEWSETL_MAX_BODY_BYTES", "0"),
    ("NEWSETL_STORY_WINDOW_DAYS", "-2"),
    ("NEWSETL_HOST_DELAY", "nan"),
    ("NEWSETL_READ_TIMEOUT", "inf"),
    ("NEWSETL_SPACY_MODEL", "en_core_web_smm"),  # no such pipeline: refused before any fetch
    ("NEWSETL_SPACY_MODEL", "no.such_pipeline"),
]


@pytest.mark.parametrize(("name", "value"), BAD)
def test_out_of_range_settings_are_refused(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


@pytest.mark.parametrize(("name", "value"), [*BAD[:3], BAD[-2]])
def test_cli_names_the_bad_setting_and_exits_2(monkeypatch, tmp_path, capsys, name, value):
    monkeypatch.setenv(name, value)
    code = main(["run", "--warehouse", str(tmp_path / "w")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1
    assert name in err
    assert not (tmp_path / "w").exists()


def test_defaults_are_in_range():
    Settings()


@pytest.mark.parametrize("value", ["newsetl_ner", "json", "{here}"])
def test_an_installed_pipeline_or_a_folder_is_accepted(monkeypatch, tmp_path, value):
    monkeypatch.setenv("NEWSETL_SPACY_MODEL", value.format(here=tmp_path))
    assert Settings().spacy_model == value.format(here=tmp_path)
