"""Polite HTTP: timeouts, retries with backoff, per-host delay, size limits, network safety."""

from __future__ import annotations

import ipaddress
import math
import random
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests

from newsetl.config import Settings

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 60.0
HOST_FAILURE_LIMIT = 3
KEPT_HEADERS = ("content-type", "content-language", "last-modified", "etag", "date", "location")


class FetchError(Exception):
    """A URL could not be fetched; `reason` is short and stable (it becomes rejects.reason)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class Fetched:
    url: str
    final_url: str
    status: int
    content_type: str
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime


def is_private_host(host: str) -> bool:
    """True when the host resolves to a loopback, private, link-local or reserved address."""
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return False  # unresolvable: the request itself will fail with a clear reason
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if (address.is_private or address.is_loopback or address.is_link_local
                or address.is_reserved or address.is_multicast or address.is_unspecified):
            return True
    return False


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds asked by a Retry-After header (delta or HTTP date), capped."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # "-0000" or no zone: HTTP dates are GMT
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class Fetcher:
    """One HTTP client for a run: shared session, per-host pacing and failure memory."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.session = requests.Session()
        self.session.headers["User-Agent"] = settings.user_agent
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._last_request: dict[str, float] = {}
        self._host_failures: dict[str, int] = {}

    def get(self, url: str, *, allow_private: bool = False, delay: float | None = None,
            accept: tuple[str, ...] = ()) -> Fetched:
        """GET a URL, following redirects by hand so that every hop is checked."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            response = self._get_once(current, allow_private=allow_private, delay=delay)
            if response.is_redirect and response.headers.get("location"):
                current = urljoin(current, response.headers["location"])
                response.close()
                continue
            return self._read(url, current, response, accept)
        raise FetchError("too many redirects", f"more than {MAX_REDIRECTS} from {url}")

    def _get_once(self, url: str, *, allow_private: bool, delay: float | None) -> requests.Response:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("bad url", url)
        host = parts.hostname
        if not allow_private and is_private_host(host):
            raise FetchError("private network refused", f"{host} is a private, loopback or link-local address")
        if self._host_failures.get(host, 0) >= HOST_FAILURE_LIMIT:
            raise FetchError("host skipped", f"{host} failed {HOST_FAILURE_LIMIT} times in this run")
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            self._pace(host, self.settings.host_delay if delay is None else delay)
            try:
                response = self.session.get(
                    url, stream=True, allow_redirects=False,
                    timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                )
            except requests.Timeout as err:
                failure = FetchError("timeout", str(err)[:300])
                wait = None
            except requests.RequestException as err:
                failure = FetchError("connection error", str(err)[:300])
                wait = None
            else:
                if response.status_code not in RETRY_STATUSES:
                    self._host_failures[host] = 0
                    return response
                failure = FetchError(f"http {response.status_code}", url)
                wait = retry_after_seconds(response.headers.get("retry-after"))
                response.close()
            if attempt + 1 < attempts:
                time.sleep(wait if wait is not None else min(0.5 * 2**attempt, 10.0) + random.uniform(0, 0.25))
        with self._lock:
            self._host_failures[host] = self._host_failures.get(host, 0) + 1
        raise failure

    def _pace(self, host: str, delay: float) -> None:
        with self._lock:
            host_lock = self._host_locks.setdefault(host, threading.Lock())
        with host_lock:
            wait = self._last_request.get(host, 0.0) + delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last_request[host] = time.monotonic()

    def _read(self, url: str, final_url: str, response: requests.Response,
              accept: tuple[str, ...]) -> Fetched:
        with response:
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if response.status_code >= 400:
                raise FetchError(f"http {response.status_code}", final_url)
            if accept and content_type and not any(kind in content_type for kind in accept):
                raise FetchError("wrong content type", content_type)
            limit = self.settings.max_body_bytes
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise FetchError("too large", f"content-length {declared} > {limit}")
            chunks, size = [], 0
            try:
                # iter_content decodes gzip/deflate: the limit also bounds decompressed size.
                for chunk in response.iter_content(65536):
                    size += len(chunk)
                    if size > limit:
                        raise FetchError("too large", f"more than {limit} bytes")
                    chunks.append(chunk)
            except requests.RequestException as err:
                raise FetchError("connection error", str(err)[:300]) from None
            headers = {k: v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}
            return Fetched(url=url, final_url=final_url, status=response.status_code,
                           content_type=content_type, headers=headers, body=b"".join(chunks),
                           fetched_at=datetime.now(UTC))
