"""The article body: furniture that sits inside article containers, and pages that keep the article in a script.

Every page here is written for these tests.
"""

from __future__ import annotations

import json
import time

import pytest

from newsdesk.errors import ExtractionError
from newsdesk.extract import article as article_module
from newsdesk.extract import extract_article
from newsdesk.extract.boilerplate import is_boilerplate_line

URL = "https://courier.example/city/2025/market-hall"

PARAGRAPHS = [
    "The covered market hall on the river front reopened on Saturday after eighteen months of work on its "
    "roof, its drains and the old cast-iron columns that hold up the glass.",
    "Traders who had moved to tents in the car park returned to their stalls before dawn, and several of "
    "them said the first morning brought more customers than any week of the past year.",
    "The council paid for most of the work from a heritage grant, and a local brewery covered the cost of "
    "new lighting in exchange for a stall near the main entrance for the next ten years.",
    "A second phase, which will add a roof terrace and public toilets, is due to start in the autumn if "
    "the council approves the budget at its meeting next month.",
]


def page(extra: str = "", *, before: str = "", paragraphs: list[str] | None = None) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in (PARAGRAPHS if paragraphs is None else paragraphs))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Market hall reopens | The Courier</title>
<meta property="og:title" content="Market hall reopens"></head><body>
<header><nav><a href="/">Home</a> <a href="/city">City</a></nav></header>
<main><article><h1>Market hall reopens</h1>
{before}
{body}
{extra}
</article></main>
<footer><p>The Courier, 1 Quay Street.</p></footer></body></html>"""


# ------------------------------------------------------------------------------------------- link lists


RELATED_LIST = """<ul>
<li><a href="/city/1">Bridge works to close the quay road for a month while engineers replace the bearings</a></li>
<li><a href="/city/2">Council sets the budget for the new library wing after a long debate about the roof</a></li>
<li><a href="/city/3">Ferry timetable changes from next Monday as the operator cuts the late boats</a></li></ul>"""

OWN_LIST = """<ul>
<li>Opening hours are now seven in the morning to six in the evening, every day but Monday.</li>
<li>Parking is free for the first hour in the new <a href="/map">multi-storey car park</a>.</li>
<li>Deliveries must reach the loading bay before six, or wait until the afternoon slot.</li></ul>"""


def test_a_list_of_links_inside_the_article_is_dropped_and_the_articles_own_list_kept():
    middle = f"<p>{PARAGRAPHS[0]}</p>{RELATED_LIST}{OWN_LIST}"
    text = extract_article(page(before=middle, paragraphs=PARAGRAPHS[1:]), URL).text
    assert "Bridge works to close" not in text and "Ferry timetable" not in text
    assert "Opening hours are now seven" in text and "multi-storey car park" in text
    for p in PARAGRAPHS:
        assert p in text
    # without the pruning, the extractor keeps the related list as article text
    tree = article_module._parse(page(before=middle, paragraphs=PARAGRAPHS[1:]))
    kept = article_module.extract_body(tree, URL, settings=article_module.BodySettings(prune_link_lists=False))
    assert "Bridge works to close" in kept


# ------------------------------------------------------------------------------------------- furniture lines


@pytest.mark.parametrize(
    "line",
    [
        "Lesen Sie auch: Neue Brücke über den Fluss wird teurer",
        "Les også: Fergen får ny rutetabell fra mandag",
        "Czytaj więcej",
        "À lire aussi La nouvelle passerelle ouvrira en mai",
        "Lea también: El mercado amplía su horario",
        "Leia também: Prefeitura aprova orçamento",
        ">> Hier finden Sie alle Termine im Überblick",
        "Folgen Sie uns auf Instagram und Facebook",
        "Fehler gefunden? Jetzt melden.",
        "Foto: Maria Muster, Stadtarchiv",
        "Фото: Иван Петров",
        "Photo: AFP",
        "Stand: 22.04.2024, 06:00 Uhr",
        "Uppdaterad 15.59 | Publicerad 14.14",
        "Updated at 1:23 p.m.",
        "Mis à jour le 3 mai 2024",
        "02:57 Min.. Verfügbar bis 06.05.2024.",
        "Anzeige",
        "Story continues below",
        "Copyright © Agence 2017-2026. Für die kommerzielle Nutzung ist ein Abonnement erforderlich.",
        "<Copyright ⓒ 시티뉴스. All rights reserved. 무단 전재 및 재배포 금지>",
        "Do you have a story to tell? Email: newsdesk@courier.example",
        "Are protests breaking out in your area? Get in touch at webnews@courier.example",
        "Passer la publicité",
    ],
)
def test_furniture_lines_in_many_languages_are_dropped(line):
    assert is_boilerplate_line(line)
    text = extract_article(page(paragraphs=PARAGRAPHS[:2] + [line] + PARAGRAPHS[2:]), URL).text
    assert text.split("\n\n") == PARAGRAPHS


@pytest.mark.parametrize(
    "line",
    [
        "Related to the works, the council also repaved the square in front of the hall.",
        "Updated figures from the council show that visitor numbers doubled in the first week.",
        "Stand-up comedians will perform in the hall on the first Friday of every month.",
        "Fotos aus dem Stadtarchiv zeigen die Halle im Jahr 1902, kurz nach der Eröffnung.",
        "Lesen ist für viele Händler Nebensache: Sie verkaufen von früh bis spät.",
        "« Nous attendions ce jour depuis longtemps », a dit une commerçante.",
        "»Wir haben lange auf diesen Tag gewartet«, sagte eine Händlerin.",
        "— A trader (@markettrader) March 3, 2025",
        "Copyright lawyers say the stall designs cannot be protected.",
        "Published 12 May 2024 in a planning journal, the study found the hall needed a new roof.",
        "The council asked traders to email their opening hours to the market office by Friday.",
    ],
)
def test_article_sentences_that_look_alike_are_kept(line):
    assert not is_boilerplate_line(line)


# ------------------------------------------------------------------------------------------- script payloads


def shell(scripts: str, head: str = "") -> str:
    """A page rendered by JavaScript: metadata in the head, no article text in the markup."""
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Market hall reopens | The Courier</title>
<meta property="og:title" content="Market hall reopens">
<meta property="article:published_time" content="2025-06-07T08:00:00Z">{head}</head>
<body><div id="root"><div class="spinner"></div></div>{scripts}</body></html>"""


def article_html() -> str:
    paragraphs = "".join(f'<p class="editor-p">{p}</p><div class="ad"></div>' for p in PARAGRAPHS)
    return f'<div class="caption"><p>The hall at dawn.</p></div>{paragraphs}'


def test_article_html_in_next_data_is_the_body_when_the_markup_has_none():
    data = {"props": {"pageProps": {"story": {"id": 7, "teaser": "<p>Market hall reopens.</p>",
                                              "contentHtml": article_html()}}}}
    # json.dumps escapes nothing of the markup; a browser-safe dump escapes "<" as \u003c
    dumped = json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e")
    html = shell(f'<script id="__NEXT_DATA__" type="application/json">{dumped}</script>')
    art = extract_article(html, URL)
    assert art.text.split("\n\n")[-len(PARAGRAPHS):] == PARAGRAPHS
    assert art.title == "Market hall reopens"
    assert art.published is not None and art.published.year == 2025


def test_article_html_escaped_twice_in_a_server_components_push():
    inner = json.dumps({"contentHtml": article_html()}).replace("<", "\\u003c")
    pushed = json.dumps([1, f"5:{inner}\n"])
    html = shell(f"<script>self.__next_f.push({pushed})</script><script>self.__next_f.push([1,\"2:x\"])</script>")
    text = extract_article(html, URL).text
    for p in PARAGRAPHS:
        assert p in text


def test_json_ld_article_body_when_no_script_holds_html():
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Market hall reopens",
          "articleBody": "\n".join(PARAGRAPHS)}
    html = shell("", head=f'<script type="application/ld+json">{json.dumps(ld)}</script>')
    assert extract_article(html, URL).text.split("\n\n") == PARAGRAPHS


def test_a_shell_without_any_article_still_fails_clearly():
    teaser = json.dumps({"teaser": "<p>Market hall reopens.</p>", "menu": ["<p>Home</p>"] * 3})
    with pytest.raises(ExtractionError, match="no article body"):
        extract_article(shell(f"<script>window.state = {teaser}</script>"), URL)


def test_the_script_scan_is_bounded_on_hostile_payloads():
    # megabytes of near-strings, of escaped paragraphs that never close, of backslashes, of "<" in JSON-LD
    junk = '"' + "\\u003cp " * 300_000 + ('"a", ' * 200_000) + '"' + "\\" * 1_000_000 + '"'
    ld = {"@type": "NewsArticle", "articleBody": "<p " * 300_000}
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    html = shell(f"<script>var x = [{junk}];</script>", head=head)
    started = time.monotonic()
    try:
        extract_article(html, URL)
    except ExtractionError:
        pass
    assert time.monotonic() - started < 10


# ------------------------------------------------------------------------------------------- ruby


def test_ruby_readings_stay_inside_their_sentence():
    sentence = ("市の中心部にある市場の建物が、一年半に及ぶ改修工事を終えて土曜日に再開し、朝早くから多くの買い物客が"
                "訪れた。")
    with_rp = "<ruby><rb>改修</rb><rp>（</rp><rt>かいしゅう</rt><rp>）</rp></ruby>"
    without_rp = "<ruby>市場<rt>いちば</rt></ruby>"
    paragraphs = [
        f"市議会は{with_rp}費用の大部分を補助金で賄ったと説明した。{sentence}",
        f"地元の{without_rp}組合によると、再開初日の来場者は昨年のどの週よりも多かったという。{sentence}",
        sentence * 2,
    ]
    text = extract_article(page(paragraphs=paragraphs).replace('lang="en"', 'lang="ja"'), URL).text
    lines = text.split("\n\n")
    assert "市議会は改修（かいしゅう）費用の大部分を" in lines[0]
    assert "地元の市場(いちば)組合によると" in lines[1]
    assert len(lines) == 3


# ------------------------------------------------------------------------------------------- body chunks


def test_body_chunks_whose_classes_differ_in_a_modifier_are_joined():
    chunks = [
        f'<div class="body articleBody {modifier}"><p>{p}</p></div><div class="ad"><p>Advertisement</p></div>'
        for modifier, p in zip(("-first", "", "-bottom-space", ""), PARAGRAPHS, strict=True)
    ]
    html = page(before="".join(chunks), paragraphs=[])
    text = extract_article(html, URL).text
    assert text.split("\n\n") == PARAGRAPHS


def test_text_for_screen_readers_only_is_not_article_text():
    hidden = '<span class="visually-hidden">Article content</span><h2 class="sr-only">Share this article</h2>'
    text = extract_article(page(before=hidden), URL).text
    assert text.split("\n\n") == PARAGRAPHS


def test_an_article_whose_markup_puts_its_paragraphs_in_figures_is_still_extracted():
    # figures are pictures and embeds, pruned first; a page that (wrongly) wraps its text in them keeps it
    figures = "".join(f'<figure class="block"><p>{p}</p></figure>' for p in PARAGRAPHS)
    text = extract_article(page(before=figures, paragraphs=[]), URL).text
    for p in PARAGRAPHS:
        assert p in text


def test_a_briefing_made_of_links_keeps_its_list():
    items = "".join(f'<li><a href="/n/{i}">Story {i}: the council budget, the tram line and the harbour bridge '
                    "works, in one short summary</a></li>" for i in range(12))
    html = page(before=f"<ul>{items}</ul>", paragraphs=["Here are the stories of the day from the city."])
    text = extract_article(html, URL).text
    assert "Story 0: the council budget" in text and "Story 11: the council budget" in text
