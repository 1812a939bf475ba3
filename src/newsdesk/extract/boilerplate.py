"""Lines of an extracted body that are page furniture, not article text, in many languages.

The phrases are data: a line is dropped when it is short and *starts* with one of them (or, for labels,
is nothing but the label and a short value). They are the words sites everywhere put on "read also"
links, follow-us and newsletter calls, photo credits, "updated on" stamps and advertisement labels;
none belongs to one publisher. Add a language by adding its words to each list.
"""

from __future__ import annotations

import re

__all__ = ["is_boilerplate_line"]

# A line that points to another article: "Lesen Sie auch: ...", "Czytaj więcej", "Les også: ...".
SEE_ALSO = (
    # English (article.py's own rules cover "Read more: ...", "Related: ..." and kin)
    "read also", "see also", "also read", "more on this",
    # German
    "lesen sie auch", "lesen sie mehr", "lesen sie hier", "lies auch", "lies mehr", "mehr zum thema",
    "auch interessant", "das könnte sie auch interessieren", "das könnte sie interessieren",
    "das könnte dich auch interessieren", "zum weiterlesen", "weiterlesen", "siehe auch",
    # French
    "lire aussi", "à lire aussi", "a lire aussi", "lire la suite", "voir aussi", "à voir aussi",
    "sur le même sujet",
    # Spanish
    "lea también", "lee también", "leer más", "ver también", "te puede interesar", "le puede interesar",
    "noticias relacionadas",
    # Portuguese
    "leia também", "leia mais", "veja também", "saiba mais",
    # Italian
    "leggi anche", "leggi di più", "leggi tutto", "vedi anche", "potrebbe interessarti",
    # Dutch
    "lees ook", "lees meer", "lees verder", "zie ook",
    # Swedish, Norwegian, Danish
    "läs också", "läs även", "läs mer", "les også", "les mer", "se også", "læs også", "læs mere",
    # Polish, Czech
    "czytaj więcej", "czytaj też", "czytaj także", "zobacz też", "zobacz także", "przeczytaj też",
    "przeczytaj także", "čtěte také", "přečtěte si také",
    # Turkish, Russian, Finnish
    "ilgili haberler", "ayrıca okuyun", "devamını oku", "читайте также", "смотрите также", "lue myös",
    "lue lisää",
)

# A call to follow, subscribe or share: "Folgen Sie uns auf ...", "Suivez-nous sur ...".
FOLLOW_US = (
    "follow us",
    "folgen sie uns", "folge uns", "folgst du", "jetzt abonnieren", "abonnieren sie",
    "suivez-nous", "abonnez-vous", "síguenos", "suscríbete", "seguici", "iscriviti", "siga-nos",
    "inscreva-se", "volg ons", "följ oss", "følg oss", "følg os", "obserwuj nas", "śledź nas",
    "подписывайтесь", "bizi takip edin",
    # reporting an error in the article is a form link, not text
    "fehler gefunden", "fehler melden", "signaler une erreur", "report an error",
)

# "Label: value" lines that credit a picture: "Photo: AFP", "Фото: ...". The value is a few words.
CREDIT_LABELS = (
    "photo", "photos", "image", "images", "picture", "pictures", "photograph", "credit", "credits",
    "foto", "fotos", "bild", "bilder", "fotografía", "imagen", "imagem", "beeld", "bilde", "billede",
    "kuva", "fot", "zdjęcie", "фото", "fotoğraf", "crédit", "crédit photo", "crédits photo",
)

# A stamp of when the page was published or updated: "Stand: 22.04.2024, 06:00 Uhr", "Uppdaterad 15.59".
DATE_LABELS = (
    "updated", "last updated", "published", "first published", "posted",
    "stand", "aktualisiert", "zuletzt aktualisiert", "veröffentlicht", "erstellt",
    "publié", "publié le", "mis à jour", "modifié le", "actualizado", "publicado", "atualizado",
    "aggiornato", "pubblicato", "bijgewerkt", "gepubliceerd", "uppdaterad", "publicerad", "oppdatert",
    "publisert", "opdateret", "publiceret", "aktualizacja", "opublikowano", "güncelleme", "güncellenme",
    "yayınlanma", "обновлено", "опубликовано", "päivitetty", "julkaistu",
)

# A line that is nothing but an advertisement label, or the note that the article goes on after the ad.
AD_LABELS = (
    "advertisement", "advertising", "sponsored", "story continues below", "article continues below",
    "continue reading below", "weiterlesen nach der anzeige", "la suite après cette publicité",
    "anzeige", "werbung", "publicité", "passer la publicité",
    "publicidad", "pubblicità", "publicidade", "advertentie", "annons", "annonse", "reklame", "reklama",
    "реклама", "mainos",
)


def _alternatives(phrases: tuple[str, ...]) -> str:
    # longest first, so "lire aussi" does not stop "lire la suite" from matching as a whole
    return "|".join(re.escape(p) for p in sorted(set(phrases), key=len, reverse=True))


_SEE_ALSO_OR_FOLLOW = re.compile(
    rf"^(?:>>|→|►|»\s)?\s*(?:{_alternatives(SEE_ALSO + FOLLOW_US)})(?!\w).{{0,200}}$",
    re.IGNORECASE | re.DOTALL,
)
_LINK_ARROW = re.compile(r"^(?:>>|→|►|»)\s.{0,200}$", re.DOTALL)
_CREDIT = re.compile(rf"^[(\[]?(?:{_alternatives(CREDIT_LABELS)})\s*:\s*\S.{{0,80}}$", re.IGNORECASE)
_DATE_STAMP = re.compile(
    rf"^(?:{_alternatives(DATE_LABELS)})(?!\w)[\s:,]*(?:\w+\s+)?"
    r"(?:\d{1,2}[./:]\d{1,2}(?:[./]\d{2,4})?|\d{4}-\d{2}-\d{2}|\d{1,2}\s+\w+\s+\d{4}|\w+\s+\d{1,2},?\s+\d{4})"
    r"[\w\s.,:|/-]{0,30}$",  # a stamp, not a sentence that starts with a date
    re.IGNORECASE,
)
_VIDEO_DURATION = re.compile(r"^\d{1,2}:\d{2}\s*min\b.{0,80}$", re.IGNORECASE)
_AD_LABEL = re.compile(rf"^[-–—\s]*(?:{_alternatives(AD_LABELS)})[-–—\s.]*$", re.IGNORECASE)
# a copyright notice in any language: "Copyright © AFP 2017-2026. ...", "<Copyright ⓒ ... All rights reserved>"
_COPYRIGHT = re.compile(r"^[<(\[]?\s*(?:copyright\s*(?:©|ⓒ|\(c\)|\d{4}|:)|©|ⓒ|\(c\)\s)", re.IGNORECASE)
# a call to send the newsroom something: "Do you have a story to tell? Email: news@example.com"
_CONTACT_CALL = re.compile(
    r"^.{0,120}\b(?:get\s+in\s+touch|e-?mail(?:\s+us)?|contact\s+us|write\s+to\s+us|send\s+us)\b.{0,80}"
    r"\b[\w.+-]+@[\w-]+\.[\w.-]+\W{0,3}$",
    re.IGNORECASE,
)

_RULES = (_SEE_ALSO_OR_FOLLOW, _LINK_ARROW, _CREDIT, _DATE_STAMP, _VIDEO_DURATION, _AD_LABEL, _COPYRIGHT,
          _CONTACT_CALL)
# Embedded posts (the '(@handle) date' signature line) are kept: they quote a source, and readers
# (and the AEB truth) count them as part of the article.


def is_boilerplate_line(paragraph: str) -> bool:
    """True for a short line of page furniture (see the module's lists); article sentences pass."""
    if len(paragraph) > 300:
        return False
    return any(rule.match(paragraph) for rule in _RULES)
