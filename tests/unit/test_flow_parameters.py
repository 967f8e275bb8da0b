"""A command's flow run stores its parameters as Prefect would, without importing FastAPI for
Prefect's encoder when they are plain JSON values (0.2 s of every run with nothing new)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

from prefect import flow

from newsetl_flows.parameters import plain_parameters_as_they_are


def test_plain_values_are_stored_as_prefect_stores_them():
    @flow
    def general(a=None, b=None, c=None, d=None, e=None):
        return None

    plain = plain_parameters_as_they_are(flow(general.fn, name="plain"))
    values = {"a": "sources.toml", "b": None, "c": 3, "d": 0.5, "e": True}
    assert plain.serialize_parameters(values) == general.serialize_parameters(values) == values
    dated = {"a": date(2026, 11, 30), "b": "x"}  # not plain: Prefect's encoder, same answer
    assert plain.serialize_parameters(dated) == general.serialize_parameters(dated)
    assert plain.serialize_parameters(dated) == {"a": "2026-11-30", "b": "x"}


def test_the_command_flows_serialize_a_command_s_parameters_without_fastapi():
    code = (
        "import sys\n"
        "from newsetl_flows.ingest import ingest\n"
        "from newsetl_flows.maintenance import maintenance\n"
        "from newsetl_flows.reprocess import reprocess\n"
        "for flow, values in (\n"
        "    (ingest, {'sources': 's.toml', 'warehouse': None, 'max_articles_per_source': 5}),\n"
        "    (reprocess, {'warehouse': 'wh', 'sources': None}),\n"
        "    (maintenance, {'warehouse': 'wh', 'raw_retention_days': 30}),\n"
        "):\n"
        "    assert flow.serialize_parameters(values) == values\n"
        "print('fastapi' in sys.modules)\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert found.stdout.strip() == "False"
