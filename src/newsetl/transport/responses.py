"""What a request gives back: a fetched response, or a FetchError with a short stable reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


class FetchError(Exception):
    """A URL could not be fetched; `reason` is short and stable (it becomes rejects.reason).

    When a response came back (an HTTP error), it travels along so the archive can keep it.
    """

    def __init__(
        self,
        reason: str,
        detail: str = "",
        *,
        status: int | None = None,
        response: Fetched | None = None,
    ) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.status = status
        self.response = response


@dataclass
class Fetched:
    url: str
    final_url: str
    status: int
    content_type: str
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def not_modified(self) -> bool:
        return self.status == 304
