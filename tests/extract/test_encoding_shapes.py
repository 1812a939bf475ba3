"""Each way a page's encoding goes wrong, on pages written for these tests: through extract_article and
through the collector (a real local HTTP server that declares a charset, a real store)."""

from __future__ import annotations

import pytest
from localserver import LocalServer, Response
from pages import rss

from newsdesk.collect import Collector
from newsdesk.config import Settings
from newsdesk.encoding import decode_html, repair_mojibake
from newsdesk.extract import extract_article
from newsdesk.store import Store

URL = "https://diario.example/politica/2025/sancion"
TITLE = "La sanción del año llega a Zürich"
AUTHOR = "José Núñez"
PARAGRAPHS = [
    "El Gobierno anunció el martes la sanción económica más dura del año contra la empresa, según "
    "fuentes oficiales que pidieron no ser identificadas por la delicadeza del asunto.",
    "La compañía tendrá que pagar una multa récord y suspender durante seis meses sus operaciones en la "
    "región, una decisión que los sindicatos calificaron de desproporcionada.",
    "Los abogados de la empresa señalaron que recurrirán la resolución ante el Tribunal Supremo, y "
    "añadieron que la investigación se basó en información incompleta y errónea.",
    "En Zürich, donde la compañía tiene su sede europea, la bolsa reaccionó con una caída del cinco por "
    "ciento en la primera hora de negociación del miércoles.",
]


def page(*, meta: str = '<meta charset="utf-8">', title: str = TITLE, author: str = AUTHOR,
         paragraphs: list[str] = PARAGRAPHS) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="es"><head>{meta}<title>{title}</title>
<meta property="og:title" content="{title}"><meta name="author" content="{author}"></head>
<body><article><h1>{title}</h1>{body}</article></body></html>"""


def assert_clean(art) -> None:
    assert art.title == TITLE
    assert art.authors == [AUTHOR]
    assert art.text.split("\n\n") == PARAGRAPHS


def with_stray_byte(html: str) -> bytes:
    """The UTF-8 page with one byte of another encoding pasted into it (a Latin-1 "é" in a comment)."""
    return html.encode().replace(b"</article>", b"<!-- caf\xe9 --></article>")


# shape 1: a UTF-8 page that the server calls Latin-1 (kept from before)
def test_shape1_utf8_page_declared_latin1_by_the_server():
    assert_clean(extract_article(page(meta="").encode(), URL, charset="iso-8859-1"))


# shape 2: the same page with one stray invalid byte; reading all of it as windows-1252 gave "sanciÃ³n"
def test_shape2_mostly_utf8_page_declared_latin1_by_the_server():
    assert_clean(extract_article(with_stray_byte(page(meta="")), URL, charset="iso-8859-1"))


# shape 3: that page with no declaration at all; the detector took it for a Japanese code page
def test_shape3_mostly_utf8_page_without_any_declaration():
    assert_clean(extract_article(with_stray_byte(page(meta="")), URL))


# shape 4: the bytes themselves hold mojibake (a CMS stored UTF-8 read as windows-1252), twice in the title
def test_shape4_mojibake_in_the_source_is_repaired_per_field():
    mangled = [p.encode().decode("cp1252") for p in PARAGRAPHS]
    twice = TITLE.encode().decode("cp1252").encode().decode("cp1252")
    html = page(title=twice, author=AUTHOR.encode().decode("cp1252"), paragraphs=mangled)
    assert "sanciÃ³n" in html
    assert_clean(extract_article(html.encode(), URL))


# shape 5: windows-1252 bytes that claim to be UTF-8; the detector read "ü" as "³" on short pages
def test_shape5_windows_1252_page_declared_utf8():
    assert_clean(extract_article(page().encode("cp1252"), URL))
    short = '<html><head><meta charset="utf-8"><title>Zürich</title></head><body><p>Zürich Bürger</p></body></html>'
    assert "Zürich Bürger" in decode_html(short.encode("cp1252"))


def test_a_single_byte_page_is_not_taken_for_utf8_because_of_one_lucky_pair():
    # "Â©" in windows-1252 is valid UTF-8 for "©"; the page's other accents are not: it stays windows-1252
    html = "<p>Â© Ça coûte très cher à Genève, dit-elle, et ça ne s'arrête pas là.</p>"
    assert decode_html(html.encode("cp1252"), "iso-8859-1") == html
    assert decode_html(html.encode("cp1252"), "windows-1252") == html


@pytest.mark.parametrize("clean", [
    "Er stand am Fluß“ und sah zu.", "„Ö“ steht im Rätsel.", "Ça va très bien, merci.", "Привет, мир",
    "日本語のテキスト", "Straße · 5 × 3 € — “quoted” ‘text’ …", "Ælfgifu and Ōtautahi", "naïve café",
])
def test_clean_text_in_any_language_is_left_alone(clean):
    assert repair_mojibake(clean) == clean


# the service: the collector fetches a feed and a mostly-UTF-8 page that the server calls Latin-1
def test_the_collector_stores_a_mostly_utf8_page_declared_latin1_cleanly(db_url):
    settings = Settings(database_url=db_url, allow_private_hosts=True, min_host_delay=0.0,
                        request_timeout=3.0, connect_timeout=2.0)
    store = Store(db_url)
    store.migrate()
    collector = Collector(settings, store)
    try:
        with LocalServer() as server:
            base = server.url("").rstrip("/")
            server.route("/articles/1.html", Response(200, with_stray_byte(page(meta="")),
                                                      {"Content-Type": "text/html; charset=iso-8859-1"}))
            server.route("/feed.xml", Response(200, rss(base, [1]), {"Content-Type": "application/rss+xml"}))
            collector.add_source(server.url("/feed.xml"), discover=False)
            collector.fetch_due(include_not_due=True)
        (stored,) = list(store.iter_articles())
        assert stored.title == TITLE
        assert stored.text.split("\n\n") == PARAGRAPHS
    finally:
        collector.close()
        store.close()


def test_mangled_letters_that_end_in_a_soft_hyphen_or_no_break_space_come_back():
    # "í" is C3 AD and "à" C3 A0 in UTF-8: read as windows-1252, the second byte is a soft hyphen or a
    # no-break space, which extractors drop or turn into a space
    paragraphs = [p.replace("compañía", "compañía aquí, à la cuenta") for p in PARAGRAPHS]
    mangled = [p.encode().decode("cp1252") for p in paragraphs]
    art = extract_article(page(paragraphs=mangled).encode(), URL)
    assert art.text.split("\n\n") == paragraphs
