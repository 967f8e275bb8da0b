"""Polite HTTP: robots.txt, per-host pacing and concurrency, timeouts, retries with backoff,
conditional GET, streamed size limits, and refusal of private-network targets."""

from __future__ import annotations

import contextlib
import ipaddress
import math
import random
import re
import socket
import threading
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from newsetl.config import Settings
from newsetl.transport.responses import Fetched, FetchError
from newsetl.transport.robots import MAX_ROBOTS_BYTES, RobotsRules, robots_rules
from newsetl.urls import redact_text, redact_url, url_problem

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


class AddressRefused(NewConnectionError):
    """A connection the address policy forbids; raised where the socket would be opened."""


def is_public_address(address: str | ipaddress._BaseAddress) -> bool:
    """True only for globally routable unicast addresses (so not 100.64.0.0/10, 192.0.0.0/24,
    benchmarking, reserved, multicast, nor an IPv4 private address wrapped in IPv6)."""
    ip = ipaddress.ip_address(str(address).split("%", 1)[0])
    if ip.version == 6:
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
    return ip.is_global and not ip.is_multicast and not any(ip in net for net in NOT_GLOBAL)


NAT64 = ipaddress.ip_network("64:ff9b::/96")
# IANA special-purpose ranges that are not globally reachable, spelled out: older Pythons'
# `is_global` misses some (3.11 takes 192.0.0.0/24 for global).
NOT_GLOBAL = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/3",
        "::/127",
        "::ffff:0:0/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "2002::/16",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
]


def resolve(host: str, port: int) -> list[tuple]:
    """getaddrinfo for a TCP connection; raises FetchError("dns error") when the name does not
    resolve (fail closed: an unresolvable name is never passed on to be resolved later)."""
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as err:
        raise FetchError("dns error", f"{host}: {err}"[:300]) from None
    if not infos:
        raise FetchError("dns error", f"{host}: no address")
    return infos


def refused_address(infos: list[tuple]) -> str | None:
    """The first resolved address that is not public, or None."""
    for info in infos:
        address = info[4][0]
        if not is_public_address(address):
            return address
    return None


def is_private_host(host: str) -> bool:
    """True when the host resolves to any address that is not globally routable (or does not
    resolve at all: fail closed)."""
    try:
        return refused_address(resolve(host, 80)) is not None
    except FetchError:
        return True


# -- connections: pinned to the checked address, watched by the response deadline ----------------

_local = threading.local()


class _Deadline:
    """A whole-response deadline, from connect to last byte: when it passes, the sockets of the
    request are shut, so whatever read is blocked (headers or body) returns at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def start(self) -> _Deadline:
        _local.deadline = self
        self._timer.start()
        return self

    def stop(self) -> None:
        self._timer.cancel()
        if getattr(_local, "deadline", None) is self:
            _local.deadline = None

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            if self.fired.is_set():
                _shut(sock)

    def _fire(self) -> None:
        self.fired.set()
        with self._lock:
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


# The mixin below is only ever combined with urllib3's HTTPConnection; type-check it as one.
if TYPE_CHECKING:
    _ConnectionBase = HTTPConnection
else:
    _ConnectionBase = object
_E = TypeVar("_E", bound=BaseException)


class _PinnedConnection(_ConnectionBase):
    """Mixin for urllib3 connections: connect to the addresses the fetcher checked for this
    request (pinned in a thread-local), so a second DNS answer can never redirect the socket;
    with no pin (a proxy, a new connection urllib3 opened on its own), resolve and check here.
    TLS still uses the host name for SNI and certificate verification (urllib3 does that from
    `host`, which is untouched)."""

    check_addresses = True  # False for the allow-private and the proxy sessions

    def _new_conn(self) -> socket.socket:
        host = self._dns_host.strip("[]")
        pins = getattr(_local, "pins", None) or {}
        infos = pins.get((host.lower(), self.port))
        try:
            if infos is None:
                infos = resolve(host, self.port)
                if self.check_addresses and (bad := refused_address(infos)):
                    raise AddressRefused(self, f"{host} resolves to {bad}")
        except FetchError as err:
            raise NameResolutionError(host, self, socket.gaierror(err.detail)) from None
        error: OSError | None = None
        for family, kind, proto, _, address in infos:
            sock = socket.socket(family, kind, proto)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                sock.settimeout(self.timeout)
                sock.connect(address)
            except OSError as err:
                sock.close()
                error = err
                continue
            deadline = getattr(_local, "deadline", None)
            if deadline is not None:
                deadline.watch(sock)
            return sock
        if isinstance(error, TimeoutError):
            raise ConnectTimeoutError(self, f"connection to {host} timed out") from error
        raise NewConnectionError(self, f"failed to connect to {host}: {error}") from error

    def request(self, *args: Any, **kwargs: Any) -> Any:
        deadline = getattr(_local, "deadline", None)
        if deadline is not None:  # a kept-alive connection is watched too
            deadline.watch(getattr(self, "sock", None))
        return super().request(*args, **kwargs)


def _pool_classes(check: bool) -> dict[str, type]:
    http = type(
        "PinnedHTTPConnection", (_PinnedConnection, HTTPConnection), {"check_addresses": check}
    )
    https = type(
        "PinnedHTTPSConnection", (_PinnedConnection, HTTPSConnection), {"check_addresses": check}
    )
    return {
        "http": type("PinnedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
        "https": type("PinnedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
    }


class _PinnedAdapter(HTTPAdapter):
    def __init__(self, check: bool) -> None:
        self._classes = _pool_classes(check)
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._classes

    def proxy_manager_for(self, proxy, **kwargs):
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = self._classes
        return manager


def _session(settings: Settings, check: bool) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy, netrc or CA bundle from the environment
    session.headers["User-Agent"] = settings.user_agent
    if settings.proxy:
        session.proxies = {"http": settings.proxy, "https": settings.proxy}
    if settings.ca_bundle:
        session.verify = str(settings.ca_bundle)
    adapter = _PinnedAdapter(check and not settings.proxy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


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


class FetchStopped(BaseException):
    """Raised in a fetch thread once the run is ending (`Fetcher.stop`): not a page's failure
    (no reject), so not an Exception."""


class Fetcher:
    """One HTTP client for a run: shared sessions, robots rules, per-host pacing and failures.

    Every request: the URL is checked, its host resolved once and every address checked (only
    globally routable ones unless the source allows private networks), and the connection goes
    to those very addresses; one deadline bounds the whole response, connect to last byte.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.session = _session(settings, check=True)
        self._private_session = _session(settings, check=False)
        self._robots: dict[str, RobotsRules] = {}
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._host_slots: dict[str, threading.BoundedSemaphore] = {}
        self._last_request: dict[str, float] = {}
        self._host_failures: dict[str, int] = {}
        self._stopping = threading.Event()

    def stop(self) -> None:
        """The run is ending (Ctrl-C): each fetch thread stops before its next request or pause
        (`FetchStopped`), instead of fetching every page left first."""
        self._stopping.set()

    def _wait(self, seconds: float) -> None:
        """A pause (politeness, a retry's back-off) that the run's end cuts short."""
        if self._stopping.wait(seconds) if seconds > 0 else self._stopping.is_set():
            raise FetchStopped("the run is ending (interrupted)")

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
            self._check_url(current)
            host = (urlsplit(current).hostname or "").lower()
            pace = delay
            if robots:
                rules = self.robots_rules(current, allow_private)
                allowed, crawl_delay, why = rules.check(current)
                if not allowed:
                    raise FetchError(why, rules.explain(redact_url(current)))
                if crawl_delay is not None:
                    pace = max(crawl_delay, self.settings.host_delay if delay is None else delay)
            pins = self._check_target(current, allow_private)
            with self._slot(host):
                self._check_host(host)
                _local.pins = pins
                try:
                    response, deadline = self._get_once(
                        current, allow_private=allow_private, delay=pace, validators=validators
                    )
                finally:
                    _local.pins = None
                try:
                    if response.is_redirect and response.headers.get("location"):
                        location = response.headers["location"]
                        response.close()
                        try:
                            current = urljoin(current, location)
                        except ValueError as err:
                            raise FetchError(
                                "bad url", f"redirect to {location[:200]}: {err}"
                            ) from None
                        continue
                    return self._read(
                        url,
                        current,
                        response,
                        accept,
                        max_bytes or self.settings.max_body_bytes,
                        deadline,
                    )
                finally:
                    deadline.stop()
        raise FetchError("too many redirects", f"more than {MAX_REDIRECTS} from {redact_url(url)}")

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
                        self.settings.user_agent, base, None, err.status, err.reason, err.detail
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

    def _check_url(self, url: str) -> None:
        problem = url_problem(url)
        if problem:
            raise FetchError("bad url", f"{redact_url(url)[:200]}: {problem}")
        self._check_host((urlsplit(url).hostname or "").lower())

    def _check_host(self, host: str) -> None:
        """A host that failed HOST_FAILURE_LIMIT times in this run is not asked again: asked
        before a request, again once it has its slot (others may have failed meanwhile) and
        before each retry."""
        if self._host_failures.get(host, 0) >= HOST_FAILURE_LIMIT:
            raise FetchError(
                "host skipped", f"{host} failed {HOST_FAILURE_LIMIT} times in this run"
            )

    def _check_target(self, url: str, allow_private: bool) -> dict | None:
        """Resolve the host once and check every address; returns the pins the connection must
        use. With a proxy, the proxy resolves names: only address literals are checked here."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if self.settings.proxy:
            if not allow_private and _literal_refused(host):
                raise FetchError(
                    "private network refused", f"{host} is not a globally routable address"
                )
            return None
        infos = resolve(host, port)
        if not allow_private and (bad := refused_address(infos)):
            raise FetchError(
                "private network refused",
                f"{host} resolves to {bad}, which is not a globally routable address",
            )
        return {(host, port): infos}

    def _get_once(
        self,
        url: str,
        *,
        allow_private: bool,
        delay: float | None,
        validators: dict[str, str] | None,
    ) -> tuple[requests.Response, _Deadline]:
        """The response's headers, with the deadline that keeps running while its body is read."""
        host = (urlsplit(url).hostname or "").lower()
        session = self._private_session if allow_private else self.session
        headers = {}
        if validators and validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators and validators.get("last-modified"):
            headers["If-Modified-Since"] = validators["last-modified"]
        attempts = self.settings.retries + 1
        failure = FetchError("connection error", "no attempt made")
        for attempt in range(attempts):
            self._wait(0)
            if attempt:
                self._check_host(host)  # given up on while this request waited to retry
            self._pace(host, self.settings.host_delay if delay is None else delay)
            deadline = _Deadline(self.settings.max_response_seconds).start()
            wait = None
            try:
                response = session.get(
                    url,
                    stream=True,
                    allow_redirects=False,
                    headers=headers,
                    timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                )
            except requests.RequestException as err:
                deadline.stop()
                failure = self._request_failure(err, deadline)
                if (
                    failure.reason in ("private network refused", "dns error")
                    or deadline.fired.is_set()
                ):
                    break  # asking again will not change the answer, nor make it faster
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response, deadline  # still running: it bounds the body too
                failure = self._http_error(url, url, response)
                deadline.stop()
                wait = retry_after_seconds(response.headers.get("retry-after"))
            if attempt + 1 < attempts:
                backoff = min(0.5 * 2**attempt, 10.0) + random.uniform(0, 0.25)  # jitter
                self._wait(wait if wait is not None else backoff)
        self._count_failure(host)
        raise failure

    def _request_failure(self, err: requests.RequestException, deadline: _Deadline) -> FetchError:
        refused = _find(err, AddressRefused)
        if refused is not None:
            return FetchError("private network refused", str(refused._message)[:300])
        if _find(err, NameResolutionError) is not None:
            return FetchError("dns error", redact_text(str(err))[:300])
        if deadline.fired.is_set():
            return FetchError("timeout", f"no complete response within {deadline.seconds:g} s")
        if isinstance(err, requests.Timeout):
            return FetchError("timeout", redact_text(str(err))[:300])
        return FetchError("connection error", connection_cause(redact_text(str(err))))

    def _count_failure(self, host: str) -> None:
        with self._lock:
            self._host_failures[host] = self._host_failures.get(host, 0) + 1

    def _pace(self, host: str, delay: float) -> None:
        with self._lock:
            host_lock = self._host_locks.setdefault(host, threading.Lock())
        with host_lock:
            wait = self._last_request.get(host, 0.0) + delay - time.monotonic()
            self._wait(wait)
            self._last_request[host] = time.monotonic()

    @staticmethod
    def _headers(response: requests.Response) -> dict[str, str]:
        return {k.lower(): v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}

    def _http_error(self, url: str, final_url: str, response: requests.Response) -> FetchError:
        """An HTTP error status, with the start of its body kept for the archive."""
        with response:
            try:
                body = next(response.iter_content(ERROR_BODY_BYTES), b"")[:ERROR_BODY_BYTES]
            except (requests.RequestException, StopIteration, OSError, ValueError):
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
            f"http {response.status_code}",
            redact_url(final_url),
            status=response.status_code,
            response=kept,
        )

    def _read(
        self,
        url: str,
        final_url: str,
        response: requests.Response,
        accept: tuple[str, ...],
        limit: int,
        deadline: _Deadline,
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
            host = (urlsplit(final_url).hostname or "").lower()
            chunks, size = [], 0
            fired = deadline.fired
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
                        "timeout", f"response took over {deadline.seconds:g} s"
                    ) from None
                reason = "timeout" if _is_timeout(err) else "connection error"
                raise FetchError(reason, redact_text(str(err))[:300]) from None
            if fired.is_set():  # the cut socket may end the body quietly: it is still cut short
                self._count_failure(host)
                raise FetchError("timeout", f"response took over {deadline.seconds:g} s")
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


ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def connection_cause(text: str) -> str:
    """The operating system's words for a failed connection ("Connection refused", "Network is
    unreachable") out of urllib3's nested repr, which repeats the pool, the URL and the
    exception classes; the whole text (300 characters at most) where it holds none."""
    found = ERRNO.findall(text)
    return found[-1].strip() if found else text[:300]


def _literal_refused(host: str) -> bool:
    try:
        return not is_public_address(host)
    except ValueError:
        return host in ("localhost",) or host.endswith(".localhost")


def _find(err: BaseException | None, kind: type[_E]) -> _E | None:
    """The first exception of `kind` in an exception's chain (causes, contexts, reasons, args)."""
    seen: set[int] = set()
    todo = [err]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen or not isinstance(current, BaseException):
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return current
        todo += [current.__cause__, current.__context__, getattr(current, "reason", None)]
        todo += [a for a in current.args if isinstance(a, BaseException)]
    return None


def _is_timeout(err: Exception) -> bool:
    """requests reports a read timeout inside a body as a ConnectionError; find it."""
    seen: BaseException | None = err
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
