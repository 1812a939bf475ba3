"""The inline SVG charts (newsdesk.web.charts): bars, buckets and the words of their text alternative."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from newsdesk.store.pictures import FetchRecord
from newsdesk.web.charts import HEIGHT, MAX_BARS, REPORT, REPRINT, STATUS_COLOURS, coverage_chart, fetch_history_chart

T0 = datetime(2025, 10, 14, 5, 10, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(str(svg).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def bars(svg: str) -> list[tuple[float, float, str]]:
    """(x, height, fill) of each bar."""
    return [(float(r.get("x")), float(r.get("height")), r.get("fill")) for r in parsed(svg).iter(SVG + "rect")]


def test_reports_per_hour_with_reprints_stacked_and_described():
    reports = [(T0, False), (T0 + timedelta(minutes=20), False), (T0 + timedelta(minutes=30), True),
               (T0 + timedelta(hours=2), False), (None, False)]
    svg = coverage_chart(reports)
    root = parsed(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "coverage-chart-t coverage-chart-d"
    assert root.find(SVG + "title").text == "Reports per hour"
    assert root.find(SVG + "desc").text == (
        "3 independent reports and 1 reprint from 14 Oct 05:00 to 14 Oct 17:00 UTC, one bar per hour; the busiest "
        "began 14 Oct 05:00 with 3. 1 report without a date not shown.")
    drawn = bars(svg)
    # hour 1: two reports and a reprint on top; hour 2: nothing; hour 3: one report
    assert [fill for _, _, fill in drawn] == [REPORT, REPRINT, REPORT]
    plot = HEIGHT - 18
    assert [round(h, 1) for _, h, _ in drawn] == [round(plot * 2 / 3, 1), round(plot / 3, 1), round(plot / 3, 1)]
    assert drawn[0][0] == drawn[1][0] < drawn[2][0]
    assert "<script" not in svg and "style=" not in svg


def test_a_long_story_gets_wider_bars_never_more_than_the_limit():
    reports = [(T0 + timedelta(hours=h), False) for h in range(0, 24 * 30, 5)]  # a month, every five hours
    svg = coverage_chart(reports)
    assert parsed(svg).find(SVG + "title").text == "Reports per 24 hours"
    assert len(bars(svg)) == 30 <= MAX_BARS
    years = [(T0 + timedelta(days=d), False) for d in range(0, 3 * 365, 30)]
    assert len(bars(coverage_chart(years))) <= MAX_BARS


def test_one_dated_report_is_no_chart():
    assert coverage_chart([(T0, False), (None, True)]) is None
    assert coverage_chart([]) is None


def test_fetch_history_bars_by_outcome():
    outcomes = [("ok", 4), ("not_modified", 0), ("warning", 0), ("error", 0), ("ok", 2)]
    history = [FetchRecord(T0 + timedelta(minutes=15 * i), status, stored)
               for i, (status, stored) in enumerate(outcomes)]
    svg = fetch_history_chart(history)
    root = parsed(svg)
    assert root.find(SVG + "title").text == "Fetch history"
    assert root.find(SVG + "desc").text == (
        "5 fetches from 14 Oct 05:10 to 14 Oct 06:10 UTC: 2 answered, 1 unchanged, 1 with warnings, 1 failed; "
        "6 articles stored. Bar height: articles stored; a failed fetch is a full red bar.")
    drawn = bars(svg)
    assert [fill for _, _, fill in drawn] == [STATUS_COLOURS[s] for s in
                                            ("ok", "not_modified", "warning", "error", "ok")]
    plot = HEIGHT - 18
    assert [round(h, 1) for _, h, _ in drawn] == [plot, 4.0, 4.0, plot, plot / 2]
    assert [t.text for t in root.iter(SVG + "text")] == ["14 Oct 05:10 UTC", "14 Oct 06:10"]
    assert re.search(r"<svg [^>]*viewBox=", svg)


def test_no_fetch_no_chart():
    assert fetch_history_chart([]) is None
