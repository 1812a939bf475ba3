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

# One invented event told in French and in German (tests/analyze/test_french.py, test_stage.py, the story page).
FRENCH = (
    "La digue de Vellerac a cédé dans la nuit de lundi à mardi, inondant le bas de la ville et forçant "
    "l'évacuation de 400 habitants.\n\n"
    "Le préfet de la Drôme, Antoine Mercier, a déclaré mardi que les secours resteraient sur place toute la "
    "semaine.\n\n"
    "« Nous avons évacué les maisons rue par rue, et personne ne manque à l'appel », a-t-il affirmé devant la "
    "presse. « Les pompiers vérifient encore les caves. »\n\n"
    "La porte-parole de la mairie, Claire Dubois, a démenti toute négligence dans l'entretien de la digue.\n\n"
    "Selon la gendarmerie, trois personnes ont été légèrement blessées pendant l'évacuation.\n\n"
    "Le maire Julien Roche estime que les réparations pourraient coûter plus de deux millions d'euros.\n\n"
    "« La digue avait été inspectée au printemps et rien ne laissait prévoir une rupture », explique-t-elle."
)
GERMAN = (
    "Der Damm von Vellerac ist in der Nacht zum Dienstag gebrochen und hat die Unterstadt überflutet. "
    "Rund 400 Einwohner mussten ihre Häuser verlassen.\n\n"
    "Präfekt Antoine Mercier sagte am Dienstag, die Rettungskräfte würden die ganze Woche vor Ort bleiben. "
    "„Niemand wird vermisst“, sagte er vor Journalisten."
)
ENGLISH = (
    "The dam at Vellerac in southern France gave way overnight on Tuesday, flooding the lower town and forcing "
    "400 residents from their homes.\n\n"
    "\"We evacuated the houses street by street, and nobody is missing,\" prefect Antoine Mercier told reporters."
)
