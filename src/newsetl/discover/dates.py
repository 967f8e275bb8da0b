"""Feed dates that feedparser cannot read: month and day names in other languages.

Real feeds write RFC 822 dates with localised names ("Mo, 16 Nov 2026", "16 novembre 2026",
"16 listopada 2026"). The names are mapped to English, then python-dateutil parses the rest.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from dateutil import parser as date_parser

MONTHS = {
    1: "januar janvier enero gennaio janeiro januari stycznia styczeń leden ocak января січня jänner jan",
    2: "februar février fevrier febrero febbraio fevereiro februari lutego luty únor şubat февраля лютого feb",
    3: "märz maerz mars marzo março maart marca marzec březen mart марта березня mär",
    4: "april avril abril aprile kwietnia kwiecień duben nisan апреля квітня apr",
    5: "mai mayo maggio maio mei maja maj květen mayıs мая травня",
    6: "juni juin junio giugno junho czerwca czerwiec červen haziran июня червня jun",
    7: "juli juillet julio luglio julho lipca lipiec červenec temmuz июля липня jul",
    8: "august août aout agosto augustus sierpnia sierpień srpen ağustos августа серпня aug",
    9: "september septembre septiembre settembre setembro września wrzesień září eylül сентября вересня sep",
    10: "oktober octobre octubre ottobre outubro października październik říjen ekim октября жовтня okt",
    11: "november novembre noviembre novembro listopada listopad kasım ноября листопада nov",
    12: "dezember décembre decembre diciembre dicembre dezembro december grudnia grudzień prosinec aralık декабря грудня dez dic déc",
}
ENGLISH = ["", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTH_NAMES = {name: ENGLISH[number] for number, names in MONTHS.items() for name in names.split()}
# A leading day name carries no information once the date is known: it is dropped.
WEEKDAYS = re.compile(
    r"^\s*(mo|di|mi|do|fr|sa|so|mon|die|mit|don|fre|sam|son|montag|dienstag|mittwoch|donnerstag|freitag|"
    r"samstag|sonntag|lun|mar|mer|jeu|ven|sam|dim|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    r"lunes|martes|miércoles|jueves|viernes|sábado|domingo|lunedì|martedì|mercoledì|giovedì|venerdì|"
    r"sabato|domenica|seg|ter|qua|qui|sex|sáb|dom|ma|wo|vr|za|zo|pon|wt|śr|czw|pt|sob|niedz)\b\.?,?\s",
    re.IGNORECASE,
)
WORD = re.compile(r"[^\W\d_]+\.?", re.UNICODE)


def parse_feed_date(value: str | None) -> datetime | None:
    """A feed date in any of the common languages, as an aware datetime (UTC if no zone)."""
    if not value or not value.strip():
        return None
    text = WEEKDAYS.sub(" ", value)
    text = WORD.sub(lambda m: MONTH_NAMES.get(m.group(0).rstrip(".").lower(), m.group(0)), text)
    try:
        parsed = date_parser.parse(text, fuzzy=True, dayfirst=True)
    except (ValueError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
