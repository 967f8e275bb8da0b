"""robots.txt as a policy over the bytes the fetcher got, with Crawl-delay (RFC 9309 semantics:
protego applies the `*` and `$` wildcards and the longest-match rule, Allow winning a tie).

The fetcher asks for /robots.txt once per host and run and hands the answer here; nothing in
this module makes a request. A robots.txt that does not exist (4xx) allows everything; one that
cannot be fetched (5xx, timeout) disallows the host for this run, as RFC 9309 asks of an
unreachable file.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

MAX_ROBOTS_BYTES = 500_000


@dataclass(frozen=True)
class RobotsRules:
    """One host's rules for one user agent, or why none could be had (then all is refused)."""

    agent: str
    parser: Protego | None = None
    refusal: str = ""
    allow_all: bool = False
    cause: str = ""  # what asking for /robots.txt met, when it could not be had

    def explain(self, url: str) -> str:
        """A refused URL's detail: the URL, and why /robots.txt could not be had if so."""
        if self.parser is None and not self.allow_all and self.cause:
            return f"{url} (asking for /robots.txt: {self.cause})"
        return url

    def check(self, url: str) -> tuple[bool, float | None, str]:
        """(allowed, crawl delay in seconds, why not)."""
        if self.allow_all:
            return True, None, ""
        if self.parser is None:
            return False, None, self.refusal
        if urlsplit(url).path != "/robots.txt" and not self.parser.can_fetch(url, self.agent):
            return False, None, "robots.txt disallows"
        delay = self.parser.crawl_delay(self.agent)
        return True, float(delay) if delay is not None else None, ""


def robots_agent(user_agent: str) -> str:
    """The product token robots.txt groups are matched against ("newsetl" of "newsetl/0.1 ...")."""
    return user_agent.split("/")[0]


def robots_rules(
    user_agent: str,
    base: str,
    body: bytes | None,
    status: int | None,
    reason: str = "",
    cause: str = "",
) -> RobotsRules:
    """The rules of `base` from what asking for its /robots.txt gave: a body, or an error
    (`status` when a response came back, else the failure's `reason` and its `cause`)."""
    agent = robots_agent(user_agent)
    if body is not None:
        try:
            parser = Protego.parse(body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace"))
        except Exception:  # a file protego cannot read says nothing: allow, as for a 404
            return RobotsRules(agent, allow_all=True)
        return RobotsRules(agent, parser)
    if status is not None and 400 <= status < 500:
        return RobotsRules(agent, allow_all=True)
    # 5xx: unreachable, disallow (RFC 9309); no answer at all: the host's own failure.
    if status is not None:
        return RobotsRules(agent, refusal="robots.txt unreachable", cause=f"http {status}")
    return RobotsRules(agent, refusal=reason, cause=cause)
