"""Turn the bytes of a fetched page into text, whatever its server or markup claims.

Order of evidence (first that decodes wins):

1. a byte-order mark (UTF-8, UTF-16, UTF-32);
2. the charset the HTTP response declared;
3. ``<meta charset>`` / ``<meta http-equiv="content-type">`` in the first 2 KB;
4. UTF-8 (strict), then UTF-8 with replacement characters when the bytes are *mostly* UTF-8 (a stray
   invalid byte in a UTF-8 page must not turn the whole page into "sanciÃ³n");
5. a statistical detector (charset_normalizer, installed with trafilatura), if importable, unless it
   reads fewer of the page's accented characters as letters than windows-1252 does ("Z³rich");
6. windows-1252 with replacement characters (never fails).

A declared charset that Python does not know, or that fails to decode the bytes, is skipped rather than
trusted. Two well-known server mistakes are corrected: a "latin-1"/"ascii" declaration on bytes that are
(mostly) multi-byte UTF-8 (the page is UTF-8), and a UTF-16/32 declaration on an ASCII-compatible page
(impossible, as the WHATWG encoding rules note; read as UTF-8).

Text that was already mis-decoded before it reached us (a CMS that stored UTF-8 read as windows-1252:
"Ã©", "â€™") is repaired per extracted field by ``repair_mojibake``.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

__all__ = ["decode_html", "normalize_charset", "repair_mojibake"]

META_SCAN_BYTES = 2048

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# WHATWG: these labels mean windows-1252 on the web; a few others Python spells differently.
_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "x-sjis": "shift_jis",
    "shift-jis": "shift_jis",
    "windows-31j": "cp932",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "unicode-1-1-utf-8": "utf-8",
    "utf8": "utf-8",
    "x-mac-roman": "mac_roman",
}
_SINGLE_BYTE_LATIN = {"cp1252", "cp1254", "latin_1", "ascii"}
_WIDE = {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}

_HIGH_BYTES = re.compile(rb"[\x80-\xff]+")
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:\-]{1,40})""",
    re.IGNORECASE,
)


def normalize_charset(label: str | None) -> str | None:
    """The Python codec name for a charset label, or None when unknown or empty."""
    if not label:
        return None
    name = label.strip().lower()
    if "charset=" in name:  # a whole Content-Type value
        name = name.split("charset=", 1)[1].split(";", 1)[0]
    name = name.strip().strip("\"'").strip()
    if not name:
        return None
    name = _ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    # codecs.lookup("latin-1").name == "iso8859-1": map the web meaning again
    return _ALIASES.get(codec.name, codec.name)


def _sniff_meta(content: bytes) -> str | None:
    head = content[:META_SCAN_BYTES]
    for match in _META_CHARSET.finditer(head):
        name = normalize_charset(match.group(1).decode("ascii", "ignore"))
        if name:
            return name
    return None


def _is_utf8_multibyte(content: bytes) -> bool:
    """Valid UTF-8 with at least one non-ASCII sequence (pure ASCII proves nothing)."""
    if content.isascii():
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return _utf8_with_stray_bytes(content) is not None
    return True


# one invalid sequence per this many valid ones is still a UTF-8 page; a single-byte page is the other
# way round by orders of magnitude (a lone accented byte between ASCII letters is never valid UTF-8)
_UTF8_VALID_PER_INVALID = 10
_NON_ASCII = re.compile("[^\x00-\x7f]")


def _utf8_with_stray_bytes(content: bytes) -> str | None:
    """The page read as UTF-8 with replacement characters, when it is mostly valid UTF-8; else None."""
    text = content.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd") - content.count("\ufffd".encode())
    valid = len(_NON_ASCII.findall(text)) - text.count("\ufffd")
    if valid >= 1 and invalid * _UTF8_VALID_PER_INVALID <= valid:
        return text
    return None


def _try(content: bytes, codec: str) -> str | None:
    try:
        return content.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError):
        return None


def _detect(content: bytes) -> str | None:
    """charset_normalizer's guess, or None when it has nothing better than windows-1252.

    On short or mostly-ASCII input the detector scores many codecs alike (all "no chaos"); among the
    codecs that score as well as its best, windows-1252 (the web's default) is preferred.
    """
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - charset_normalizer ships with trafilatura
        return None
    try:
        results = list(from_bytes(content[:200_000]))
    except Exception:  # noqa: BLE001 - a detector bug must not break decoding
        return None
    if not results:
        return None
    best_chaos = min(r.chaos for r in results)
    tied = [r for r in results if r.chaos <= best_chaos + 0.01]
    if any(normalize_charset(r.encoding) == "cp1252" for r in tied):
        return "cp1252"
    best = max(tied, key=lambda r: r.coherence)  # the detector's own order breaks ties
    if best.coherence <= 0 and not _mostly_multibyte(content) and _try(content, "cp1252") is not None:
        return None  # no language evidence, and accents look like Western text: keep the web's default
    return normalize_charset(best.encoding)


def _mostly_multibyte(content: bytes) -> bool:
    """Most non-ASCII bytes come in runs (CJK and other multi-byte text), not alone as in "café"."""
    runs = [len(r) for r in _HIGH_BYTES.findall(content[:200_000])]
    total = sum(runs)
    return total > 0 and sum(n for n in runs if n >= 2) > total / 2


def decode_html(content: bytes, charset: str | None = None) -> str:
    """Decode an HTML document; never raises on a wrong, unknown or lying charset declaration."""
    if isinstance(content, str):  # tolerate callers that already decoded
        return content
    content = bytes(content)
    for bom, codec in _BOMS:
        if content.startswith(bom):
            text = _try(content[len(bom):], codec)
            if text is not None:
                return text
            break

    candidates: list[str] = []
    for declared in (normalize_charset(charset), _sniff_meta(content)):
        if not declared:
            continue
        if declared in _WIDE:
            # a UTF-16/32 page cannot declare itself in ASCII; the bytes are ASCII-compatible
            declared = "utf-8"
        elif declared in _SINGLE_BYTE_LATIN and _is_utf8_multibyte(content):
            declared = "utf-8"  # a server default "latin-1" on a UTF-8 page
        if declared not in candidates:
            candidates.append(declared)
    if "utf-8" not in candidates:
        candidates.append("utf-8")

    for codec in candidates:
        text = _try(content, codec)
        if text is None and codec == "utf-8":
            text = _utf8_with_stray_bytes(content)
        if text is not None:
            return text

    detected = _detect(content)
    if detected:
        text = _try(content, detected)
        if text is not None and not _fewer_letters_than_cp1252(text, content, detected):
            return text
    return content.decode("cp1252", errors="replace")


def _accented_letters(text: str) -> int:
    return sum(1 for ch in _NON_ASCII.findall(text) if ch.isalpha())


def _fewer_letters_than_cp1252(text: str, content: bytes, detected: str) -> bool:
    """A single-byte guess that turns the page's accented letters into symbols ("Z³rich", "sanciˇn").

    In an alphabetic text the non-ASCII characters are letters; on short pages the detector often picks
    a code page that reads them as digits or signs, where the web's default, windows-1252, reads letters.
    Multi-byte text (CJK and other runs of high bytes) is the detector's to judge.
    """
    if detected == "cp1252" or _mostly_multibyte(content):
        return False
    western = _try(content, "cp1252")
    return western is not None and _accented_letters(western) > _accented_letters(text)


# --------------------------------------------------------------------------------------------------
# mojibake: UTF-8 text that was decoded as windows-1252 (or Latin-1) before it reached us

# windows-1252 (and Latin-1, for its C1 controls) characters for the bytes 0x80-0xBF, which continue a
# UTF-8 sequence; lead bytes 0xC2-0xF4 read as windows-1252 are the letters Â-ô
_CONTINUATION = "".join(sorted(
    {bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(0x80, 0xC0)}
    | {chr(b) for b in range(0x80, 0xA0)}
))
_CONT = f"[{re.escape(_CONTINUATION)}]"
_MOJIBAKE = re.compile(f"[\u00c2-\u00df]{_CONT}|[\u00e0-\u00ef]{_CONT}{{2}}|[\u00f0-\u00f4]{_CONT}{{3}}")


def _plausible(ch: str) -> bool:
    """A character that a repaired sequence may stand for.

    Two-byte sequences: Latin-1 signs and letters of Latin, Greek, Cyrillic, Armenian, Hebrew and Arabic.
    Their marks and rarer blocks (N'Ko, Syriac) also come out of real text such as "Fuß“" (ß, then a
    closing quote) or "Ö“", which must stay as they are. Longer sequences: any assigned character.
    """
    code = ord(ch)
    if code < 0x800:
        return 0xA0 <= code <= 0xFF or (
            (code <= 0x24F or 0x370 <= code <= 0x6FF) and unicodedata.category(ch).startswith("L")
        )
    return unicodedata.category(ch) not in ("Co", "Cn", "Cs")


def _unmangle(match: re.Match[str]) -> str:
    seq = match.group(0)
    try:
        # a C1 control is the byte itself (Latin-1 decoders, and windows-1252's five undefined bytes)
        raw = b"".join(ch.encode("cp1252") if ord(ch) > 0x9F else bytes([ord(ch)]) for ch in seq)
        fixed = raw.decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return seq
    return fixed if _plausible(fixed) else seq


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 that was read as windows-1252/Latin-1 ("sanciÃ³n" -> "sanción", "â€™" -> "’").

    Only sequences that form valid UTF-8 once re-encoded, and that decode to a plausible character, are
    replaced; clean text (and text in any other language) comes back unchanged. Text mangled twice is
    repaired twice.
    """
    for _ in range(2):
        if not text or not _MOJIBAKE.search(text):
            break
        text = _MOJIBAKE.sub(_unmangle, text)
    return text
