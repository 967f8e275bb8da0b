"""URL normalisation, the stable article id derived from it, URL checks and redaction.

Every function here is total: a malformed URL gives a reason (`url_problem`) or comes back
as well as can be done, never an exception, so one bad link cannot fail a run.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that only track the click, never select the content.
TRACKING_PARAMS = {
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "yclid",
    "_ga",
    "_gl",
    "ref",
    "ref_src",
    "cmpid",
    "ocid",
    "smid",
    "ito",
    "at_medium",
    "at_campaign",
}
# Query parameters that carry a credential: their values never reach the archive or a table.
SECRET_PARAMS = {
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "auth",
    "auth_token",
    "authorization",
    "api_key",
    "apikey",
    "api-key",
    "secret",
    "client_secret",
    "password",
    "passwd",
    "pwd",
    "sig",
    "signature",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
    "sessionid",
    "session_id",
    "jwt",
}
REDACTED = "REDACTED"
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 8192
LABEL = re.compile(r"^[a-z0-9_-]{1,63}$")
URL_IN_TEXT = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>()]+")


def url_problem(url: str) -> str | None:
    """Why `url` cannot be fetched over HTTP(S), or None when it can."""
    if not isinstance(url, str) or not url.strip():
        return "empty url"
    if len(url) > MAX_URL_LENGTH:
        return f"longer than {MAX_URL_LENGTH} characters"
    if any(ord(c) < 33 or c == "\x7f" for c in url.strip()):
        return "control character or space in the url"
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # raises on a bad or out-of-range port
        host = parts.hostname
    except ValueError as err:
        return str(err)
    if parts.scheme.lower() not in ("http", "https"):
        return f"scheme {parts.scheme or 'missing'!r} is not http(s)"
    if not host:
        return "no host"
    if port == 0:
        return "port 0"
    return host_problem(host)


def host_problem(host: str) -> str | None:
    """Why a host name or address literal is malformed, or None."""
    if ":" in host:  # an IPv6 literal, brackets already removed
        try:
            ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return f"{host!r} is not an IPv6 address"
        return None
    try:
        ascii_host = host.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return "a DNS label is empty or longer than 63 characters"
    if len(ascii_host) > 253:
        return "host name longer than 253 characters"
    for label in ascii_host.split("."):
        if not LABEL.match(label):
            return f"bad DNS label {label[:70]!r}"
    return None


def resolve_link(base: str, link: str) -> tuple[str, str | None]:
    """A link resolved against the document it was found in, and why it is unusable (or None)."""
    link = link.strip()
    try:
        url = urljoin(base, link)
    except ValueError as err:
        return link, str(err)
    return url, url_problem(url)


def _netloc(parts) -> str:
    """host[:port] without credentials; tolerant of a bad port."""
    netloc = parts.netloc.rsplit("@", 1)[-1]
    try:
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return netloc.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return host if port is None else f"{host}:{port}"


def redact_url(url: str) -> str:
    """The URL without user:password@ and with the values of credential parameters replaced."""
    if not isinstance(url, str):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"//[^/@\s]*@", "//", url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = netloc.rsplit("@", 1)[1]
    query = parts.query
    if query and any(
        k.lower() in SECRET_PARAMS for k, _ in parse_qsl(query, keep_blank_values=True)
    ):
        query = urlencode(
            [
                (k, REDACTED if k.lower() in SECRET_PARAMS else v)
                for k, v in parse_qsl(query, keep_blank_values=True)
            ]
        )
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str) -> str:
    """Free text (an error message) with every URL in it redacted."""
    if not text or "://" not in text:
        return text
    return URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)


def normalize_url(url: str) -> str:
    """Canonical form of a URL for identity: lower-case host, no fragment, no tracking params,
    no credentials. Never raises: a malformed URL keeps what can be kept."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return redact_url(url.strip())
    scheme = parts.scheme.lower()
    netloc = _netloc(parts)
    default = DEFAULT_PORTS.get(scheme)
    if default and netloc.endswith(f":{default}"):
        netloc = netloc[: -len(f":{default}")]
    query = [
        (k, REDACTED if k.lower() in SECRET_PARAMS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    ]
    path = _without_dot_segments(parts.path) or "/"
    # A record of a local JSON-lines file that names no address of its own is addressed within
    # its file ("file:///.../batch.jsonl#record-3f9a..."): there the fragment is the record, not a
    # place in a page.
    kept = parts.fragment if scheme == "file" and RECORD_FRAGMENT.fullmatch(parts.fragment) else ""
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), kept))


RECORD_FRAGMENT = re.compile(r"record-[0-9a-f]{16}")


DOT_SEGMENT = re.compile(r"(^|/)\.\.?(/|$)")


def _without_dot_segments(path: str) -> str:
    """The path with its "." and ".." segments resolved (RFC 3986, 5.2.4): "/news/../news/a"
    and "/news/./a" name the page "/news/a" names."""
    if not DOT_SEGMENT.search(path):
        return path
    segments = path.split("/")
    kept: list[str] = []
    for position, segment in enumerate(segments):
        last = position == len(segments) - 1
        if segment in (".", ".."):
            if segment == ".." and len(kept) > 1:
                kept.pop()
            if last:
                kept.append("")  # "/a/b/.." is "/a/"
            continue
        kept.append(segment)
    return "/".join(kept)


def article_id(canonical_url: str) -> str:
    """Stable id of an article: a hash of its normalised canonical URL."""
    return hashlib.sha256(normalize_url(canonical_url).encode()).hexdigest()[:20]
