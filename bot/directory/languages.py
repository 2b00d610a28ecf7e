"""The languages an association works in: codes, their names in the bot's three languages and in
the language itself, and matching what a person types ("arabia", "svenska", "English")."""

from __future__ import annotations

from dataclasses import dataclass

from storage.listings import fold

__all__ = ["LANGUAGES", "Language", "language_name", "match_language"]


@dataclass(frozen=True, slots=True)
class Language:
    code: str  # ISO 639-1 where there is one, else ISO 639-3 (Finnish sign language: fse)
    fi: str
    sv: str
    en: str
    own: str  # the language's name for itself
    forms: tuple[str, ...] = ()  # other words people type: "suomeksi", "på svenska"

    def name(self, language: str) -> str:
        return {"fi": self.fi, "sv": self.sv}.get(language, self.en)


# The languages Finland's associations most often work in (Statistics Finland's largest
# foreign-language groups, the national and Sámi languages, sign language).
LANGUAGES: tuple[Language, ...] = (
    Language("fi", "suomi", "finska", "Finnish", "suomi", ("suomeksi", "suomen")),
    Language("sv", "ruotsi", "svenska", "Swedish", "svenska", ("ruotsiksi", "ruotsin")),
    Language("en", "englanti", "engelska", "English", "English", ("englanniksi", "englannin")),
    Language("se", "saame", "samiska", "Sámi", "sámegiella", ("saameksi", "pohjoissaame")),
    Language("fse", "viittomakieli", "teckenspråk", "Finnish Sign Language", "viittomakieli",
             ("suomalainen viittomakieli", "viittomakielellä")),
    Language("ru", "venäjä", "ryska", "Russian", "русский", ("venäjäksi", "venäjän")),
    Language("et", "viro", "estniska", "Estonian", "eesti", ("viroksi", "eesti keel")),
    Language("ar", "arabia", "arabiska", "Arabic", "العربية", ("arabiaksi", "arabian")),
    Language("so", "somali", "somaliska", "Somali", "Soomaali", ("somaliksi",)),
    Language("uk", "ukraina", "ukrainska", "Ukrainian", "українська", ("ukrainaksi",)),
    Language("fa", "persia", "persiska", "Persian", "فارسی", ("persiaksi", "farsi", "dari")),
    Language("ku", "kurdi", "kurdiska", "Kurdish", "Kurdî", ("kurdiksi",)),
    Language("tr", "turkki", "turkiska", "Turkish", "Türkçe", ("turkiksi",)),
    Language("zh", "kiina", "kinesiska", "Chinese", "中文", ("kiinaksi",)),
    Language("vi", "vietnam", "vietnamesiska", "Vietnamese", "Tiếng Việt", ("vietnamiksi",)),
    Language("th", "thai", "thailändska", "Thai", "ไทย", ("thaiksi",)),
    Language("sq", "albania", "albanska", "Albanian", "shqip", ("albaniaksi",)),
    Language("es", "espanja", "spanska", "Spanish", "español", ("espanjaksi",)),
    Language("fr", "ranska", "franska", "French", "français", ("ranskaksi",)),
    Language("de", "saksa", "tyska", "German", "Deutsch", ("saksaksi",)),
    Language("ti", "tigrinja", "tigrinska", "Tigrinya", "ትግርኛ", ("tigrinjaksi",)),
    Language("ps", "pašto", "pashto", "Pashto", "پښتو", ("pasto", "pashtu")),
)  # fmt: skip

_BY_WORD: dict[str, Language] = {}
for _language in LANGUAGES:
    for _word in (_language.code, _language.fi, _language.sv, _language.en, _language.own,
                  *_language.forms):  # fmt: skip
        _BY_WORD.setdefault(fold(_word), _language)


def match_language(text: str) -> Language | None:
    """A language by its code or any of its names, forgiving case and diacritics; None when
    the text names no language (it may be a place, a theme or a free word)."""
    return _BY_WORD.get(fold(text.strip()))


def language_name(code: str, language: str) -> str:
    """A stored code's name in the reader's language (an unknown code as it is)."""
    for known in LANGUAGES:
        if known.code == code:
            return known.name(language)
    return code
