"""Who said what, as a reader sees it in a browser: on a story page, a statement that two independent outlets
carry (in other words in each) says so and links both, and a claim that only state-controlled media carry says
that, never "independent" (issue 16's acceptance). The story is who_said_what_story.BRIDGE, served by the real app."""

from __future__ import annotations

from who_said_what_story import BRIDGE_IDS


def statement_item(page, words: str):
    """The <li> of the "Who said what" section whose words contain `words` (exactly one)."""
    items = page.locator("section.who-said-what li.said").filter(has_text=words)
    assert items.count() == 1, f"{items.count()} statements with {words!r}"
    return items.first


def test_story_page_notes_state_media_only_and_independent_corroboration(page, site, screenshot):
    story_ids = {site.story_with(cid) for cid in BRIDGE_IDS}
    assert len(story_ids) == 1, "the three bridge reports are one story"
    story_id = story_ids.pop()
    response = page.goto(f"{site.url}/stories/{story_id}")
    assert response.status == 200
    page.locator("#statements-h").scroll_into_view_if_needed()

    minister = statement_item(page, "checked every cable")
    text = " ".join(minister.inner_text().split())
    assert "Anna Kovac" in text and "minister (official)" in text
    assert "Carried by 2 independent outlets" in text
    outlets = minister.locator("p.carried a").all_inner_texts()
    assert sorted(outlets) == ["Coast Times", "Harbour Daily"]
    assert minister.locator(".state-media-only").count() == 0
    assert "state-controlled" not in text

    claim = statement_item(page, "rebuild the damaged pillar")
    text = " ".join(claim.inner_text().split())
    assert "(state media)" in text
    assert "Carried by 1 state-controlled outlet" in text and "independent outlet" not in text.replace(
        "No independent outlet reports it", "")
    note = claim.locator("p.note.state-media-only")
    assert note.is_visible()
    assert " ".join(note.inner_text().split()) == (
        "Only state-controlled media carry this. No independent outlet reports it.")
    assert claim.locator("p.carried a").all_inner_texts() == ["Xinhua"]

    # Carried by independent reports, one of them state media: that outlet is named as such.
    port = statement_item(page, "hit a pillar of the Dravena river bridge")
    text = " ".join(port.inner_text().split())
    assert "Carried by 3 independent outlets" in text and "Xinhua (state media)" in text
    assert "Harbour Daily (state media)" not in text and port.locator(".state-media-only").count() == 0

    # Every statement: the note exactly when the API says only state media carry it, and never beside a count of
    # independent outlets.
    api = page.request.get(f"{site.url}/api/stories/{story_id}").json()
    items = page.locator("section.who-said-what li.said")
    assert items.count() == len(api["statements"])
    for k in range(items.count()):
        shown = " ".join(items.nth(k).inner_text().split())
        state_only = items.nth(k).locator(".state-media-only").count() == 1
        assert state_only == ("Carried by" in shown and "state-controlled outlet" in shown)
        assert not (state_only and "independent outlets" in shown.replace("No independent outlet", ""))
    assert sum(s["state_media_only"] for s in api["statements"]) == page.locator(
        "section.who-said-what .state-media-only").count()
    # Brief sentences say so beside their citations exactly when the API marks them.
    assert page.locator("ol.brief .state-media-only").count() == sum(b["state_media_only"] for b in api["brief"])
    screenshot(page, "story-who-said-what")
