"""Per-site templates (newsdesk.extract.template) through extract_article(template=...), on the made-up pages of
one made-up site (tests/template_site.py)."""

from __future__ import annotations

import json

import pytest
from template_site import APPEAL, DECORATION, SITE, article_paragraphs, headline, page

from newsdesk.extract import HostTemplate, extract_article, observe_page


def learned(*pages: str, min_pages: int = 2) -> HostTemplate:
    template = HostTemplate(min_pages=min_pages)
    for html in pages:
        template = template.learned(observe_page(html))
    return template


def url(i: int) -> str:
    return f"{SITE}/news/story-{i}"


def test_without_a_template_the_furniture_stays():
    art = extract_article(page(2), url(2))
    assert APPEAL in art.text
    assert art.title == headline(2) + DECORATION  # no general rule strips it


def test_furniture_seen_on_another_page_of_the_site_is_dropped():
    art = extract_article(page(2), url(2), template=learned(page(0), page(1)))
    assert APPEAL not in art.text
    assert art.text.split("\n\n") == article_paragraphs(2)  # the article whole, its lead included
    assert art.title == headline(2)


def test_one_page_is_not_enough_with_three_as_the_setting():
    one = learned(page(0), min_pages=3)
    art = extract_article(page(2), url(2), template=one)
    assert APPEAL in art.text and art.title.endswith(DECORATION)
    two = learned(page(0), page(1), min_pages=3)
    art = extract_article(page(2), url(2), template=two)
    assert APPEAL not in art.text and art.title == headline(2)


def test_an_empty_template_changes_nothing():
    plain = extract_article(page(2), url(2))
    assert extract_article(page(2), url(2), template=HostTemplate()) == plain
    assert extract_article(page(2), url(2), template=learned(page(0), min_pages=0)) == plain


def test_an_article_quoted_as_a_teaser_on_other_pages_keeps_its_lead():
    # pages 0, 1 and 3 show article 2's first paragraph in their teaser box: another place in the template
    template = learned(page(0), page(1), page(3))
    art = extract_article(page(2), url(2), template=template)
    assert art.text.startswith(article_paragraphs(2)[0])


def test_a_copy_or_an_update_of_a_page_seen_before_keeps_its_text():
    earlier = page(2)
    update = page(2, slug="story-2-updated", body=[*article_paragraphs(2), "This report was updated at noon."])
    art = extract_article(update, f"{SITE}/news/story-2-updated", template=learned(earlier, page(0)))
    for p in article_paragraphs(2):
        assert p in art.text


def test_the_furniture_text_in_another_place_is_the_articles_own():
    template = learned(page(0), page(1))
    # as a plain paragraph of the article, and as a quote: not where the site puts its appeal
    quoted = page(4, appeal=False).replace("</div>\n</article>", f"<blockquote>{APPEAL}</blockquote></div>\n</article>")
    for html in (page(4, appeal=False, body=[*article_paragraphs(4), APPEAL]), quoted):
        assert APPEAL in extract_article(html, url(4), template=template).text


def test_title_decoration_is_stripped_only_when_it_names_the_site_or_leaves_the_headline():
    # a kicker the site puts before its headlines: learned, but it names no site and the rest is not the h1
    kicked = [page(i, decorate="", kicker="Live * ") for i in range(3)]
    template = learned(kicked[0], kicked[1])
    live = kicked[2].replace("<h1>Lighthouse keepers&#x27; cottage becomes a museum (2)</h1>", "<h1>Live coverage</h1>")
    live = live.replace(f'"headline": "{headline(2)}"', '"headline": "Live coverage"')
    assert "Live coverage</h1>" in live
    assert extract_article(live, url(2), template=template).title == f"Live * {headline(2)}"
    # the same start, when what is left is the page's h1: stripped
    assert extract_article(kicked[2], url(2), template=template).title == headline(2)
    # a date at the end (digits masked: one segment for every page) next to the site's short name
    dated = [page(i, decorate=f" – HT – {i + 10}.04.2025").replace(
        "harbourtimes.example", "ht.example") for i in range(3)]
    art = extract_article(dated[2], "https://ht.example/news/story-2", template=learned(dated[0], dated[1]))
    assert art.title == headline(2)


def test_the_template_is_bounded_and_survives_json():
    template = HostTemplate()
    for i in range(40):
        template = template.learned(observe_page(page(i)), max_blocks=30)
    assert len(template.blocks) == 30
    again = HostTemplate.from_json(json.loads(json.dumps(template.to_json())))
    assert again == template
    art = extract_article(page(41), url(41), template=again)
    assert APPEAL not in art.text  # what recurs is what is kept
    assert "Harbour" not in json.dumps(template.to_json())  # fingerprints only, no text of the site


@pytest.mark.parametrize("stored", [None, [], {"version": 9}, {"version": 1, "pages": "x"},
                                    {"version": 1, "pages": 3, "blocks": {"ab": "x"}, "titles": 5}])
def test_a_damaged_stored_template_is_an_empty_one(stored):
    template = HostTemplate.from_json(stored)
    assert template.blocks == {} and template.titles == {}
    assert extract_article(page(2), url(2), template=template).text == extract_article(page(2), url(2)).text


def test_the_site_is_the_registered_domain_of_the_canonical_url():
    assert observe_page(page(1)).host == "harbourtimes.example"
    no_canonical = page(1).replace('<link rel="canonical"', '<link rel="alternate"')
    # a subdomain counts as its site (the public suffix list; nothing is fetched)
    assert observe_page(no_canonical, "https://news.harbourtimes.co.uk/x").host == "harbourtimes.co.uk"
    assert observe_page(no_canonical).host == ""


def test_newsdesk_extract_learns_the_site_from_the_pages_given_together(tmp_path):
    import gzip
    import os
    import subprocess
    import sys

    files = []
    for i in range(3):
        path = tmp_path / f"story-{i}.html.gz"
        path.write_bytes(gzip.compress(page(i).encode()))
        files.append(str(path))
    other = tmp_path / "elsewhere.html"  # another site, given once: today's rules
    other.write_text(page(4).replace("www.harbourtimes.example", "www.otherpaper.example"))
    files.append(str(other))
    proc = subprocess.run([sys.executable, "-m", "newsdesk.cli", "extract", *files], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["path"] for r in records] == files
    for i, record in enumerate(records[:3]):
        assert record["title"] == headline(i)
        assert record["text"].split("\n\n") == article_paragraphs(i)
    assert APPEAL in records[3]["text"] and records[3]["title"].endswith(DECORATION)
    # one page of the site alone: nothing to learn from
    alone = subprocess.run([sys.executable, "-m", "newsdesk.cli", "extract", files[0]], capture_output=True,
                           text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert APPEAL in json.loads(alone.stdout)["text"]


def test_reading_a_hostile_page_is_bounded():
    from newsdesk.errors import TimeBudgetError
    from newsdesk.extract.article import _parse
    from newsdesk.extract.template import MAX_PAGE_BLOCKS, page_blocks
    from newsdesk.timebudget import deadline

    many = _parse("<html><body>" + "".join(f"<p>paragraph {i}</p>" for i in range(50_000)) + "</body></html>")
    assert len(page_blocks(many)) == MAX_PAGE_BLOCKS
    wide = _parse("<html><body><div>" + "<span>w</span>" * 100_000 + "</div></body></html>")
    with deadline(1e-9), pytest.raises(TimeBudgetError):  # the walk checks the article's deadline as it goes
        page_blocks(wide)
    nested = "<html><body>" + "<ul><li>level " * 2000 + "</li></ul>" * 2000 + "</body></html>"
    template = learned(nested, nested)
    assert template.pages == 2 and extract_article(page(1), url(1), template=template).text


def test_the_sites_name_in_its_usual_place_goes_with_what_follows_it():
    # "| Harbour Times | by <author>": the author changes from page to page, the site's name stands before it
    pages = [page(i, decorate=f" | Harbour Times | by {name}") for i, name in enumerate(["Ann Lee", "Bo Kim", "Cy Ng"])]
    art = extract_article(pages[2], url(2), template=learned(pages[0], pages[1]))
    assert art.title == headline(2)
    # a changing part before a segment that does not name the site: the template leaves it to the general rules
    other = [page(i, decorate=f" | Weekend | part {name}") for i, name in enumerate(["one", "two", "three"])]
    art = extract_article(other[2], url(2), template=learned(other[0], other[1]))
    assert art.title == extract_article(other[2], url(2)).title


def test_a_site_that_wraps_its_pages_in_a_form_is_learned_too():
    def wrapped(i: int) -> str:
        form = '<body><form id="aspnetForm" method="post">'
        return page(i).replace("<body>", form).replace("</body>", "</form></body>")

    art = extract_article(wrapped(2), url(2), template=learned(wrapped(0), wrapped(1)))
    assert APPEAL not in art.text and art.text.split("\n\n") == article_paragraphs(2)
