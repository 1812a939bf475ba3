"""Small news stories written for the tests: two earthquakes a year apart, a wire copy reprinted by
several outlets, an independent report, and an unrelated election."""

from __future__ import annotations

from datetime import UTC, datetime

WIRE_QUAKE = (
    "A magnitude 6.4 earthquake struck the northern province of Veldoria early on Tuesday, killing at least "
    "twelve people and damaging hundreds of homes, the national emergency agency said.\n\n"
    "The quake hit at 4:12 a.m. local time near the town of Marrask, about 80 kilometres from the capital "
    "Ostrava Nova, according to the Veldorian Seismological Institute.\n\n"
    "\"We are still pulling people from the rubble,\" said Irena Kovalt, the head of the emergency agency. "
    "\"The number of victims may rise as we reach the villages in the hills.\"\n\n"
    "Prime Minister Tomas Brevik declared a state of emergency in the province and sent army units to help "
    "with the rescue work.\n\n"
    "Aftershocks of magnitude 4.8 and 5.1 shook the region in the hours after the main quake, the institute said."
)

INDEPENDENT_QUAKE = (
    "Rescuers in Marrask worked through the night on Tuesday after a powerful earthquake flattened much of "
    "the old town centre in northern Veldoria.\n\n"
    "Residents said the shaking lasted nearly a minute. Many families slept outside in the cold, afraid of "
    "aftershocks, while volunteers handed out blankets at the football stadium.\n\n"
    "Irena Kovalt, who leads the national emergency agency, told reporters that at least twelve people had "
    "died and that the toll was expected to rise.\n\n"
    "The Veldorian Seismological Institute measured the earthquake at magnitude 6.4 and placed its centre "
    "near Marrask, 80 kilometres from Ostrava Nova.\n\n"
    "Engineers will inspect schools and the regional hospital before they reopen, the provincial governor said."
)

LATER_QUAKE = (
    "A magnitude 5.9 earthquake shook the southern coast of Veldoria on Friday, injuring dozens of people in "
    "the port city of Selvana, the national emergency agency said.\n\n"
    "The quake struck at 2:40 p.m. local time about 15 kilometres off the coast, according to the Veldorian "
    "Seismological Institute, and was felt as far away as the capital.\n\n"
    "Irena Kovalt, the head of the emergency agency, said no deaths had been reported so far and that teams "
    "were checking the harbour cranes and the old lighthouse.\n\n"
    "Ferry services to the islands were suspended for the rest of the day while port engineers inspected "
    "the piers, the harbour authority said."
)

ELECTION = (
    "Voters in the Republic of Austrand elected a new parliament on Sunday, with the centre-left Unity Party "
    "winning 41 percent of the vote, according to preliminary results from the electoral commission.\n\n"
    "Party leader Mara Quell told supporters in the capital Linden that she would start coalition talks on "
    "Monday. \"The people have asked for change, and we will deliver it,\" Quell said.\n\n"
    "Turnout reached 68 percent, the highest since 1998, the commission said.\n\n"
    "The conservative Civic Alliance came second with 33 percent, and its leader conceded defeat late on "
    "Sunday night."
)

BOILERPLATE_TOP = "Subscribe to our newsletter for the latest headlines every morning.\n\n"
BOILERPLATE_BOTTOM = "\n\nCopyright 2025 The Example Herald. All rights reserved."


def record(i: int, title: str, text: str, day: datetime | None, source: str) -> dict:
    return {"id": i, "title": title, "text": text, "published": day.isoformat() if day else None,
            "url": f"https://{source.lower().replace(' ', '')}.example/news/{i}", "source": source}


QUAKE_DAY = datetime(2025, 3, 4, 6, 0, tzinfo=UTC)
LATER_DAY = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
ELECTION_DAY = datetime(2025, 3, 2, 22, 0, tzinfo=UTC)


def records() -> list[dict]:
    """In arrival order. Ids 1, 2, 3, 5 are the wire story and its reprints; 4 the independent report;
    6 the election; 7 the quake a year later (a different event of the same kind)."""
    return [
        record(1, "Earthquake kills 12 in northern Veldoria", WIRE_QUAKE, QUAKE_DAY, "Wire Agency"),
        record(2, "Deadly quake hits Veldoria - The Example Herald",
               BOILERPLATE_TOP + WIRE_QUAKE + BOILERPLATE_BOTTOM, QUAKE_DAY, "The Example Herald"),
        record(3, "At least 12 dead as 6.4 quake strikes Marrask | Daily Sample",
               WIRE_QUAKE.rsplit("\n\n", 1)[0], QUAKE_DAY, "Daily Sample"),
        record(4, "Night of fear in Marrask as rescuers search rubble", INDEPENDENT_QUAKE, QUAKE_DAY, "Coast Post"),
        record(5, "Veldoria earthquake: state of emergency declared", WIRE_QUAKE, None, "Evening Example"),
        record(6, "Unity Party wins Austrand election", ELECTION, ELECTION_DAY, "Coast Post"),
        record(7, "Quake injures dozens in Veldoria port city of Selvana", LATER_QUAKE, LATER_DAY, "Wire Agency"),
    ]
