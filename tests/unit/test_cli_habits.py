"""Small command-line and console habits: Prefect's notes that say nothing to a user are
dropped, a query may start with NOT's "-"."""

from __future__ import annotations

import logging

from newsetl.cli import quiet_prefect


def test_the_events_workers_note_at_exit_is_dropped_and_its_other_warnings_kept(caplog):
    quiet_prefect()
    worker = logging.getLogger("EventsWorker")
    with caplog.at_level(logging.WARNING, logger="EventsWorker"):
        worker.warning("Still processing items: 1 items remaining...")
        worker.warning("Failed to send events")
    assert [r.getMessage() for r in caplog.records] == ["Failed to send events"]


def test_prefects_usage_data_is_off_unless_the_user_says_otherwise(monkeypatch):
    from prefect._internal.analytics.enabled import is_telemetry_enabled

    monkeypatch.setenv("DO_NOT_TRACK", "")  # recorded, so that the test leaves it as it was
    monkeypatch.delenv("DO_NOT_TRACK")  # Prefect's own CI check would hide the setting
    monkeypatch.setattr("prefect._internal.analytics.enabled.is_ci_environment", lambda: False)
    quiet_prefect()
    assert not is_telemetry_enabled()
    monkeypatch.setenv("DO_NOT_TRACK", "0")  # the user's own choice stands
    quiet_prefect()
    assert is_telemetry_enabled()


def test_a_query_that_starts_with_not_is_a_query_not_an_option():
    from newsetl.cli import build_parser, queries_as_written

    argv = queries_as_written(["search", "-sport rates", "--limit", "5", "-h"])
    assert argv == ["search", " -sport rates", "--limit", "5", "-h"]
    args = build_parser().parse_args(queries_as_written(["search", "-sport", "--limit", "5"]))
    assert (args.query.strip(), args.limit) == ("-sport", 5)
    report = queries_as_written(["report", "--query", "-sport", "--out", "r.html"])
    assert report == ["report", "--query", " -sport", "--out", "r.html"]
    assert queries_as_written(["sql", "-x"]) == ["sql", "-x"]  # other commands as they were


def test_a_serve_port_another_program_holds_is_one_line_before_the_run(tmp_path, capsys):
    import socket

    from newsetl.cli import main

    (tmp_path / "site").mkdir()
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        sources = tmp_path / "sources.toml"
        sources.write_text(
            f'[serve]\nroot = "site"\nport = {port}\n[[sources]]\nname = "s"\nkind = "urls"\n'
            f'urls = ["http://127.0.0.1:{port}/a.html"]\nallow_private_network = true\n'
        )
        code = main(["run", "--sources", str(sources), "--warehouse", str(tmp_path / "wh")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"127.0.0.1:{port}: Address already in use (the sources file's [serve] port)" in err
    assert not (tmp_path / "wh").exists()  # nothing written, no run recorded


def test_an_unknown_option_is_shown_with_its_commands_usage(capsys):
    import pytest

    from newsetl.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["run", "--sourcs", "x.toml"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.startswith("usage: newsetl run ") and "--sources SOURCES" in err
    assert err.rstrip().endswith("newsetl run: error: unrecognized arguments: --sourcs x.toml")


def test_every_setting_is_named_in_some_commands_help():
    from newsetl.cli import build_parser
    from newsetl.config import Settings

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    helps = "\n".join(sub.format_help() for sub in commands.values())
    missing = [n for n in Settings.model_fields if f"NEWSETL_{n.upper()}" not in helps]
    assert missing == []
    assert "NEWSETL_WARM_RUNNER" in commands["run"].format_help()


def test_backfill_takes_the_options_of_run_and_says_what_its_dates_are():
    from datetime import date

    from newsetl.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["backfill", "--from", "2026-11-01", "--to", "2026-11-07", "--json"])
    assert (args.start, args.end, args.json, args.quiet) == (
        date(2026, 11, 1),
        date(2026, 11, 7),
        True,
        False,
    )
    assert "last publication day to take, included (YYYY-MM-DD)" in " ".join(
        parser._subparsers._group_actions[0].choices["backfill"].format_help().split()  # type: ignore[union-attr]
    )


def test_refusals_use_the_words_the_user_typed(tmp_path, capsys):
    import pytest

    from newsetl.cli import main

    (tmp_path / "a-file").write_text("x")
    assert main(["status", "--warehouse", str(tmp_path)]) == 2  # no warehouse there yet
    capsys.readouterr()
    assert main(["run", "--warehouse", str(tmp_path / "a-file")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert main(["sql", "install httpfs", "--warehouse", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip().endswith("not INSTALL or LOAD")
    with pytest.raises(SystemExit):
        main(["search", "x", "--limit", "-5"])
    assert "'-5' is not a positive whole number" in capsys.readouterr().err


def test_ctrl_c_is_one_line_and_exit_code_130_wherever_it_lands(monkeypatch, capsys):
    import newsetl.cli as cli
    import newsetl.warm as warm

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(warm.sys, "argv", ["newsetl", "status"])
    monkeypatch.setattr(cli, "_main", interrupted)  # in the command proper
    assert warm.run_command() == 130
    assert capsys.readouterr().err.splitlines() == [warm.INTERRUPTED]
    assert warm._run(["status"]) == 130  # in a warm runner's child
    assert capsys.readouterr().err.splitlines() == [warm.INTERRUPTED]
    monkeypatch.setattr(warm, "_run_command", interrupted)  # during its imports
    assert warm.run_command() == 130
    assert capsys.readouterr().err.splitlines() == [warm.INTERRUPTED]


def test_progress_bars_end_full_and_fetching_ends_when_extraction_starts():
    import io

    from rich.console import Console

    from newsetl.console import Bars

    bars = Bars(Console(file=io.StringIO(), force_terminal=True))

    def task(stage):
        return next(t for t in bars.bars.tasks if t.description == stage)

    bars.update("fetch", advance=3, unit="pages")
    assert task("fetch").total is None  # how many pages come is not known while fetching
    bars.update("extract", add_total=3, unit="pages")
    assert task("fetch").finished and task("fetch").total == 3  # its clock stopped there
    bars.update("load", advance=2, unit="articles")
    bars.finish_all()
    assert task("load").finished and task("load").total == 2
    assert not task("extract").finished  # a stage with a total ends by its own count
