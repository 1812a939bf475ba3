"""Canonical form of article URLs, so that one article has one address.

The rules are deliberately simple and predictable (courlan's normaliser does more, and changes more):
lowercase scheme and host, no default port, no fragment, no tracking parameters, the other query
parameters sorted (their encoding kept byte for byte), dot segments removed from the path, the path's
case kept. ``canonicalize_url(canonicalize_url(u)) == canonicalize_url(u)``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

__all__ = ["canonicalize_url", "is_tracking_param", "TRACKING_PARAMS", "TRACKING_PREFIXES"]

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
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
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


def _upper_escapes(text: str) -> str:
    return _PERCENT.sub(lambda m: m.group(0).upper(), text) if "%" in text else text


def _netloc(scheme: str, netloc: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    match = _HOST_PORT.match(hostport)
    if not match:
        return netloc.lower() if not at else f"{userinfo}@{hostport.lower()}"
    host = match.group("host").lower().rstrip(".")
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
    url = re.sub(r"[\x00-\x1f\x7f]", "", url)
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
    path = _remove_dot_segments(_upper_escapes(parts.path.replace(" ", "%20")))
    if netloc and not path:
        path = "/"
    query = _query(_upper_escapes(parts.query.replace(" ", "%20")))
    return urlunsplit((scheme, netloc, path, query, ""))
