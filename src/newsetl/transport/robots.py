"""robots.txt, fetched once per host and run, with Crawl-delay (RFC 9309 semantics).

A robots.txt that does not exist (4xx) allows everything; one that cannot be fetched (5xx,
timeout) disallows the host for this run, as RFC 9309 asks of an unreachable file.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

if TYPE_CHECKING:
    from newsetl.transport.http import Fetcher

MAX_ROBOTS_BYTES = 500_000


class RobotsPolicy:
    def __init__(self, user_agent: str) -> None:
        self.agent = user_agent.split("/")[0]
        self._rules: dict[str, RobotFileParser | str] = {}
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}

    def rules(self, url: str, fetcher: Fetcher, allow_private: bool) -> RobotFileParser | str:
        """The host's rules, or why none could be had (then the host is disallowed)."""
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            host_lock = self._host_locks.setdefault(base, threading.Lock())
        with host_lock:
            if base not in self._rules:
                self._rules[base] = self._load(base, fetcher, allow_private)
            return self._rules[base]

    def _load(self, base: str, fetcher: Fetcher, allow_private: bool) -> RobotFileParser | str:
        from newsetl.transport.http import FetchError

        parser = RobotFileParser(base + "/robots.txt")
        try:
            fetched = fetcher.get(
                base + "/robots.txt",
                allow_private=allow_private,
                robots=False,
                max_bytes=MAX_ROBOTS_BYTES,
            )
        except FetchError as err:
            if err.status is not None and 400 <= err.status < 500:
                parser.allow_all = True
                return parser
            # 5xx: unreachable, disallow (RFC 9309); no answer at all: the host's own failure.
            return "robots.txt unreachable" if err.status is not None else err.reason
        parser.parse(fetched.body.decode("utf-8", errors="replace").splitlines())
        return parser

    def check(
        self, url: str, fetcher: Fetcher, allow_private: bool
    ) -> tuple[bool, float | None, str]:
        """(allowed, crawl delay in seconds, why not)."""
        rules = self.rules(url, fetcher, allow_private)
        if isinstance(rules, str):
            return False, None, rules
        if not rules.can_fetch(self.agent, url):
            return False, None, "robots.txt disallows"
        delay = rules.crawl_delay(self.agent)
        return True, float(delay) if delay is not None else None, ""
