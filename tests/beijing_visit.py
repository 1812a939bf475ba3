"""Passages written for the analysis tests (tests/analyze/test_stage.py, the web fixtures of tests/web/whosaid.py):
an invented visit (public figures in invented sentences) reported by a wire agency, reprinted by a newspaper, and
reported independently by a state-controlled outlet."""

from __future__ import annotations

from newsdesk.keys import entity_key

KIM = entity_key("Kim Jong Un", "PERSON")

# The original report (a wire agency): a named official's quote.
ORIGIN_URL = "https://apnews.com/article/kim-beijing-visit"
ORIGIN = (
    "North Korean leader Kim Jong Un arrived in Beijing on Tuesday for talks with Chinese President Xi Jinping, "
    "his first trip abroad this year.\n\n"
    "\u201cThe visit is of great significance for the friendship between our two countries,\u201d Chinese Foreign "
    "Ministry spokesperson Guo Jiakun said at a briefing in Beijing.\n\n"
    "Kim travelled by armoured train and was met at the station by senior Chinese officials. The talks are "
    "expected to last two days, and the two leaders will attend a banquet on Wednesday evening.\n\n"
    "South Korea's Unification Ministry said it was closely watching the visit."
)
# A newspaper's reprint of it: its own headline and boilerplate, the last paragraph trimmed.
COPY_URL = "https://www.harbordaily.example/world/kim-armoured-train"
COPY = ORIGIN.rsplit("\n\n", 1)[0] + "\n\nFollow Harbor Daily for more world news every morning."
# An independent report by a state-controlled outlet (news.cn is labelled so): a claim and a speculation.
STATE_URL = "https://english.news.cn/20250902/kim-xi-talks.html"
STATE = (
    "Kim Jong Un, the leader of North Korea, arrived in Beijing on Tuesday for talks with Xi Jinping, "
    "the official Korean Central News Agency reported.\n\n"
    "KCNA said the two leaders had agreed to open three new border crossings on the Yalu River.\n\n"
    "Analysts believe Kim may be seeking fresh economic aid from China after a poor harvest."
)
