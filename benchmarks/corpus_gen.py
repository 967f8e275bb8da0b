"""A generated news corpus for the speed bench: varied pages written from our own words.

Every sentence comes from templates and word lists in this file (no third-party text). Pages
vary the way real outlets do: several layouts (plain article, WordPress-like, broadcaster,
wire agency, magazine), length from a short brief to a long feature, site furniture around the
article (menus, cookie banners, newsletter boxes, related links, donation appeals), bylines and
dates in meta tags or only in the visible text, and a share of stories told by several outlets.

`generate(n, seed)` returns the pages; `write_site(folder, pages, port)` writes them with one
RSS feed per outlet and a sources file for `newsetl run` against a local server.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

FIRST = (
    "Anna Marek Sofia Tomas Ingrid Pavel Lucia Henrik Elena Jonas Clara Mateo Nadia Oskar Irene "
    "Viktor Helena Bruno Amira Felix Greta Lukas Maya Stefan Rosa Daniel Olga Martin Paula Erik "
    "Leila Simon Teresa Karim Julia Andrei Nora Pietro Hanna Samuel"
).split()
LAST = (
    "Novak Lindqvist Moreau Kowalski Brennan Haugen Petrov Albers Castillo Varga Okafor Lindgren "
    "Russo Dahl Kovacs Schneider Mensah Fischer Horvat Nyberg Costa Weber Ivanova Laine Duarte "
    "Keller Sandberg Marin Popa Jansen Hoffmann Rossi Bakker Nilsen Vogel Romano Szabo Berg"
).split()
CITIES = (
    "Lisbon Gothenburg Krakow Rotterdam Bergen Lyon Turin Graz Tampere Aarhus Porto Leipzig "
    "Bilbao Brno Utrecht Malmo Gdansk Seville Antwerp Cork Trieste Tallinn Riga Vilnius Ghent"
).split()
COUNTRIES = (
    "Portugal Sweden Poland Netherlands Norway France Italy Austria Finland Denmark Germany "
    "Spain Belgium Ireland Estonia Latvia Lithuania Czechia Hungary Romania Greece Croatia"
).split()
ORG_KINDS = (
    "City Council",
    "Port Authority",
    "Regional Health Board",
    "Teachers' Union",
    "Chamber of Commerce",
    "University",
    "Energy Agency",
    "Football Club",
    "Transport Authority",
    "Water Company",
)
COMPANIES = (
    "Nordvik Holdings",
    "Altamar Group",
    "Brightwell Energy",
    "Castella Foods",
    "Vantor Logistics",
    "Helix Biotech",
    "Sundstrom Steel",
    "Orbis Telecom",
    "Maren Shipping",
    "Quill Software",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Per desk: nouns, verbs and sentence shapes a news desk writes with. {P} person, {C} city,
# {N} country, {O} organisation, {X} company, {n} a number, {W} a weekday, {w} a desk noun.
DESKS: dict[str, dict[str, list[str]]] = {
    "politics": {
        "w": "coalition budget bill election vote minister opposition reform parliament cabinet "
        "referendum mandate policy".split(),
        "s": [
            "The {w} passed its second reading in {N} on {W}, after {P} secured the votes of {n} "
            "members.",
            "{P}, the minister responsible, said the {w} would be debated again before the end of "
            "the session.",
            "Opposition leaders in {C} accused the government of rushing the {w} through without "
            "consultation.",
            "Polls published on {W} put the governing parties {n} points ahead of their rivals in "
            "{N}.",
            "The {O} asked for a delay, saying the {w} left too many questions about funding open.",
            "{P} told reporters in {C} that the coalition would survive the dispute over the {w}.",
        ],
    },
    "economy": {
        "w": "inflation rates exports shares profits prices wages investment growth tariffs "
        "bonds earnings".split(),
        "s": [
            "{X} reported a {n} percent rise in quarterly {w}, beating the forecasts of analysts.",
            "The central bank of {N} left rates unchanged on {W}, citing uncertainty about {w}.",
            "Shares in {X} fell {n} percent in early trading in {C} after the company cut its "
            "outlook.",
            "{P}, chief economist at {X}, said {w} would stay under pressure for at least two "
            "quarters.",
            "Economists expect {w} in {N} to slow to {n} percent next year as demand cools.",
            "The {O} said small firms in {C} were struggling with higher {w} and weaker orders.",
        ],
    },
    "sport": {
        "w": "match title league final season goal coach squad cup tournament race victory".split(),
        "s": [
            "{P} scored twice as the home side won the {w} {n}-1 in front of a full stadium in "
            "{C}.",
            "The {O} confirmed on {W} that its coach would stay on for another {w}.",
            "{P} finished {n} seconds ahead of the field to take the {w} in {C}.",
            "After the {w}, {P} said the squad had worked all week on defending set pieces.",
            "The defeat leaves the club {n} points behind the leaders with six games of the {w} "
            "left.",
            "Fans in {C} queued for hours for tickets to the {w} against the champions from {N}.",
        ],
    },
    "health": {
        "w": "vaccine hospital patients clinic outbreak nurses treatment waiting-lists cases "
        "screening doctors infections".split(),
        "s": [
            "The {O} recorded {n} new cases in {C} last week, the highest figure since the spring.",
            "{P}, a doctor at the main hospital in {C}, said staff were treating more patients "
            "than ever.",
            "Health officials in {N} urged parents to book the second vaccine dose before the "
            "winter.",
            "Waiting lists for routine {w} in {C} grew by {n} percent over the year, the report "
            "found.",
            "{P} said the new clinic would cut the time patients wait for {w} by several weeks.",
            "Nurses at the {O} voted on {W} to accept a pay offer after months of talks.",
        ],
    },
    "environment": {
        "w": "emissions glacier river forest wildlife wetlands drought pollution recycling carbon "
        "habitat species".split(),
        "s": [
            "Scientists measuring the glacier above {C} said it lost {n} metres of ice this "
            "summer.",
            "The {O} plans to restore {n} hectares of wetlands along the river near {C}.",
            "{P}, who leads the survey, said the number of nesting birds had fallen for a third "
            "year.",
            "Campaigners in {N} want the government to cut {w} faster than the plan agreed in {C}.",
            "Drought has left reservoirs around {C} at {n} percent of their usual level for the "
            "season.",
            "{X} agreed to pay for the clean-up after {w} from its plant reached the river.",
        ],
    },
    "crime": {
        "w": "court trial fraud police verdict sentence prosecutors investigation theft arrest "
        "jury appeal".split(),
        "s": [
            "A court in {C} sentenced {P} to {n} years in prison for a fraud worth millions.",
            "Police in {N} arrested {n} people on {W} in raids linked to an investigation into "
            "{w}.",
            "Prosecutors said the group had used companies in {C} to move money out of {N}.",
            "{P}, the lawyer for the defence, said the verdict would be taken to appeal.",
            "The {O} said it was cooperating fully with the police investigation.",
            "Detectives appealed for witnesses after the theft at a warehouse in {C} on {W} night.",
        ],
    },
    "culture": {
        "w": "exhibition festival album novel film concert museum gallery premiere orchestra "
        "theatre collection".split(),
        "s": [
            "The {w} opens in {C} on {W} with more than {n} works lent by museums across {N}.",
            "{P}, whose debut novel was shortlisted last year, will read at the festival in {C}.",
            "Critics praised the new production at the theatre in {C} for its bold staging.",
            "The orchestra of {C} will tour {N} in the spring, playing {n} concerts in six weeks.",
            "{P} said the film took {n} years to finish because of problems with funding.",
            "Tickets for the {w} sold out within hours, the {O} said.",
        ],
    },
    "weather": {
        "w": "storm snow rain gusts frost heatwave forecast flooding temperatures wind ice "
        "fog".split(),
        "s": [
            "Forecasters warned of up to {n} centimetres of snow in the hills above {C} overnight.",
            "Gusts of {n} kilometres an hour closed bridges and cancelled ferries around {C} on "
            "{W}.",
            "The national weather service of {N} issued an orange warning for heavy rain.",
            "{P}, a meteorologist, said temperatures would fall well below freezing by the "
            "weekend.",
            "Flooding closed several roads near {C}, and the {O} opened an emergency shelter.",
            "After the {w}, crews worked through the night to restore power to {n} homes.",
        ],
    },
    "science": {
        "w": "satellite research battery telescope study experiment laboratory robot data "
        "software genome launch".split(),
        "s": [
            "Researchers at the University of {C} said the new battery kept {n} percent of its "
            "charge.",
            "{P}, who led the study, said the results still had to be repeated by other groups.",
            "The satellite built in {C} will be launched next month to map sea ice around {N}.",
            "{X} and the {O} will share the costs of the laboratory, expected to open in {n} "
            "years.",
            "The team used {w} from {n} stations to track how the ice sheet moved over a decade.",
            "Engineers in {C} tested the robot in tunnels before it was sent to work underground.",
        ],
    },
}
TITLES = {
    "politics": ["{P} wins vote on {w} in {N}", "Coalition in {N} split over {w}"],
    "economy": ["{X} profits rise as {w} recover", "Central bank of {N} holds rates"],
    "sport": ["{P} takes {w} in {C}", "{C} side closes gap in {w} race"],
    "health": ["{C} hospitals under strain as {w} rise", "{N} urges parents to book {w}"],
    "environment": ["Glacier above {C} shrinks again", "{O} to restore {w} near {C}"],
    "crime": ["{P} jailed for {w} in {C}", "Police in {N} make {n} arrests"],
    "culture": ["{C} {w} opens to crowds", "{P} returns with new {w}"],
    "weather": ["{w} warning for {C}", "Storm brings {w} to {N}"],
    "science": ["{C} team reports {w} breakthrough", "{X} backs new {w} in {C}"],
}
OUTLETS = (
    ("harbour-times", "Harbour Times", "wordpress"),
    ("lakeside-gazette", "Lakeside Gazette", "plain"),
    ("north-wire", "North Wire", "wire"),
    ("metro-broadcast", "Metro Broadcast", "broadcaster"),
    ("weekend-review", "The Weekend Review", "magazine"),
    ("valley-post", "Valley Post", "plain"),
)
APPEAL = (
    "Independent reporting costs money. If you value what we publish, please consider "
    "becoming a supporter today: it takes a minute and keeps our journalism free for everyone."
)
NEWSLETTER = "Get the morning briefing: the stories that matter, in your inbox before breakfast."
COOKIE = (
    "We use cookies to run this site and to measure our audience. "
    "You can change your choice at any time."
)


@dataclass
class Page:
    outlet: str
    slug: str
    title: str
    author: str
    published: datetime
    desk: str
    paragraphs: list[str]
    html: str = ""

    @property
    def path(self) -> str:
        return f"{self.outlet}/{self.published:%Y/%m/%d}/{self.slug}.html"


class Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def person(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def fill(self, template: str, desk: str, cast: dict[str, str]) -> str:
        r = self.rng
        out = template
        for key, make in (
            ("{P}", lambda: r.choice([cast["P"], cast["P"], self.person()])),
            ("{C}", lambda: r.choice([cast["C"], r.choice(CITIES)])),
            ("{N}", lambda: cast["N"]),
            ("{O}", lambda: r.choice([cast["O"], f"{r.choice(CITIES)} {r.choice(ORG_KINDS)}"])),
            ("{X}", lambda: cast["X"]),
            ("{n}", lambda: str(r.choice([2, 3, 4, 5, 7, 9, 12, 15, 18, 24, 30, 45, 60, 120]))),
            ("{W}", lambda: r.choice(WEEKDAYS)),
            ("{w}", lambda: r.choice(DESKS[desk]["w"])),
        ):
            while key in out:
                out = out.replace(key, make(), 1)
        return out

    def quote(self, desk: str, cast: dict[str, str]) -> str:
        said = self.fill(self.rng.choice(DESKS[desk]["s"]), desk, cast).rstrip(".")
        return f'"{said[0].upper()}{said[1:]}," said {cast["P"].split()[-1]}.'

    def paragraph(self, desk: str, cast: dict[str, str]) -> str:
        n = self.rng.choice([1, 2, 2, 3, 3, 4])
        sentences = [self.fill(self.rng.choice(DESKS[desk]["s"]), desk, cast) for _ in range(n)]
        if self.rng.random() < 0.25:
            sentences.append(self.quote(desk, cast))
        return " ".join(sentences)


def article(rng: random.Random, outlet: str, when: datetime, desk: str | None = None) -> Page:
    writer = Writer(rng)
    desk = desk or rng.choice(list(DESKS))
    cast = {
        "P": writer.person(),
        "C": rng.choice(CITIES),
        "N": rng.choice(COUNTRIES),
        "O": f"{rng.choice(CITIES)} {rng.choice(ORG_KINDS)}",
        "X": rng.choice(COMPANIES),
    }
    # Lengths like a news site's: many briefs and reports, some long features.
    count = rng.choice([3, 4, 5, 6, 7, 8, 8, 9, 10, 12, 14, 18, 24, 32])
    paragraphs = [writer.paragraph(desk, cast) for _ in range(count)]
    title = writer.fill(rng.choice(TITLES[desk]), desk, cast)
    title = title[0].upper() + title[1:]
    slug = "-".join(title.lower().replace("'", "").split())[:60] + f"-{rng.randrange(10**6):06d}"
    return Page(outlet, slug, title, writer.person(), when, desk, paragraphs)


def related(rng: random.Random) -> list[str]:
    writer = Writer(rng)
    out = []
    for _ in range(4):
        desk = rng.choice(list(DESKS))
        cast = {
            "P": writer.person(),
            "C": rng.choice(CITIES),
            "N": rng.choice(COUNTRIES),
            "O": rng.choice(ORG_KINDS),
            "X": rng.choice(COMPANIES),
        }
        out.append(writer.fill(rng.choice(TITLES[desk]), desk, cast))
    return out


def furniture(page: Page, rng: random.Random) -> tuple[str, str, str]:
    """What surrounds an article on a real site, sized like it: inline CSS, script and config
    blocks, a mega menu and a long footer (head, menu, footer)."""
    e = html.escape
    rules = "\n".join(
        f".c{rng.randrange(10**5)} "
        f".x{i}{{margin:{i % 7}px {i % 5}px;color:#{rng.randrange(16**6):06x};"
        f"font-size:{12 + i % 9}px;line-height:1.{i % 9}}}"
        for i in range(rng.choice([40, 120, 300, 600]))
    )
    config = ",".join(
        f'"k{i}":{{"id":{rng.randrange(10**6)},"slot":"ad-{i}","sizes":[[300,250],[728,90]]}}'
        for i in range(rng.choice([10, 60, 200, 400]))
    )
    ld = (
        '{"@context":"https://schema.org","@type":"NewsArticle","headline":"'
        + e(page.title)
        + '","datePublished":"'
        + page.published.isoformat()
        + '","author":{"@type":"Person","name":"'
        + e(page.author)
        + '"}}'
    )
    head = (
        f"<style>{rules}</style>\n<script>window.__CONFIG__={{{config}}};</script>\n"
        f'<script type="application/ld+json">{ld}</script>\n'
        + "".join(
            f'<link rel="preload" href="/static/chunk-{rng.randrange(16**8):08x}.js" as="script">'
            for _ in range(rng.choice([5, 20, 40]))
        )
    )
    sections = list(DESKS) + ["world", "opinion", "video", "podcasts", "travel", "food"]
    menu = "".join(
        f'<li class="menu-item"><a href="/{page.outlet}/{d}/">{d.title()}</a><ul class="sub">'
        + "".join(
            f'<li><a href="/{page.outlet}/{d}/{rng.choice(CITIES).lower()}-{j}/">'
            f"{rng.choice(CITIES)}</a></li>"
            for j in range(rng.choice([0, 4, 8]))
        )
        + "</ul></li>"
        for d in sections
    )
    footer = "".join(
        f'<li><a href="/{page.outlet}/about/{k}">{e(k.replace("-", " ").title())}</a></li>'
        for k in (
            "contact",
            "careers",
            "advertise",
            "privacy-policy",
            "terms-of-use",
            "cookie-settings",
            "corrections",
            "newsletters",
            "subscribe",
            "archive",
        )
    )
    return head, menu, footer


def render(page: Page, site: str, layout: str, rng: random.Random) -> str:
    e = html.escape
    extra_head, mega_menu, footer_links = furniture(page, rng)
    iso = page.published.isoformat()
    visible_date = page.published.strftime("%d %B %Y, %H:%M")
    body = "\n".join(f"<p>{e(p)}</p>" for p in page.paragraphs)
    links = "\n".join(f'<li><a href="#r{i}">{e(t)}</a></li>' for i, t in enumerate(related(rng)))
    menu = "".join(f'<li><a href="/{page.outlet}/{d}.html">{d.title()}</a></li>' for d in DESKS)
    head_meta = (
        f'<meta property="og:title" content="{e(page.title)}">\n'
        f'<meta property="og:site_name" content="{e(site)}">\n'
        f'<meta property="og:type" content="article">\n'
    )
    if layout != "plain":  # plain pages carry the date and author only in the visible text
        head_meta += (
            f'<meta property="article:published_time" content="{iso}">\n'
            f'<meta name="author" content="{e(page.author)}">\n'
        )
    canonical = f"https://www.{page.outlet}.example/{page.path[len(page.outlet) + 1 :]}"
    scripts = (
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
        "gtag('js',new Date());</script>" * rng.choice([1, 2, 4])
    )
    middle = len(page.paragraphs) // 2
    parts = body.split("\n")
    if layout in ("wordpress", "magazine"):
        parts.insert(
            middle,
            f'<div class="newsletter-box"><p>{e(NEWSLETTER)}</p><a href="#s">Sign up</a></div>',
        )
    if layout == "broadcaster":
        parts.insert(1, f'<div class="video-player"><p>Watch: {e(page.title)}</p></div>')
    body = "\n".join(parts)
    article_open = {
        "wordpress": '<article class="post type-post"><div class="entry-content">',
        "plain": '<div id="story"><div class="story-text">',
        "wire": '<article class="wire-story"><div class="body">',
        "broadcaster": '<main><article><div class="story-body">',
        "magazine": '<article class="feature"><section class="feature-body">',
    }[layout]
    article_close = {
        "wordpress": "</div></article>",
        "plain": "</div></div>",
        "wire": "</div></article>",
        "broadcaster": "</div></article></main>",
        "magazine": "</section></article>",
    }[layout]
    dateline = (
        f'<p class="dateline">{e(page.published.strftime("%d %B %Y"))}</p>'
        if layout == "wire"
        else ""
    )
    tail = (
        f'<aside class="appeal"><h3>Support us</h3><p>{e(APPEAL)}</p></aside>'
        if layout in ("wordpress", "magazine", "plain")
        else f'<p class="wire-tail">Reporting by {e(page.author)}; '
        f"editing by {e(Writer(rng).person())}</p>"
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{e(page.title)} | {e(site)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{e(page.paragraphs[0][:150])}">
{head_meta}<link rel="canonical" href="{canonical}">
<style>body{{font-family:serif;margin:0}}nav li{{display:inline;margin-right:8px}}
.appeal{{background:#eee}}</style>
{extra_head}
{scripts}
</head>
<body>
<div class="cookie-banner"><p>{e(COOKIE)}</p><button>Accept</button></div>
<header><a class="logo" href="/{page.outlet}/">{e(site)}</a>
<nav class="mega"><ul>{mega_menu}</ul></nav></header>
{article_open}
<h1>{e(page.title)}</h1>
<p class="byline">By <span class="author">{e(page.author)}</span> &middot;
<time datetime="{iso}">{e(visible_date)}</time></p>
{dateline}
{body}
{tail}
{article_close}
<aside class="related"><h2>More from {e(site)}</h2><ul>{links}</ul></aside>
<footer><p>&copy; {page.published.year} {e(site)}. All rights reserved.</p>
<ul>{menu}</ul><ul>{footer_links}</ul></footer>
</body>
</html>
"""


def generate(n: int, seed: int = 7, end: date | None = None, days: int = 10) -> list[Page]:
    """`n` pages over `days` days ending at `end`, about one in eight retold by another outlet."""
    rng = random.Random(seed)
    end = end or datetime.now(UTC).date()
    pages: list[Page] = []
    while len(pages) < n:
        outlet, site, layout = rng.choice(OUTLETS)
        day = end - timedelta(days=rng.randrange(days))
        when = datetime(
            day.year, day.month, day.day, rng.randrange(6, 22), rng.randrange(60), tzinfo=UTC
        )
        page = article(rng, outlet, when)
        page.html = render(page, site, layout, rng)
        pages.append(page)
        if len(pages) < n and rng.random() < 0.12:  # the same story from another outlet
            other, other_site, other_layout = rng.choice([o for o in OUTLETS if o[0] != outlet])
            retold = Page(
                other,
                page.slug[:-7] + f"-{rng.randrange(10**6):06d}",
                page.title,
                Writer(rng).person(),
                when + timedelta(hours=2),
                page.desk,
                page.paragraphs[: max(3, len(page.paragraphs) // 2)]
                + [
                    Writer(rng).paragraph(
                        page.desk,
                        {
                            "P": Writer(rng).person(),
                            "C": rng.choice(CITIES),
                            "N": rng.choice(COUNTRIES),
                            "O": rng.choice(ORG_KINDS),
                            "X": rng.choice(COMPANIES),
                        },
                    )
                ],
            )
            retold.html = render(retold, other_site, other_layout, rng)
            pages.append(retold)
    return pages


def rss(outlet: str, pages: list[Page], base: str) -> str:
    e = html.escape
    items = "\n".join(
        f"<item><title>{e(p.title)}</title><link>{base}/{p.path}</link>"
        f"<pubDate>{p.published.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f'<guid isPermaLink="false">{p.outlet}-{p.slug}</guid></item>'
        for p in pages
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{outlet}</title><link>{base}/{outlet}/</link><description>{outlet}</description>"
        f"{items}</channel></rss>\n"
    )


def write_site(
    folder: Path, pages: list[Page], base: str, extra_urls: dict[str, list[str]] | None = None
) -> Path:
    """Write the pages, one RSS feed per outlet, and `sources.toml` (no politeness pause);
    `extra_urls` adds `urls` sources (for real pages served from the same folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    by_outlet: dict[str, list[Page]] = {}
    for page in pages:
        target = folder / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.html, encoding="utf-8")
        by_outlet.setdefault(page.outlet, []).append(page)
    sources = []
    for outlet, items in sorted(by_outlet.items()):
        (folder / outlet / "rss.xml").write_text(rss(outlet, items, base), encoding="utf-8")
        sources.append(
            f'[[sources]]\nname = "{outlet}"\nkind = "feed"\nurl = "{base}/{outlet}/rss.xml"\n'
            "allow_private_network = true\ndelay = 0\nrobots = false\n"
        )
    for name, urls in (extra_urls or {}).items():
        listed = ", ".join(f'"{u}"' for u in urls)
        sources.append(
            f'[[sources]]\nname = "{name}"\nkind = "urls"\nurls = [{listed}]\n'
            "allow_private_network = true\ndelay = 0\nrobots = false\n"
        )
    path = folder / "sources.toml"
    path.write_text("\n".join(sources), encoding="utf-8")
    return path
