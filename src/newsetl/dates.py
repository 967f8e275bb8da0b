"""Dates as news sources write them: ISO 8601, and dates with month and day names in many
languages, for discover (feeds, sitemaps) and extract (pages) alike.

Real feeds write RFC 822 dates with localised names ("Mo, 16 Nov 2026", "16 novembre 2026",
"16 listopada 2026"). The names are mapped to English, then python-dateutil parses the rest.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from dateutil import parser as date_parser

# English month names and abbreviations -> month number (pages' visible dates).
ENGLISH_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
# Month names in the common languages of news, by month number (localised feed dates).
MONTHS = {
    1: (
        "januar janvier enero gennaio janeiro januari stycznia styczeń leden ocak января "
        "січня jänner jan janv ene gen sty"
    ),
    2: (
        "februar février fevrier febrero febbraio fevereiro februari lutego luty únor "
        "şubat февраля лютого feb févr fevr fev lut"
    ),
    3: "märz maerz mars marzo março maart marca marzec březen mart марта березня mär mrt",
    4: "april avril abril aprile kwietnia kwiecień duben nisan апреля квітня apr avr abr kwi",
    5: "mai mayo maggio maio mei maja maj květen mayıs мая травня mag",
    6: "juni juin junio giugno junho czerwca czerwiec červen haziran июня червня jun juin giu cze",
    7: "juli juillet julio luglio julho lipca lipiec červenec temmuz июля липня jul juil lug lip",
    8: (
        "august août aout agosto augustus sierpnia sierpień srpen ağustos августа серпня "
        "aug ago sie"
    ),
    9: (
        "september septembre septiembre settembre setembro września wrzesień září eylül "
        "сентября вересня sep sept set wrz"
    ),
    10: (
        "oktober octobre octubre ottobre outubro października październik říjen ekim "
        "октября жовтня okt oct ott out paź"
    ),
    11: "november novembre noviembre novembro listopada listopad kasım ноября листопада nov lis",
    12: (
        "dezember décembre decembre diciembre dicembre dezembro december grudnia grudzień "
        "prosinec aralık декабря грудня dez dic déc gru"
    ),
}
ENGLISH = ["", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTH_NAMES = {name: ENGLISH[number] for number, names in MONTHS.items() for name in names.split()}
# A leading day name carries no information once the date is known: it is dropped.
WEEKDAYS = re.compile(
    r"^\s*(mo|di|mi|do|fr|sa|so|mon|die|mit|don|fre|sam|son|montag|dienstag|mittwoch|"
    r"donnerstag|freitag|samstag|sonntag|lun|mar|mer|jeu|ven|sam|dim|lundi|mardi|mercredi|"
    r"jeudi|vendredi|samedi|dimanche|lunes|martes|miércoles|jueves|viernes|sábado|domingo|"
    r"lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica|seg|ter|qua|qui|sex|sáb|dom|"
    r"ma|wo|vr|za|zo|pon|wt|śr|czw|pt|sob|niedz)\b\.?,?\s",
    re.IGNORECASE,
)
WORD = re.compile(r"[^\W\d_]+\.?", re.UNICODE)
YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")
ENGLISH_MONTH = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.IGNORECASE
)
# Year first ("2025-03-04", "2025/03/04", "2025.03.04"): year, month, day, never day first.
ISO_DATE = re.compile(r"(?<![\d./-])\d{4}([-/.])\d{1,2}\1\d{1,2}(?![\d./-])")
NUMERIC_DATE = re.compile(r"\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{4}")


# Zone abbreviations pages and feeds write, with one meaning each (IST, for one, has three and is
# left out: such a time is taken as UTC).
ZONES = {
    name: int(hours * 3600)
    for name, hours in {
        "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
        "AKST": -9, "AKDT": -8, "HST": -10, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3,
        "MSK": 3, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
    }.items()
}  # fmt: skip


# "GMT+0200", "UTC+2", "UTC-05:00": the zone ahead of or behind UTC, as JavaScript's dates and
# people write it. dateutil reads a name followed by an offset the POSIX way round ("my time +2
# is GMT"), so the name goes and the offset is read as written.
NAMED_OFFSET = re.compile(r"\b(?:GMT|UTC)\s*(?=[+-]\d)")


def _zone(name: str | None, offset: int | None) -> int | None:
    """The UTC offset (seconds) dateutil gives a parsed time: a known name's, else the written
    offset, else none (taken as UTC). Asked this way, dateutil does not warn about a name it
    does not know ("IST", "ET", "PHT"), once per name and process, on the run's console."""
    if name in ZONES:
        return ZONES[name]
    if offset is not None:
        return offset
    return 0 if name in ("UTC", "GMT", "Z") else None


def parse_feed_date(value: str | None, dayfirst: bool = True) -> datetime | None:
    """A feed date in any of the common languages, as an aware datetime (UTC if no zone).

    A numeric date that reads both ways ("03/04/2025") is day first unless `dayfirst` is False;
    an ISO date ("2025-03-04") is year, month, day whatever `dayfirst` says (dateutil would read
    it as the 3rd of April day first).
    """
    if not value or not value.strip():
        return None
    if ISO_DATE.search(value):
        dayfirst = False
    text = _english_names(WEEKDAYS.sub(" ", value))
    if not _has_month(text):
        # "Mar 13, 2026": what read as a day name ("mar", Spanish Tuesday) was the month.
        text = _english_names(value)
    # A date needs a year and a month (by name, or in a numeric date): fuzzy parsing would
    # otherwise fill what is missing from today and invent a date out of "vor 2 Stunden".
    if not YEAR.search(text) or not _has_month(text):
        return None
    try:
        parsed = date_parser.parse(
            NAMED_OFFSET.sub("", text),
            fuzzy=True,
            dayfirst=dayfirst,
            default=datetime(2000, 1, 1),
            tzinfos=_zone,
        )
    except (ValueError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _english_names(text: str) -> str:
    return WORD.sub(lambda m: MONTH_NAMES.get(m.group(0).rstrip(".").lower(), m.group(0)), text)


def _has_month(text: str) -> bool:
    return bool(ENGLISH_MONTH.search(text) or NUMERIC_DATE.search(text))


def parse_iso(value: str | None) -> datetime | None:
    """An ISO 8601 date or datetime; a value without zone is taken as UTC."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        match = re.match(r"(\d{4}-\d{2}-\d{2})", text)
        if not match:
            return None
        try:  # CMS placeholders such as "0000-00-00" are no date
            parsed = datetime.fromisoformat(match.group(1))
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# A publication time more than this after the page was fetched is none: a feed's placeholder
# year ("2099"), a scheduled or misread date. A day covers the world's time zones.
FUTURE_SLACK = timedelta(days=1)


def after_fetch(value: datetime, fetched_at: datetime) -> bool:
    """Whether `value` lies further after `fetched_at` than FUTURE_SLACK (a naive time is UTC)."""
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    fetched_at = fetched_at if fetched_at.tzinfo else fetched_at.replace(tzinfo=UTC)
    return value > fetched_at + FUTURE_SLACK


# A time of day after an ISO date that ISO does not read: "2025-11-03 10:15 EDT".
TIME_AFTER_ISO_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[T\s]+\d{1,2}:\d{2}")


def parse_machine_date(value: str | None) -> datetime | None:
    """A date from a page's markup: ISO 8601, else what CMSs write instead
    ("Tue, Sep 15 2020 10:01:41 EDT"), a numeric date month first as such fields are. An ISO
    date followed by a time with a zone's name keeps its time and zone."""
    parsed = parse_iso(value)
    if not value or not isinstance(value, str):
        return parsed
    if parsed and parsed.time() == datetime.min.time() and TIME_AFTER_ISO_DATE.match(value):
        fuller = parse_feed_date(value, dayfirst=False)
        if fuller and fuller.date() == parsed.date():
            return fuller
    return parsed or parse_feed_date(value, dayfirst=False)


# Dates written on pages and in URLs (extract): English month names, day and month either way.
_MONTH = "|".join(sorted(ENGLISH_MONTHS, key=len, reverse=True))
ENGLISH_MONTH_NAMES = _MONTH  # a regex alternation of the English month names
# "26 July, 03:40 PM", "July 26 2024 15:40": a day, a month, maybe a year, and a time.
PARTIAL_DATE = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})\s+(?P<m1>{_MONTH})\.?|(?P<m2>{_MONTH})\.?\s+(?P<d2>\d{{1,2}}))"
    rf"(?:\s*,\s*|\s+)(?:(?P<year>\d{{4}})\s*,?\s*)?"
    rf"(?P<h>\d{{1,2}}):(?P<min>\d{{2}})\s*(?P<ampm>[ap]\.?m\.?)?",
    re.IGNORECASE,
)
# A time of day, and the zone written after it if it has one meaning ("10:40 AM EST",
# "18:05 GMT+2"): the zone is part of the time a page gives.
_ZONE_NAMES = "|".join(sorted([*ZONES, "GMT", "UTC"], key=len, reverse=True))
_TIME = (
    rf"\d{{1,2}}[:.]\d{{2}}\s*(?:[ap]\.?m\.?)?"
    rf"(?:\s*(?:{_ZONE_NAMES})\b(?:\s*[+-]\d{{1,2}}(?::?\d{{2}})?)?)?"
)
# "5 March 2024", "March 5th, 2024", "2024-03-05", "05.03.2024", each maybe with a time after it
# or before it ("10:15 AM EST, Nov 3, 2025", "14:20, Tuesday 5 March 2024").
FULL_DATE = re.compile(
    rf"(?:\b{_TIME}\s*,?\s*(?:on\s+)?(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?)?"
    rf"\b(\d{{1,2}}\.?\s+(?:{_MONTH})\.?,?\s+\d{{4}}"
    rf"|(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}})"
    rf"(?:[^\n]{{0,25}}?{_TIME})?",
    re.IGNORECASE,
)
URL_DATE = re.compile(r"/(20\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|$|[^\d])")
# "/2023/october/03/slug": the month by its English name.
URL_NAMED_DATE = re.compile(rf"/(20\d{{2}})/({_MONTH})/(\d{{1,2}})(?:/|$|[^\d])", re.IGNORECASE)


def url_date(path: str) -> datetime | None:
    """The day a URL path names ('/2024/03/05/slug', '/2023/october/03/slug'), as midnight UTC."""
    match = URL_DATE.search(path)
    if match:
        year, month, day = (int(group) for group in match.groups())
    else:
        match = URL_NAMED_DATE.search(path)
        if not match:
            return None
        year, day = int(match.group(1)), int(match.group(3))
        month = ENGLISH_MONTHS[match.group(2).lower()]
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


def complete_partial_date(text: str, reference: datetime) -> datetime | None:
    """'26 July, 03:40 PM' -> the latest such time not after `reference` (its year or the one
    before; back to a leap year for 29 February)."""
    match = PARTIAL_DATE.search(text)
    if not match:
        return None
    day = int(match.group("d1") or match.group("d2"))
    month = ENGLISH_MONTHS[(match.group("m1") or match.group("m2")).lower()]
    hour, minute = int(match.group("h")), int(match.group("min"))
    ampm = (match.group("ampm") or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    zone = reference.tzinfo or UTC
    years = (
        [int(match.group("year"))] if match.group("year") else [reference.year, reference.year - 1]
    )
    if not match.group("year"):
        years += [reference.year - y for y in range(2, 5)]  # 29 February: back to a leap year
    for year in years:
        try:
            candidate = datetime(year, month, day, hour, minute, tzinfo=zone)
        except ValueError:
            continue
        if match.group("year") or candidate <= reference + timedelta(days=1):
            return candidate
    return None
