"""The bench's synthetic warehouse: it opens, holds what it says, keeps its search index in term
order (as maintenance does), and a copy of it stands in for generating one."""

from __future__ import annotations

from datetime import date

import duckdb

from benchmarks import scale, synthetic


def test_a_small_synthetic_warehouse_and_its_copy(tmp_path):
    built = synthetic.build(tmp_path / "made", 1_500, end=date(2026, 11, 29))
    assert built["articles"] == 1_500 and built["days"] == 30
    con = duckdb.connect(str(tmp_path / "made" / "newsetl.duckdb"), read_only=True)
    con.execute("set threads = 1")  # storage order
    terms = [t for (t,) in con.execute("select term from pipeline.search_postings").fetchall()]
    sorted_state = con.execute("select postings from pipeline.search_sorted").fetchall()
    con.close()
    assert terms and terms == sorted(terms) and sorted_state == [(len(terms),)]

    copied = scale.copy_prebuilt(tmp_path / "made", tmp_path / "copy")
    assert copied["articles"] == 1_500
    assert copied["first_date"] == built["first_date"] and copied["last_date"] <= "2026-11-29"
