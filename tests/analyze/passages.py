"""Passages written for these tests (invented outlets, people and events; public figures in invented sentences)."""

SUMMIT = (
    "North Korean leader Kim Jong Un arrived in Beijing on Tuesday for talks with Chinese leader Xi Jinping. "
    "The visit, reported by state media on Wednesday, was Kim's first abroad this year.\n\n"
    "Chinese Foreign Ministry spokesperson Guo Jiakun emphasized the \u2018great significance\u2019 of the talks. "
    "Kim\u2019s delegation included his sister.\n\n"
    "Experts suggest that the visit may prepare a new trade agreement. "
    "Analysts believe Kim is seeking fresh economic aid.\n\n"
    "Putin dismissed reports of a three-way pact, and Professor Zhu Feng of Nanjing University cautioned "
    "against reading too much into the parade, noting that close ties could complicate Beijing's image."
)

QUOTES = (
    "Harbour Minister Elena Voss opened the new ferry terminal at Port Calder on Monday.\n\n"
    "\u201cThis terminal will carry two million passengers a year. It is the biggest project the region has "
    "seen,\u201d Voss said.\n\n"
    "\u201cWe expect the first ships in March,\u201d she added.\n\n"
    "Dock worker Tomas Brandt said: \"Nobody asked us about the night shifts.\"\n\n"
    "\"The timetable is final,\" said port director Ruth Okafor. \"We will not change it.\""
)

REPORTED = (
    "According to the Calder Gazette, the terminal cost 40 million euros. "
    "Mayor Jonas Weber told reporters that the city would pay half of the bill. "
    "A source familiar with the matter said the contract had been signed in secret. "
    "Officials said the ferries might start late because of the weather. "
    "The company denied that it had cut safety checks."
)

STATE_MEDIA = (
    "KCNA reported that the new canal had been completed ahead of schedule. "
    "Xinhua said the project would double the region's grain exports."
)
