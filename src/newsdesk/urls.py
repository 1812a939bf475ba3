"""Canonical form of article URLs, so that one article has one address, and the one key that says two
URLs name the same page.

The rules are deliberately simple and predictable (courlan's normaliser does more, and changes more):
lowercase scheme and host (IDNA-encoded), no default port, no fragment, no tracking parameters, the other
query parameters sorted, escapes of unreserved characters decoded (``%75`` is ``u``) and the others made
uppercase, dot segments removed and runs of slashes collapsed in the path, the path's case kept.
``canonicalize_url(canonicalize_url(u)) == canonicalize_url(u)``.

`url_key` goes further for comparison only: the scheme and a trailing slash do not count. It is what the
removal blocklist, "already stored" and the choice of an article's canonical address compare, so that a
removed article cannot come back under another spelling of its address.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

import idna
from tld import get_fld

__all__ = ["canonicalize_url", "url_key", "key_spellings", "key_host", "host_of", "registered_domain",
           "is_tracking_param", "TRACKING_PARAMS", "TRACKING_PREFIXES"]

# Exact names (compared lowercased).
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
    "li_fat_id", "igshid", "igsh", "mc_cid", "mc_eid", "ocid", "cmpid", "cmp", "_ga", "_gl", "_hsenc",
    "_hsmi", "__hssc", "__hstc", "__hsfp", "hsctatracking", "mkt_tok", "oly_anon_id", "oly_enc_id",
    "rb_clickid", "s_cid", "vero_conv", "vero_id", "wickedid", "ncid", "sr_share", "smid", "smtyp",
    "icid", "ref_src", "spm", "xtor", "guccounter", "guce_referrer", "guce_referrer_sig",
    "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee",
})
# Prefixes (compared lowercased): Google/Urchin, AT Internet, Matomo/Piwik, HubSpot ads, Adobe, ...
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "hsa_")

_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")  # RFC 3986 2.3
_SLASHES = re.compile(r"//+")
_HOST_PORT = re.compile(r"^(?P<host>\[[^\]]*\]|[^:]*)(?::(?P<port>\d*))?$")


def is_tracking_param(name: str) -> bool:
    key = name.strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, on a path that may or may not start with a slash."""
    if "." not in path:
        return path
    absolute = path.startswith("/")
    segments = path.split("/")
    out: list[str] = []
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
            continue
        if seg == "..":
            if len(out) > 1 or (out and out[0] != ""):
                out.pop()
            if last:
                out.append("")
            continue
        out.append(seg)
    result = "/".join(out)
    if absolute and not result.startswith("/"):
        result = "/" + result
    return result


def _escape(match: re.Match[str]) -> str:
    char = chr(int(match.group(0)[1:], 16))
    return char if char in _UNRESERVED else match.group(0).upper()


def _normal_escapes(text: str) -> str:
    """Escapes of unreserved characters decoded (they mean the character itself), the others in uppercase."""
    return _PERCENT.sub(_escape, text) if "%" in text else text


def _idna(host: str) -> str:
    """A host name in its ASCII (IDNA) form, as it is looked up; left as it is when it is not a valid name."""
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return host


def _netloc(scheme: str, netloc: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    match = _HOST_PORT.match(hostport)
    if not match:
        return netloc.lower() if not at else f"{userinfo}@{hostport.lower()}"
    host = _idna(match.group("host").lower().rstrip("."))
    port = match.group("port")
    if port == "" or (port is not None and _DEFAULT_PORTS.get(scheme) == port.lstrip("0")):
        port = None
    if port is not None:
        port = port.lstrip("0") or "0"
    hostport = host if port is None else f"{host}:{port}"
    return f"{userinfo}@{hostport}" if at else hostport


def _query(query: str) -> str:
    kept: list[tuple[str, str]] = []
    for pair in query.split("&") if query else ():
        if not pair:
            continue
        key = unquote_plus(pair.split("=", 1)[0])
        if is_tracking_param(key):
            continue
        kept.append((key, pair))
    kept.sort(key=lambda kv: kv[0])  # stable: repeated keys keep their order
    return "&".join(pair for _, pair in kept)


def canonicalize_url(url: str, base: str | None = None) -> str:
    """The canonical form of ``url`` (resolved against ``base`` when relative); never raises."""
    url = (url or "").strip()
    # control characters and whitespace inside a URL are copy-paste damage, not meaning
    url = _CONTROL.sub("", url)
    if base:
        try:
            url = urljoin(base.strip(), url)
        except ValueError:
            pass
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    netloc = _netloc(scheme, parts.netloc) if parts.netloc else ""
    path = _normal_escapes(parts.path.replace(" ", "%20"))
    if netloc:  # servers read a run of slashes as one (nginx's merge_slashes), so "//" adds no meaning
        path = _SLASHES.sub("/", _remove_dot_segments(_SLASHES.sub("/", path))) or "/"
    else:
        path = _remove_dot_segments(path)
    query = _query(_normal_escapes(parts.query.replace(" ", "%20")))
    return urlunsplit((scheme, netloc, path, query, ""))


def url_key(url: str) -> str:
    """What says that two URLs name the same page: the canonical form without its scheme and without a
    trailing slash (``//news.example/a?id=7``). For comparison only, never fetched."""
    canonical = canonicalize_url(url)
    try:
        parts = urlsplit(canonical)
    except ValueError:
        return canonical
    if not parts.netloc:
        return canonical
    netloc = parts.netloc.rpartition("@")[2]  # who logs in does not change the page
    return urlunsplit(("", netloc, parts.path.rstrip("/"), parts.query, ""))


def key_host(key: str) -> tuple[str, str]:
    """(host, the rest of the key after it) of a `url_key`: ("127.0.0.1", ":8080/a") for ``//127.0.0.1:8080/a``;
    an IPv6 host without its brackets."""
    netloc_and_rest = key.removeprefix("//")
    match = re.match(r"(\[[^\]]*\]|[^:/?]*)", netloc_and_rest)
    host = match.group(1) if match else ""
    return host.strip("[]"), netloc_and_rest[match.end() if match else 0:]


def host_of(url_or_host: str) -> str:
    """The host of a URL, or of a bare host name (with or without a port), as `url_key` writes it: lowercase,
    IDNA-encoded, an IPv6 address without its brackets; "" when there is none."""
    value = _CONTROL.sub("", url_or_host.strip())
    try:
        parts = urlsplit(value if "://" in value else f"http://{value}")
    except ValueError:
        return ""
    if not parts.netloc:
        return ""
    return key_host("//" + _netloc(parts.scheme.lower(), parts.netloc).rpartition("@")[2])[0]


def key_spellings(url: str) -> list[str]:
    """The canonical spellings a stored address with the same `url_key` as `url` can have (http and https,
    with and without a trailing slash), `url` as given first: what "already stored" looks up."""
    canonical = canonicalize_url(url)
    found = [url.strip(), canonical]
    try:
        parts = urlsplit(canonical)
    except ValueError:
        return found
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return found
    paths = {parts.path}
    if parts.path != "/":
        paths.add(parts.path.rstrip("/") if parts.path.endswith("/") else parts.path + "/")
    for scheme in ("http", "https"):
        for path in sorted(paths):
            found.append(urlunsplit((scheme, parts.netloc, path, parts.query, "")))
    return list(dict.fromkeys(found))


def registered_domain(url_or_host: str) -> str:
    """example.com for https://news.example.com/a and for www.example.com (the public suffix list: npr.org for
    text.npr.org, bbc.co.uk for www.bbc.co.uk); an address or a name without a public suffix (127.0.0.1,
    localhost, intranet) is its own domain."""
    value = url_or_host.strip().lower()
    if "://" in value:
        try:
            value = urlsplit(value).hostname or ""
        except ValueError:
            return ""
    else:
        value = value.split("/")[0].rsplit("@", 1)[-1]
        value = value[1:].split("]")[0] if value.startswith("[") else value.split(":")[0]
    host = _idna(value.strip("."))
    if not host:
        return ""
    fld = get_fld(host, fix_protocol=True, fail_silently=True)
    return (fld or host.removeprefix("www.")).lower()
