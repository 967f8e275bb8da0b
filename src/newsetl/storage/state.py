"""Validators (ETag, Last-Modified) of feeds and sitemaps, for conditional GET next run.

Besides the validators, the digest of the body: a server that sends no validators (or ignores
them) and serves a feed again byte for byte gets the same answer as a 304, without the feed
being parsed again. A feed some of whose pages a run left for later (failed in a way the next
run asks again, past the source's max_articles, outside a backfill's window) is forgotten, so
that the next run reads it whole and finds those pages.

A small JSON file inside the raw archive it vouches for (DIR/raw/conditional-get.json): a
cache, not a record - losing it costs one full fetch; deleting the archive deletes it too, so a
fresh archive is never told "not modified" about documents it does not hold.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from pathlib import Path

STATE_NAME = "conditional-get.json"
DIGEST = "sha256"  # the key of the body's digest, beside the validators


def state_path(raw_dir: Path) -> Path:
    return raw_dir / STATE_NAME


class ConditionalCache:
    """Validators from earlier runs; this run's new ones count only once `save` commits them.

    So a retried task in the same run never gets a 304 for a document whose items it has not
    archived yet.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._pending: dict[str, dict[str, str] | None] = {}
        try:
            self._entries: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self._entries = {}

    def validators(self, url: str) -> dict[str, str] | None:
        kept = {k: v for k, v in self._entries.get(url, {}).items() if k != DIGEST}
        return kept or None

    def unchanged(self, url: str, body: bytes) -> bool:
        """Whether `body` is byte for byte what an earlier run got from `url` and vouched for."""
        digest = self._entries.get(url, {}).get(DIGEST)
        return digest is not None and digest == _digest(body)

    def remember(
        self, url: str, status: int, headers: dict[str, str], body: bytes | None = None
    ) -> None:
        if status == 304:
            return  # unchanged: the validators we sent still hold
        kept = {k: headers[k] for k in ("etag", "last-modified") if headers.get(k)}
        if body:
            kept[DIGEST] = _digest(body)
        with self._lock:
            self._pending[url] = kept or None

    def forget(self, urls: list[str]) -> None:
        """Vouch for none of `urls` once saved: the next run asks for them whole."""
        with self._lock:
            for url in urls:
                self._pending[url] = None

    def save(self) -> None:
        with self._lock:
            for url, kept in self._pending.items():
                if kept:
                    self._entries[url] = kept
                else:
                    self._entries.pop(url, None)
            self._pending.clear()
            text = json.dumps(self._entries, indent=1, sort_keys=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.path)


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
