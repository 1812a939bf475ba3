"""The story of tests/browser/test_who_said_what.py, added to the browser site by conftest.py."""

from __future__ import annotations

from datetime import UTC, datetime

# Who said what, and who carries it: a bridge struck by a ship, reported by two independent outlets (the
# minister's statement in other words in each) and by a state-controlled one (by its outlet name: Xinhua) that
# alone carries a claim of its own. Written for these tests; corpus ids BRIDGE_IDS.
BRIDGE_DAY = datetime(2025, 4, 14, 7, 0, tzinfo=UTC)
BRIDGE = [
    ("Harbour Daily", "Dravena bridge shut after cargo ship strikes pillar",
     "A cargo ship struck a pillar of the Dravena river bridge early on Monday, and the bridge was closed to all "
     "traffic, the port authority said.\n\n"
     "Nobody was hurt when the Baltic Trader, carrying timber, hit the second pillar from the eastern bank in "
     "thick fog shortly before 5 a.m.\n\n"
     "Transport minister Anna Kovac said the bridge would stay closed until engineers had checked every cable.\n\n"
     "Commuters between Dravena and Port Selin face a detour of more than 40 kilometres while the bridge is shut."),
    ("Coast Times", "Dravena bridge closed after ship collision",
     "The Dravena river bridge was closed on Monday after the cargo ship Baltic Trader hit one of its pillars in "
     "fog, the port authority said.\n\n"
     "Engineers must inspect all the cables before the bridge reopens, Anna Kovac, the transport minister, told "
     "reporters in Dravena.\n\n"
     "The ship's captain was questioned by police, and the timber on board was unloaded at Port Selin.\n\n"
     "Drivers between Dravena and Port Selin were told to use the ring road, a detour of about 40 kilometres."),
    ("Xinhua", "Cargo ship hits Dravena bridge pillar",
     "The cargo ship Baltic Trader hit a pillar of the Dravena river bridge on Monday morning, and the bridge was "
     "closed to traffic, the port authority said.\n\n"
     "Xinhua reported that a Chinese engineering firm had offered to rebuild the damaged pillar free of charge.\n\n"
     "The bridge, which links Dravena and Port Selin, carries about 30,000 vehicles a day."),
]
BRIDGE_IDS = (9, 10, 11)
