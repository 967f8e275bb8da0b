"""robots.txt by RFC 9309: a pure policy over the file's bytes (`RobotsRules`, parsed by
protego: `*` and `$` wildcards, longest match wins, Allow wins a tie), and the per-run cache
that fetches each host's file once (`RobotsPolicy`).

A robots.txt that does not exist (4xx) allows everything; one that cannot be fetched (5xx,
timeout) disallows the host for this run, as RFC 9309 asks of an unreachable file.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from protego import Protego

if TYPE_CHECKING:
    from newsetl.fetch.http import Fetcher

MAX_ROBOTS_BYTES = 500_000  # RFC 9309 asks parsers to read at least 500 KiB


@dataclass(frozen=True)
class RobotsRules:
    """What one robots.txt allows one user agent: pure, no network."""

    parser: Protego | None  # None: everything is allowed (no robots.txt)
    agent: str

    @classmethod
    def parse(cls, body: bytes, agent: str) -> RobotsRules:
        text = body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        try:
            return cls(Protego.parse(text), agent)
        except Exception:  # a file protego cannot read: treat it as silent (allow all)
            return cls(None, agent)

    @classmethod
    def allow_all(cls, agent: str) -> RobotsRules:
        return cls(None, agent)

    def allowed(self, url: str) -> bool:
        if self.parser is None:
            return True
        parts = urlsplit(url)
        if parts.path in ("/robots.txt",):
            return True  # RFC 9309 2.2.2: the file itself is always allowed
        return bool(self.parser.can_fetch(url, self.agent))

    def crawl_delay(self) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(self.agent)
        return float(delay) if delay is not None else None


class RobotsPolicy:
    def __init__(self, user_agent: str) -> None:
        self.agent = user_agent.split("/")[0]
        self._rules: dict[str, RobotsRules | str] = {}
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}

    def rules(self, url: str, fetcher: Fetcher, allow_private: bool) -> RobotsRules | str:
        """The host's rules, or why none could be had (then the host is disallowed)."""
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            host_lock = self._host_locks.setdefault(base, threading.Lock())
        with host_lock:
            if base not in self._rules:
                self._rules[base] = self._load(base, fetcher, allow_private)
            return self._rules[base]

    def _load(self, base: str, fetcher: Fetcher, allow_private: bool) -> RobotsRules | str:
        from newsetl.fetch.http import FetchError

        try:
            fetched = fetcher.get(
                base + "/robots.txt",
                allow_private=allow_private,
                robots=False,
                max_bytes=MAX_ROBOTS_BYTES,
            )
        except FetchError as err:
            if err.status is not None and 400 <= err.status < 500:
                return RobotsRules.allow_all(self.agent)
            # 5xx: unreachable, disallow (RFC 9309); no answer at all: the host's own failure.
            return "robots.txt unreachable" if err.status is not None else err.reason
        return RobotsRules.parse(fetched.body, self.agent)

    def check(
        self, url: str, fetcher: Fetcher, allow_private: bool
    ) -> tuple[bool, float | None, str]:
        """(allowed, crawl delay in seconds, why not)."""
        rules = self.rules(url, fetcher, allow_private)
        if isinstance(rules, str):
            return False, None, rules
        if not rules.allowed(url):
            return False, None, "robots.txt disallows"
        return True, rules.crawl_delay(), ""
