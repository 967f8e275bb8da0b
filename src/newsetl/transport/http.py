"""Polite HTTP: robots.txt, per-host pacing and concurrency, timeouts, retries with backoff,
conditional GET, streamed size limits, and refusal of private-network targets."""

from __future__ import annotations

import ipaddress
import math
import random
import socket
import threading
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests

from newsetl.config import Settings
from newsetl.transport.responses import Fetched, FetchError
from newsetl.transport.robots import MAX_ROBOTS_BYTES, RobotsRules, robots_rules

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 60.0
HOST_FAILURE_LIMIT = 3
ERROR_BODY_BYTES = 65_536
KEPT_HEADERS = (
    "content-type",
    "content-language",
    "content-length",
    "last-modified",
    "etag",
    "date",
    "location",
    "retry-after",
    "cache-control",
)


def is_private_host(host: str) -> bool:
    """True when the host resolves to a loopback, private, link-local or reserved address."""
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return False  # unresolvable: the request itself will fail with a clear reason
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_reserved
            or address.is_multicast
            or address.is_unspecified
        ):
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
    """One HTTP client for a run: shared session, robots rules, per-host pacing and failures."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.session = requests.Session()
        self.session.headers["User-Agent"] = settings.user_agent
        self._robots: dict[str, RobotsRules] = {}
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._host_slots: dict[str, threading.BoundedSemaphore] = {}
        self._last_request: dict[str, float] = {}
        self._host_failures: dict[str, int] = {}

    def get(
        self,
        url: str,
        *,
        allow_private: bool = False,
        delay: float | None = None,
        accept: tuple[str, ...] = (),
        validators: dict[str, str] | None = None,
        robots: bool = True,
        max_bytes: int | None = None,
    ) -> Fetched:
        """GET a URL, following redirects by hand so that every hop is checked.

        `validators` ({"etag": ..., "last-modified": ...}) make it a conditional GET: an
        unchanged resource comes back as a Fetched with status 304 and no body.
        """
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            self._check_target(current, allow_private)
            pace = delay
            if robots:
                allowed, crawl_delay, why = self.robots_rules(current, allow_private).check(current)
                if not allowed:
                    raise FetchError(why, current)
                if crawl_delay is not None:
                    pace = max(crawl_delay, self.settings.host_delay if delay is None else delay)
            host = urlsplit(current).hostname or ""
            with self._slot(host):
                response = self._get_once(
                    current, allow_private=allow_private, delay=pace, validators=validators
                )
                if response.is_redirect and response.headers.get("location"):
                    current = urljoin(current, response.headers["location"])
                    response.close()
                    continue
                return self._read(
                    url, current, response, accept, max_bytes or self.settings.max_body_bytes
                )
        raise FetchError("too many redirects", f"more than {MAX_REDIRECTS} from {url}")

    def robots_rules(self, url: str, allow_private: bool) -> RobotsRules:
        """The rules of the URL's host, asked for once per run (other threads wait for them)."""
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            host_lock = self._host_locks.setdefault("robots " + base, threading.Lock())
        with host_lock:
            if base not in self._robots:
                try:
                    fetched = self.get(
                        base + "/robots.txt",
                        allow_private=allow_private,
                        robots=False,
                        max_bytes=MAX_ROBOTS_BYTES,
                    )
                except FetchError as err:
                    rules = robots_rules(
                        self.settings.user_agent, base, None, err.status, err.reason
                    )
                else:
                    rules = robots_rules(
                        self.settings.user_agent, base, fetched.body, fetched.status
                    )
                self._robots[base] = rules
            return self._robots[base]

    def _slot(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            return self._host_slots.setdefault(
                host, threading.BoundedSemaphore(self.settings.host_concurrency)
            )

    def _check_target(self, url: str, allow_private: bool) -> None:
        """Refuse what must not be asked at all, before robots.txt is asked too."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("bad url", url)
        host = parts.hostname
        if not allow_private and is_private_host(host):
            raise FetchError(
                "private network refused", f"{host} is a private, loopback or link-local address"
            )
        if self._host_failures.get(host, 0) >= HOST_FAILURE_LIMIT:
            raise FetchError(
                "host skipped", f"{host} failed {HOST_FAILURE_LIMIT} times in this run"
            )

    def _get_once(
        self,
        url: str,
        *,
        allow_private: bool,
        delay: float | None,
        validators: dict[str, str] | None,
    ) -> requests.Response:
        host = urlsplit(url).hostname or ""
        headers = {}
        if validators and validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators and validators.get("last-modified"):
            headers["If-Modified-Since"] = validators["last-modified"]
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            self._pace(host, self.settings.host_delay if delay is None else delay)
            try:
                response = self.session.get(
                    url,
                    stream=True,
                    allow_redirects=False,
                    headers=headers,
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
                    return response  # failures are forgiven once a whole body has arrived
                failure = self._http_error(url, url, response)
                wait = retry_after_seconds(response.headers.get("retry-after"))
            if attempt + 1 < attempts:
                backoff = min(0.5 * 2**attempt, 10.0) + random.uniform(
                    0, 0.25
                )  # jitter spreads retries
                time.sleep(wait if wait is not None else backoff)
        self._count_failure(host)
        raise failure

    def _count_failure(self, host: str) -> None:
        with self._lock:
            self._host_failures[host] = self._host_failures.get(host, 0) + 1

    def _pace(self, host: str, delay: float) -> None:
        with self._lock:
            host_lock = self._host_locks.setdefault(host, threading.Lock())
        with host_lock:
            wait = self._last_request.get(host, 0.0) + delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last_request[host] = time.monotonic()

    @staticmethod
    def _headers(response: requests.Response) -> dict[str, str]:
        return {k.lower(): v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}

    def _http_error(self, url: str, final_url: str, response: requests.Response) -> FetchError:
        """An HTTP error status, with the start of its body kept for the archive."""
        with response:
            try:
                body = next(response.iter_content(ERROR_BODY_BYTES), b"")[:ERROR_BODY_BYTES]
            except (requests.RequestException, StopIteration):
                body = b""
        kept = Fetched(
            url=url,
            final_url=final_url,
            status=response.status_code,
            content_type=_content_type(response),
            headers=self._headers(response),
            body=body,
        )
        return FetchError(
            f"http {response.status_code}", final_url, status=response.status_code, response=kept
        )

    def _read(
        self,
        url: str,
        final_url: str,
        response: requests.Response,
        accept: tuple[str, ...],
        limit: int,
    ) -> Fetched:
        if response.status_code >= 400:
            raise self._http_error(url, final_url, response)
        with response:
            content_type = _content_type(response)
            headers = self._headers(response)
            if response.status_code == 304:
                return Fetched(
                    url=url,
                    final_url=final_url,
                    status=304,
                    content_type=content_type,
                    headers=headers,
                    body=b"",
                )
            if accept and content_type and not any(kind in content_type for kind in accept):
                raise FetchError("wrong content type", content_type, status=response.status_code)
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise FetchError(
                    "too large", f"content-length {declared} > {limit}", status=response.status_code
                )
            host = urlsplit(final_url).hostname or ""
            chunks, size = [], 0
            # A body that trickles in can outlast every read timeout: a watchdog cuts the socket.
            fired = threading.Event()
            watchdog = threading.Timer(
                self.settings.max_response_seconds, _cut, args=(response, fired)
            )
            watchdog.daemon = True
            watchdog.start()
            try:
                # iter_content decodes gzip/deflate: the limit also bounds decompressed size.
                for chunk in response.iter_content(65536):
                    size += len(chunk)
                    if size > limit:
                        raise FetchError(
                            "too large", f"more than {limit} bytes", status=response.status_code
                        )
                    chunks.append(chunk)
            except (requests.RequestException, OSError, ValueError) as err:
                self._count_failure(host)
                if fired.is_set():
                    raise FetchError(
                        "timeout", f"body took over {self.settings.max_response_seconds:.0f} s"
                    ) from None
                reason = "timeout" if _is_timeout(err) else "connection error"
                raise FetchError(reason, str(err)[:300]) from None
            finally:
                watchdog.cancel()
            if fired.is_set():  # the cut socket may end the body quietly: it is still cut short
                self._count_failure(host)
                raise FetchError(
                    "timeout", f"body took over {self.settings.max_response_seconds:.0f} s"
                )
            with self._lock:
                self._host_failures[host] = 0
            return Fetched(
                url=url,
                final_url=final_url,
                status=response.status_code,
                content_type=content_type,
                headers=headers,
                body=b"".join(chunks),
            )


def _cut(response: requests.Response, fired: threading.Event) -> None:
    """Shut the response's socket so that a blocked read returns at once."""
    fired.set()
    # urllib3 hands the socket to http.client once the body is being read: look in both places.
    connection = getattr(response.raw, "_connection", None)
    body_stream = getattr(getattr(getattr(response.raw, "_fp", None), "fp", None), "raw", None)
    sock = getattr(connection, "sock", None) or getattr(body_stream, "_sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    response.close()


def _is_timeout(err: Exception) -> bool:
    """requests reports a read timeout inside a body as a ConnectionError; find it."""
    seen = err
    while seen is not None:
        if (
            isinstance(seen, (requests.Timeout, TimeoutError, socket.timeout))
            or "timed out" in str(seen).lower()
        ):
            return True
        seen = (
            seen.__cause__
            or seen.__context__
            or (seen.args[0] if seen.args and isinstance(seen.args[0], Exception) else None)
        )
    return False


def _content_type(response: requests.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()
