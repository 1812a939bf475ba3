from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.analyze.corroboration import (
    Carried,
    group_statements,
    only_state_media,
    same_content,
    speakers_compatible,
)
from newsdesk.analyze.statements import Statement
from newsdesk.labels import (
    LabelFileError,
    load_registry,
    parse_labels,
    parse_speaker_words,
    plural_forms,
    speaker_words,
)

EXTRA = """
[[outlet]]
name = "Calder Gazette"
domains = ["caldergazette.example"]
type = "newspaper"
country = "XX"
reference = "https://caldergazette.example/about"

[[outlet]]
name = "Reuters"
domains = ["reuters.com"]
type = "wire agency"
country = "GB"
reference = "https://example.org/overridden"
"""


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def test_builtin_registry_has_the_outlets_with_references(registry):
    names = {label.name for label in registry.labels}
    for outlet in ("Reuters", "Associated Press", "Agence France-Presse", "Deutsche Presse-Agentur", "BBC", "NPR",
                   "Deutsche Welle", "France 24", "CBC", "Al Jazeera", "The Guardian", "The New York Times",
                   "Xinhua News Agency", "Korean Central News Agency", "CGTN", "Global Times", "RT", "TASS",
                   "Sputnik", "Yonhap News Agency", "Kyodo News", "NHK", "Press Trust of India"):
        assert outlet in names
    assert len(registry.labels) >= 40
    assert all(label.reference.startswith("https://") and label.country for label in registry.labels)


@pytest.mark.parametrize("where, name, kind, state", [
    ("https://www.reuters.com/world/asia/story-123", "Reuters", "wire agency", False),
    ("en.yna.co.kr", "Yonhap News Agency", "wire agency", False),
    ("http://english.news.cn/20250101/abc.htm", "Xinhua News Agency", "state-controlled media", True),
    ("kcna.kp", "Korean Central News Agency", "state-controlled media", True),
    ("https://www.bbc.co.uk/news/world", "BBC", "public broadcaster", False),
    ("WWW.THEGUARDIAN.COM:443/world", "The Guardian", "newspaper", False),
    ("https://abcnews.go.com/International", "ABC News", "broadcaster", False),
])
def test_label_for_domains_and_subdomains(registry, where, name, kind, state):
    label = registry.label_for(where)
    assert label is not None and (label.name, label.type, label.state_controlled) == (name, kind, state)


@pytest.mark.parametrize("where", ["https://notreuters.com/x", "reuters.com.evil.example", "go.com", "", None])
def test_unknown_domains(registry, where):
    assert registry.label_for(where) is None


def test_names_and_aliases(registry):
    assert registry.is_state_media("Xinhua") and registry.is_state_media("KCNA")
    assert not registry.is_state_media("Reuters")
    assert registry.label_for_name("the Associated Press").name == "Associated Press"
    assert registry.is_outlet("AFP") and not registry.is_outlet("Elena Voss")


def test_an_outlet_is_named_as_written(registry):
    """"People" and "Time" are magazines; "people" and "time" in a sentence are not."""
    assert registry.is_outlet("People") and registry.is_outlet("the Washington Post")
    assert not registry.is_outlet("people") and not registry.is_outlet("time")
    assert registry.is_state_media("TASS") and not registry.is_state_media("tass")


@pytest.mark.parametrize("noun, speaks", [
    ("spokesman", True), ("spokesmen", True), ("economists", True), ("historian", True), ("congresswoman", True),
    ("ex-wife", True), ("ministries", True), ("statement", True), ("analyses", True), ("poll", True),
    ("coffee", False), ("phone", False), ("decision", False), ("questions", False), ("promises", False),
    ("list", False), ("checklist", False), ("median", False),
])
def test_which_common_nouns_can_name_a_speaker(noun, speaks):
    assert speaker_words().can_speak(noun) is speaks


def test_speaker_kinds_are_read_from_the_data_file():
    words = speaker_words()
    assert words.kind_of("a source close to the talks") == "anonymous"
    assert words.kind_of("the official news agency of the state, state-run") == "state_media"
    assert words.kind_of("the influential US daily") == "media"
    assert words.kind_of("Chinese Foreign Ministry spokesperson") == "official"
    assert words.kind_of("Brisvale district attorney") == "official"
    assert words.kind_of("dock worker") is None
    assert plural_forms("ministry") >= {"ministry", "ministries"} and "spokeswomen" in plural_forms("spokeswoman")


def test_a_broken_speaker_words_file_says_what_is_wrong():
    with pytest.raises(LabelFileError, match="speaker_nouns"):
        parse_speaker_words("[speaker_nouns]\npeople = 3\n")
    with pytest.raises(LabelFileError, match="not valid TOML"):
        parse_speaker_words("[kinds\n")


def test_extra_file_adds_and_overrides(tmp_path: Path):
    extra = tmp_path / "labels.toml"
    extra.write_text(EXTRA, encoding="utf-8")
    registry = load_registry(extra)
    assert registry.label_for("https://news.caldergazette.example/a").name == "Calder Gazette"
    assert registry.label_for("reuters.com").reference == "https://example.org/overridden"


def test_settings_field_exists():
    from newsdesk.config import Settings

    assert Settings().source_labels_file == ""


@pytest.mark.parametrize("text, message", [
    ("[[outlet]]\nname = 'X'\n", "'type' must be a non-empty string"),
    ("[[outlet]]\nname='X'\ntype='blog'\ncountry='US'\nreference='r'\n", "'domains' must be a non-empty list"),
    ("[[outlet]]\nname='X'\ndomains=['x.example']\ntype='tabloid'\ncountry='US'\nreference='r'\n", "unknown type"),
    ("[[outlet]]\nname='X'\ndomains=['x.example']\ntype='blog'\ncountry='US'\nreference='r'\ncolour=1\n",
     "unknown key(s) colour"),
    ("outlet = 3\n", "expected [[outlet]] entries"),
    ("[[outlet]\n", "not valid TOML"),
])
def test_bad_label_files_say_what_is_wrong(text, message):
    with pytest.raises(LabelFileError) as info:
        parse_labels(text, "extra.toml")
    assert message in str(info.value) and "extra.toml" in str(info.value)


def test_missing_extra_file(tmp_path: Path):
    with pytest.raises(LabelFileError, match="cannot read source labels"):
        load_registry(tmp_path / "absent.toml")


def statement(text: str, speaker: str | None = "KCNA", kind: str = "state_media") -> Statement:
    return Statement(speaker, None, text, "report", kind, "reported", 0, len(text))


def test_claim_carried_only_by_state_media(registry):
    """Only state media carry a claim when every outlet carrying it is state-controlled; a claim an independent
    outlet relays ("KCNA reported ...") is that outlet's too (its speaker's kind says where it comes from)."""
    claim = "the new canal had been completed ahead of schedule"
    relayed = [Carried(1, 1, statement(claim, "KCNA"), "https://kcnawatch.example/x"),
               Carried(2, 2, statement(claim, "KCNA"), "http://www.news.cn/a")]
    [group] = group_statements(relayed)
    # kcnawatch.example is unlabelled: not only state media.
    assert not only_state_media((c.outlet for c in group.items), registry)
    assert only_state_media(["http://www.news.cn/a", "https://kcna.kp/b"], registry)
    assert not only_state_media(["http://www.news.cn/a", "https://www.reuters.com/b"], registry)
    assert not only_state_media([], registry)


def test_grouping_counts_independent_origins_once():
    base = "Mayor Jonas Weber said the city would pay half of the bill for the terminal"
    items = [
        Carried(1, 1, statement("the city would pay half of the bill for the terminal", "Jonas Weber", "official")),
        Carried(2, 1, statement("the city would pay half of the bill for the terminal", "Jonas Weber", "official")),
        Carried(3, 3, statement("the city will pay half the bill for the new terminal", "Weber", "official")),
        Carried(4, 4, statement("the ferries might start late because of the weather", "officials", "official")),
    ]
    groups = group_statements(items)
    assert [g.independent_origins for g in groups] == [2, 1]
    assert [c.article_id for c in groups[0].items] == [1, 2, 3]
    assert base.endswith(groups[0].statement.text) or "new terminal" in groups[0].statement.text


def test_similarity_helpers():
    assert same_content("the talks might fail", "The talks might fail.")
    assert not same_content("the talks might fail", "the bridge opened on Monday")
    assert speakers_compatible("Kim", "Kim Jong Un") and speakers_compatible(None, "Xi")
    assert not speakers_compatible("Elena Voss", "Ruth Okafor")
