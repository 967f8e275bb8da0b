"""Settings: typed, resolved from NEWSETL_* environment variables, with working defaults."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_SOURCES = PROJECT_ROOT / "examples" / "sources.toml"


class Settings(BaseSettings):
    """Run-time settings; each can be set as NEWSETL_<NAME> in the environment."""

    model_config = SettingsConfigDict(env_prefix="NEWSETL_")

    warehouse: Path = Field(
        Path("warehouse"), description="Folder of the DuckDB file, lake and raw archive."
    )
    sources: Path = Field(
        SAMPLE_SOURCES, description="Sources file (TOML); the bundled sample by default."
    )
    user_agent: str = Field(
        "newsetl/0.1 (+https://github.com/newsetl/newsetl; batch news research)",
        description="User-Agent sent with every request.",
    )
    connect_timeout: float = Field(
        5.0, gt=0, allow_inf_nan=False, description="Seconds to wait for a connection."
    )
    read_timeout: float = Field(
        20.0, gt=0, allow_inf_nan=False, description="Seconds to wait between bytes of a response."
    )
    retries: int = Field(3, ge=0, le=20, description="Retries on connection errors, 429 and 5xx.")
    host_delay: float = Field(
        1.0, ge=0, allow_inf_nan=False, description="Seconds between two requests to the same host."
    )
    max_body_bytes: int = Field(
        10_000_000, ge=1, description="Responses larger than this are refused."
    )
    max_response_seconds: float = Field(
        60.0,
        gt=0,
        allow_inf_nan=False,
        description="A response (connect to last byte, headers included) slower than this is "
        "abandoned.",
    )
    host_concurrency: int = Field(2, ge=1, description="Requests in flight to one host at most.")
    proxy: str | None = Field(
        None,
        description="Proxy URL for every request (http://host:port); empty: direct. HTTP(S)_PROXY "
        "from the environment is never used. Through a proxy, the proxy resolves host names.",
    )
    ca_bundle: Path | None = Field(
        None, description="Extra CA bundle (PEM) to trust; empty: the certifi bundle."
    )
    obey_robots: bool = Field(
        True, description="Honour robots.txt (sources can opt out with robots = false)."
    )
    fetch_workers: int = Field(8, ge=1, description="Sources fetched at the same time.")
    spacy_model: str = Field(
        "newsetl_ner",
        description="spaCy pipeline used for entities: newsetl_ner (ours, shipped inside the "
        "package) or any installed spaCy pipeline name or path.",
    )
    chunk_size: int = Field(
        200, ge=1, description="Pages or articles per extract/enrich chunk at most."
    )
    wave_size: int = Field(
        2000, ge=1, description="Pages processed and loaded together (bounds memory)."
    )
    task_runner: Literal["threads", "dask"] = Field(
        "threads",
        description=(
            "Where the CPU-heavy stages run: local threads, or a Dask cluster (prefect-dask)."
        ),
    )
    cpu_workers: int = Field(
        2,
        ge=1,
        description="Worker processes for extraction and enrichment (1: in the run's own "
        "process), or local Dask workers.",
    )
    dask_address: str | None = Field(
        None, description="Scheduler of an existing Dask cluster; empty: start a local one."
    )
    run_lock_wait: float = Field(
        600.0,
        ge=0,
        allow_inf_nan=False,
        description="Seconds a run waits for another run on the same warehouse before it stops.",
    )
    source_timeout: float = Field(
        1800.0,
        gt=0,
        allow_inf_nan=False,
        description="Seconds one source's discover and fetch may take; past it the source is a "
        "reject.",
    )
    run_timeout: float = Field(
        6 * 3600.0,
        gt=0,
        allow_inf_nan=False,
        description="Seconds a whole flow run may take before Prefect stops it.",
    )
    raw_retention_days: int | None = Field(
        None,
        ge=1,
        description="Maintenance deletes raw responses older than this; empty: keep all.",
    )
    story_window_days: int = Field(
        3, ge=0, description="Days apart that two articles may be one story."
    )
    server_keep_minutes: float = Field(
        15.0,
        ge=0,
        description="Minutes the local Prefect API server a command starts stays up without "
        "requests, for later commands (0: stopped with its command).",
    )

    @field_validator("spacy_model")
    @classmethod
    def _installed_pipeline(cls, name: str) -> str:
        """Checked before a run fetches anything: a mistyped name otherwise fails at the first
        article to enrich, after every page was fetched (spaCy's own error, with a traceback)."""
        if name == "newsetl_ner" or Path(name).is_dir():
            return name
        try:
            installed = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # "a.b" with no package a; "" or a relative name
            installed = False
        if not installed:
            raise ValueError(
                f"no spaCy pipeline '{name}' is installed here (give newsetl_ner, an installed"
                " pipeline's package name, or the path of a pipeline folder)"
            )
        return name


def settings_for_run(
    sources: str | Path | None = None, warehouse: str | Path | None = None
) -> Settings:
    """Settings from the environment, with a run's `sources` and `warehouse` when it names them."""
    overrides: dict[str, Any] = {
        k: v for k, v in (("sources", sources), ("warehouse", warehouse)) if v
    }
    return Settings(**overrides)
