"""Authors and agencies of an article, on pages written for these tests: one byline shape each."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from newsdesk.extract import extract_article
from newsdesk.models import FeedEntry

URL = "https://tidings.example/region/2025/ferry-timetable"

PARAGRAPHS = [
    "The regional ferry company will run an extra crossing every evening from next month, after commuters "
    "complained for a year that the last boat left before most offices closed.",
    "The new departure leaves the north pier at half past seven and reaches the island forty minutes later, "
    "weather permitting, the company said in a statement on Tuesday.",
    "Councillors on the island welcomed the change but said they would keep pressing for a late service on "
    "Fridays, when the restaurants near the harbour are at their busiest.",
    "The company expects the evening boat to carry about two hundred passengers a day in summer and fewer "
    "than half of that in the winter months, when tourists are rare.",
]


def page(*, jsonld_authors: list | dict | None = None, metas: str = "", before: str = "", after: str = "",
         first: str | None = None, site: str = "The Tidings") -> str:
    """An article page: JSON-LD with the given authors (none when None), extra <meta> tags, markup before
    and after the article's paragraphs, and an optional first paragraph (a dateline)."""
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Evening ferry added",
          "datePublished": "2025-04-01T08:00:00Z", "publisher": {"@type": "Organization", "name": site}}
    if jsonld_authors is not None:
        ld["author"] = jsonld_authors
    paragraphs = ([first] if first else []) + PARAGRAPHS
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Evening ferry added | {site}</title>
<meta property="og:site_name" content="{site}">
<link rel="canonical" href="{URL}">
{metas}
<script type="application/ld+json">{json.dumps(ld)}</script>
</head><body>
<header><nav><a href="/">Home</a> <a href="/region">Region</a></nav></header>
<main><article><h1>Evening ferry added</h1>
{before}
{"".join(f"<p>{p}</p>" for p in paragraphs)}
{after}
</article>
<aside><h2>More from the region</h2><ul>
<li><a href="/a">Bridge tolls rise</a> <span class="byline">By Rita Aside</span></li>
<li><a href="/b">Harbour dredging starts</a> <a rel="author" href="/p/o">Otto Aside</a></li></ul></aside>
</main>
<footer><p><span>By</span> <span>Frank Footer</span></p><p>Copyright The Tidings.</p></footer>
</body></html>"""


def byline_of(html: str, hint: FeedEntry | None = None) -> tuple[list[str], list[str]]:
    art = extract_article(html, URL, hint=hint)
    return art.authors, art.agencies


# --------------------------------------------------------------------------------------------- JSON-LD


def test_jsonld_person_given_and_family_names():
    authors = [{"@type": "Person", "givenName": "Birte", "familyName": "Lindqvist"},
               {"@type": "Person", "givenName": "Ann", "additionalName": "Marie", "familyName": "Okafor"}]
    assert byline_of(page(jsonld_authors=authors)) == (["Birte Lindqvist", "Ann Marie Okafor"], [])


def test_jsonld_creator_when_no_author_is_named():
    creator = '"creator": [{"@type": "Person", "name": "Joan Ferreira"}]'
    html = page().replace('"headline": "Evening ferry added"', f'"headline": "Evening ferry added", {creator}')
    assert byline_of(html)[0] == ["Joan Ferreira"]


def test_jsonld_author_given_by_reference():
    html = page(jsonld_authors={"@id": "https://tidings.example/#/person/7"}).replace(
        "</head>", '<script type="application/ld+json">{"@type": "Person", '
        '"@id": "https://tidings.example/#/person/7", "name": "Joan Ferreira"}</script></head>')
    assert byline_of(html)[0] == ["Joan Ferreira"]


def test_jsonld_agency_beside_a_person_is_the_source_not_an_author():
    authors = [{"@type": "Person", "name": "Dana Whitlock", "jobTitle": "Senior reporter"},
               {"@type": "Organization", "name": "AP"}]
    assert byline_of(page(jsonld_authors=authors)) == (["Dana Whitlock"], ["AP"])


def test_an_agency_alone_is_the_byline():
    # "By The Associated Press" and nothing else: readers should still see who the article is by
    assert byline_of(page(jsonld_authors=[{"@type": "Person", "name": "The Associated Press"}])) == (
        ["The Associated Press"], ["The Associated Press"])


# ------------------------------------------------------------------------------ organisation or person


@pytest.mark.parametrize(
    ("jsonld", "metas", "before"),
    [
        # the publisher as the JSON-LD author, the person in the byline markup
        ({"@type": "Organization", "name": "The Tidings"}, "",
         '<p class="article__author">By Pilar Ocampo</p>'),
        # an unnamed organisation with the site's address, the person in an author meta tag
        ({"name": "tidings.example"}, '<meta name="cXenseParse:author" content="Pilar Ocampo">', ""),
        # the site's own name given as a Person
        ({"@type": "Person", "name": "The Tidings"}, "",
         '<div class="meta"><span>von</span> <span class="bold">Pilar Ocampo</span></div>'),
        # a publisher named in <meta name=author> with its address, a labelled byline in a list
        (None, '<meta name="author" content="The Tidings (www.tidings.example)">',
         '<ul class="info"><li><strong>Autorin/Autor</strong>\nPilar Ocampo\n</li></ul>'),
    ],
)
def test_a_person_byline_is_preferred_over_the_organisation(jsonld, metas, before):
    assert byline_of(page(jsonld_authors=jsonld, metas=metas, before=before)) == (["Pilar Ocampo"], [])


def test_the_organisation_is_kept_when_no_person_is_named():
    html = page(jsonld_authors={"@type": "Organization", "name": "The Tidings"})
    assert byline_of(html) == (["The Tidings"], [])


def test_an_agency_code_never_replaces_the_organisation():
    html = page(jsonld_authors={"@type": "Organization", "name": "The Tidings"},
                after='<p class="credits"><span>Text:</span> <span>APA</span></p>')
    assert byline_of(html) == (["The Tidings"], ["APA"])


def test_bylines_in_footers_and_asides_are_never_used():
    # the page names nobody; the aside's and the footer's bylines belong to other articles
    authors, agencies = byline_of(page())
    assert authors == [] and agencies == []


def test_author_links_of_related_articles_are_not_the_byline():
    before = '<p class="meta"><a rel="author" href="/p/1">Ines Vallejo</a> and ' \
             '<a rel="author" href="/p/2">Tom Brandt</a></p>'
    after = '<section class="related"><div><h3><a href="/c">Pier repairs</a></h3>' \
            '<div><a rel="author" href="/p/3">Lena Related</a></div></div></section>'
    assert byline_of(page(before=before, after=after))[0] == ["Ines Vallejo", "Tom Brandt"]


def test_authors_each_in_a_card_of_their_own():
    card = '<div class="card"><div class="content"><address><a rel="author" href="mailto:{0}@tidings.example">' \
           '<span>{1}</span> <span>{2}</span></a></address></div></div>'
    before = f'<section class="meta">{card.format("ines", "Ines", "Vallejo")}{card.format("tom", "Tom", "Brandt")}' \
             "</section>"
    assert byline_of(page(before=before))[0] == ["Ines Vallejo", "Tom Brandt"]


def test_an_author_link_without_text_does_not_hide_the_byline():
    metas = '<link rel="author" href="https://tidings.example/humans.txt">'
    before = '<p><a rel="author" href="/p/1">Ines Vallejo</a></p>'
    assert byline_of(page(metas=metas, before=before))[0] == ["Ines Vallejo"]


def test_comment_authors_are_not_the_byline():
    after = '<section id="comments"><div class="comment"><span class="comment-author">Carl Commenter</span>' \
            "<p>I take this ferry every day and the later boat is welcome news for all of us.</p></div></section>"
    assert byline_of(page(after=after))[0] == []


# ------------------------------------------------------------------------------------- names only


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By Jane Doe, Senior Correspondent", ["Jane Doe"]),
        ("Von Erika Muster | 3. April 2025, 08:15 Uhr", ["Erika Muster"]),
        ("By KWAME MENSAH and Lucy Tran, Staff Writers", ["Kwame Mensah", "Lucy Tran"]),
        ("Von Erika Muster und Hans Beispiel", ["Erika Muster", "Hans Beispiel"]),
        ("Por Ana García y Luis Pérez", ["Ana García", "Luis Pérez"]),
        ("Par Jeanne Moreau et Paul Lefèvre", ["Jeanne Moreau", "Paul Lefèvre"]),
        ("Av Kari Nordmann og Ola Nordmann", ["Kari Nordmann", "Ola Nordmann"]),
        ("Text: Mara Kovač / Ivo Horvat", ["Mara Kovač", "Ivo Horvat"]),
        ("By José Ortega y Gasset", ["José Ortega y Gasset"]),  # one name, not two
        ("Von Erika Muster, Redakteurin", ["Erika Muster"]),
        ("Por Ana García, corresponsal en Bruselas", ["Ana García"]),
        ("By Efe da Silva", ["Efe da Silva"]),  # a first name, not the agency EFE reporting from somewhere
        ("Jane Doe, WASHINGTON", ["Jane Doe"]),  # the dateline's place
    ],
)
def test_names_only(byline, expected):
    assert byline_of(page(before=f'<p class="byline">{byline}</p>'))[0] == expected


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        # texts of separate elements are separate words: a name, then a date or a weekday
        ('<span class="author">Jeff Fenwright</span><time>Monday</time>', ["Jeff Fenwright"]),
        ('<span class="author">Carrie Arbold</span><span>November 15, 2019</span>', ["Carrie Arbold"]),
        ('<div class="byline">Mike Webb and Mia Owen, November 11, 2019</div>', ["Mike Webb", "Mia Owen"]),
        # the publisher's name after the author's
        ('<div class="byline">By Kevin Mackeral<br>The Tidings</div>', ["Kevin Mackeral"]),
        # a user name beside the name it stands for
        ('<p><a rel="author" href="/u/1">Kevin Rebolo</a> <a rel="author" href="/u/1">kevin-r</a></p>',
         ["Kevin Rebolo"]),
        # words before "von" that are not a name, and "von" in a name
        ('<p class="byline">capital von Marta Quell 05.11.2024</p>', ["Marta Quell"]),
        ('<p class="byline">Ein Kommentar von Jan Seller</p>', ["Jan Seller"]),
        ('<p class="byline">Von Ursula von der Lahn und Hans von Ecke</p>',
         ["Ursula von der Lahn", "Hans von Ecke"]),
        ('<p class="byline">By Josh</p>', ["Josh"]),  # a short first name is a name, not initials
        ('<p class="byline">admin</p>', []),  # a content system's user, not a byline
        ('<div class="meta"><span>By</span><time>3 hours ago</time></div>', []),
        ('<div class="post-author">Mia Owen | 5 min read</div>', ["Mia Owen"]),
    ],
)
def test_names_from_byline_markup(markup, expected):
    assert byline_of(page(before=markup))[0] == expected


@pytest.mark.parametrize(
    ("byline", "authors", "agencies"),
    [
        ("Von Erika Muster, dpa", ["Erika Muster"], ["dpa"]),
        ("Von Erika Muster (dpa/AFP)", ["Erika Muster"], ["dpa", "AFP"]),
        ("By Jane Doe and Reuters", ["Jane Doe"], ["Reuters"]),
        ("Associated Press in Madrid", ["Associated Press"], ["Associated Press"]),
        ("AFP, MANILA", ["AFP"], ["AFP"]),
        ("SDA/abc", ["SDA"], ["SDA"]),  # the agency and the initials of the editor who handled it
        ("By ERIC TANNER<br>Associated Press", ["Eric Tanner"], ["Associated Press"]),
        ("The Tidings et AFP", ["The Tidings", "AFP"], ["AFP"]),  # no person: the organisations
    ],
)
def test_agencies_in_a_byline(byline, authors, agencies):
    assert byline_of(page(before=f'<p class="byline">{byline}</p>')) == (authors, agencies)


def test_a_role_alone_is_the_byline_when_nothing_else_is_named():
    assert byline_of(page(jsonld_authors=[{"@type": "Person", "name": "Tidings staff reporter"}]))[0] == [
        "Tidings staff reporter"]


def test_a_team_beside_a_person_is_not_an_author():
    authors = [{"@type": "Person", "name": "Dana Whitlock"}, {"@type": "Person", "name": "Travel Desk"}]
    assert byline_of(page(jsonld_authors=authors))[0] == ["Dana Whitlock"]


def test_an_organisation_in_capitals_is_not_initials():
    assert byline_of(page(jsonld_authors={"@type": "Organization", "name": "TRT"}))[0] == ["TRT"]


def test_names_in_chinese_characters_are_names():
    authors = [{"@type": "Organization", "name": "The Tidings"}]
    html = page(jsonld_authors=authors, metas='<meta name="cXenseParse:author" content="松岡大地">')
    assert byline_of(html)[0] == ["松岡大地"]


# ------------------------------------------------------------------------------------- datelines, feed


@pytest.mark.parametrize(
    ("dateline", "agencies"),
    [
        ("HARBOURTON (AP) — The evening crossing was announced by the ferry company.", ["AP"]),
        ("Berlin/Paris (dpa/AFP) - Die Fähre fährt ab Mai auch am Abend.", ["dpa", "AFP"]),
        ("OSLO, April 1 (Reuters) - The ferry operator added a crossing.", ["Reuters"]),
        ("Harbourton (Tidings) - The ferry operator added a crossing.", []),
    ],
)
def test_agency_named_by_the_dateline(dateline, agencies):
    html = page(jsonld_authors={"@type": "Person", "name": "Dana Whitlock"}, first=dateline)
    assert byline_of(html) == (["Dana Whitlock"], agencies)


@pytest.mark.parametrize(
    ("credit", "agencies"),
    [
        ("(Quelle: APA/sda/dpa)", ["APA", "sda", "dpa"]),
        ("dpa/abc", ["dpa"]),
        ("(AFP, Reuters)", ["AFP", "Reuters"]),
        ("With Tidings wires", []),
        ("Quelle: tidings.example", []),
    ],
)
def test_agency_named_by_a_credit_line_at_the_end(credit, agencies):
    html = page(jsonld_authors={"@type": "Organization", "name": "The Tidings"}, after=f"<p>{credit}</p>")
    assert byline_of(html) == (["The Tidings"], agencies)


def test_feed_authors_when_the_page_names_nobody():
    hint = FeedEntry(url=URL, title="Evening ferry added", authors=["By Lucy Tran, AFP"])
    assert byline_of(page(), hint=hint) == (["Lucy Tran"], ["AFP"])


def test_extract_command_prints_agencies(tmp_path):
    authors = [{"@type": "Person", "name": "Dana Whitlock"}, {"@type": "Organization", "name": "Reuters"}]
    path = tmp_path / "ferry.html"
    path.write_text(page(jsonld_authors=authors), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "newsdesk.cli", "extract", str(path), str(tmp_path / "gone.html")],
                          capture_output=True, text=True, timeout=120)
    record, failed = (json.loads(line) for line in done.stdout.splitlines())
    assert record["authors"] == ["Dana Whitlock"] and record["agencies"] == ["Reuters"]
    assert failed["agencies"] == [] and failed["error"]  # a page that cannot be read has the field too
