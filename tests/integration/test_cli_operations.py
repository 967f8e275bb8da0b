"""`newsetl backfill --from --to` and `newsetl maintenance`: the deployments' flows from the
command line, with one-line errors for bad arguments."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from newsetl.cli import main
from tests.conftest import expected_articles, sources_for
from tests.invariants import assert_lake_matches_duckdb

pytestmark = pytest.mark.slow


def test_backfill_from_the_command_line(sample_site, prefect_harness, tmp_path, capsys):
    code = main(
        [
            "backfill",
            "--from",
            "2026-11-19",
            "--to",
            "2026-11-20",
            "--sources",
            str(sources_for(sample_site, tmp_path / "s.toml")),
            "--warehouse",
            str(tmp_path / "wh"),
        ]
    )
    out = capsys.readouterr().out
    expected = [
        a for a in expected_articles() if "2026-11-19" <= a["published_at"][:10] <= "2026-11-20"
    ]
    assert code == 0
    assert f"{len(expected)} new articles" in out
    with duckdb.connect(str(tmp_path / "wh" / "newsetl.duckdb"), read_only=True) as con:
        assert con.execute("select flow from runs").fetchall() == [("backfill",)]
    assert_lake_matches_duckdb(tmp_path / "wh")


def test_maintenance_from_the_command_line(sample_warehouse, prefect_harness, tmp_path, capsys):
    warehouse = tmp_path / "wh"
    shutil.copytree(sample_warehouse, warehouse)
    assert main(["maintenance", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "compacted" in out and "DuckDB checkpointed" in out
    assert_lake_matches_duckdb(warehouse)


@pytest.mark.parametrize(
    "argv",
    [
        ["backfill", "--from", "2026-11-20", "--to", "2026-11-19"],
        ["backfill", "--from", "yesterday", "--to", "2026-11-19"],
        ["backfill", "--to", "2026-11-19"],
        ["maintenance", "--raw-retention-days", "0"],
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(argv, tmp_path, capsys):
    try:
        code = main([*argv, "--warehouse", str(tmp_path / "wh")])
    except SystemExit as exit_info:  # argparse's own errors
        code = exit_info.code
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err and err[-1].startswith(("newsetl: error:", "newsetl backfill: error:"))
    assert not (tmp_path / "wh" / "raw").exists()
