"""A run's two artifacts go to the API side by side: the one on a thread of its own still
belongs to the flow run (the caller's context) and its failure is the caller's."""

from __future__ import annotations

import contextvars

import pytest

from newsetl_flows import tasks

RUN = contextvars.ContextVar("run")


def test_a_call_beside_runs_in_the_callers_context_and_raises_its_error():
    RUN.set("run-7")
    seen: list[tuple] = []
    done = tasks._beside(lambda **kwargs: seen.append((RUN.get(), kwargs)), key="a")
    done()
    assert seen == [("run-7", {"key": "a"})]

    def fails() -> None:
        raise RuntimeError("the API said no")

    done = tasks._beside(fails)
    with pytest.raises(RuntimeError, match="the API said no"):
        done()
