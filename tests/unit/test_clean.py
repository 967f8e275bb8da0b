"""newsetl.clean.clean_documents: boilerplate out, reporting kept, too little text rejected."""

from __future__ import annotations

import html
import unicodedata

import ftfy
import pytest

from newsetl.clean import clean_documents, paragraph_hash
from newsetl.clean.articles import normalize_text
from newsetl.clean.rules import appeal_start, is_boilerplate_line, is_byline_line, is_date_line
from newsetl.records import Article, Reject
from newsetl.urls import article_id, normalize_url

SOURCE = "linden-gazette"
DONATION = (
    "The Linden Gazette is owned by nobody but its readers. If our reporting on the council, the "
    "courts "
    "and the schools matters to you, a small monthly contribution keeps it free for everyone."
)
NEWSLETTER = "Get the Morning Lamp, our weekday briefing, in your inbox before breakfast."
FOLLOW = "Follow us on X and Facebook"
# Recurs in every article but matches no generic rule: only recurrence learning can remove it.
SIGNOFF = (
    "The Linden Gazette is published by the Linden Media Cooperative from its offices on Harbour "
    "Street."
)

REPORTING = {
    "tram": [
        (
            "Linden city council approved the eastern tram extension on Wednesday by 31 votes to "
            "12 after a debate "
            "that lasted until nearly midnight."
        ),
        (
            "The four-kilometre line will connect the rail station with the new hospital campus at "
            "Brookfield and "
            "is expected to carry 18,000 passengers a day."
        ),
        (
            "Opponents argued that the 210 million euro budget would be better spent on buses, "
            "which can be "
            "rerouted as the city grows."
        ),
    ],
    "bakery": [
        (
            "A bakery on Mill Lane that has supplied bread to Linden's school canteens for forty "
            "years will close "
            "at the end of the month, its owners said."
        ),
        (
            "Marit and Olav Sande, who took over the business from Olav's father in 1991, said "
            "rising flour and "
            "energy prices had made the contract impossible to keep."
        ),
        (
            "The education office said a new supplier had been found and that pupils would not "
            "notice any change "
            "in the lunch menu after the holidays."
        ),
    ],
    "choir": [
        (
            "The Linden youth choir won first prize at the regional singing contest in Arnmouth on "
            "Saturday, beating "
            "eleven other ensembles from across the province."
        ),
        (
            "The jury praised the choir's performance of a folk song arranged by its conductor, "
            "Hedda Lund, who "
            "founded the group in a church hall nine years ago."
        ),
        (
            "The singers will represent the region at the national finals in the capital next "
            "spring, and the "
            "council has promised to pay for the bus."
        ),
    ],
    "bridge": [
        (
            "The old swing bridge over the Linden canal will be closed to cars for six weeks from "
            "Monday while "
            "engineers replace its worn bearings."
        ),
        (
            "Cyclists and pedestrians can still cross during the day, but the bridge will be shut "
            "completely on "
            "three nights when the new bearings are lifted into place."
        ),
        (
            "Shopkeepers on Canal Street said they feared losing customers and asked the city for "
            "a temporary "
            "footbridge closer to the market."
        ),
    ],
}


def url(name: str) -> str:
    return f"https://linden.example.net/city/{name}"


@pytest.fixture
def corpus(make_document):
    """Four articles of one source, each with the source's shared appeal, newsletter and follow
    lines."""
    docs = []
    for name, paragraphs in REPORTING.items():
        body = [paragraphs[0], NEWSLETTER, *paragraphs[1:], DONATION, FOLLOW]
        docs.append(make_document(url(name), body, source=SOURCE, title=f"Story about the {name}"))
    return docs


def by_url(articles: list[Article]) -> dict[str, Article]:
    return {a.url: a for a in articles}


def test_shared_lines_removed_and_reporting_kept(corpus):
    articles, rejects = clean_documents(corpus)
    assert rejects == []
    assert len(articles) == 4
    found = by_url(articles)
    for name, paragraphs in REPORTING.items():
        article = found[url(name)]
        assert article.text == "\n\n".join(paragraphs)
        assert article.removed_paragraphs == 3
        assert article.paragraph_hashes == [
            (paragraph_hash(paragraphs[0]), False),
            (paragraph_hash(NEWSLETTER), True),
            (paragraph_hash(paragraphs[1]), False),
            (paragraph_hash(paragraphs[2]), False),
            (paragraph_hash(DONATION), True),
            (paragraph_hash(FOLLOW), True),
        ]


def test_article_fields(corpus):
    articles, _ = clean_documents(corpus)
    article = by_url(articles)[url("tram")]
    doc = corpus[0]
    assert article.article_id == article_id(url("tram"))
    assert article.canonical_url == normalize_url(url("tram"))
    assert article.source == SOURCE
    assert article.title == "Story about the tram"
    assert article.authors == ["Mira Holt"]
    assert (article.published_at, article.date_source) == (doc.published_at, doc.date_source)
    assert (article.raw_id, article.run_id, article.fetched_at) == (
        doc.page.raw_id,
        "run-1",
        doc.page.fetched_at,
    )
    assert (
        article.word_count == sum(len(p.split()) for p in REPORTING["tram"]) + 2
    )  # "four-kilometre", "18,000"


def test_recurrence_is_learned_per_source(make_document):
    # The same sign-off in three articles of three different sources is boilerplate of none.
    docs = [
        make_document(url(name), [*paragraphs, SIGNOFF], source=f"outlet-{i}")
        for i, (name, paragraphs) in enumerate(list(REPORTING.items())[:3])
    ]
    articles, _ = clean_documents(docs)
    assert all(a.text.endswith(SIGNOFF) for a in articles)
    assert all(a.removed_paragraphs == 0 for a in articles)


def test_a_paragraph_in_two_articles_is_kept(make_document):
    quote = (
        '"We have waited long enough," said the mayor, Ines Brandt, at the opening of the council '
        "session."
    )
    docs = [
        make_document(url(name), [*REPORTING[name], quote], source=SOURCE)
        for name in ("tram", "bridge")
    ]
    articles, _ = clean_documents(docs)
    assert all(a.text.endswith(quote) for a in articles)


def test_caption_repeated_in_the_paragraphs_is_removed(make_document):
    caption = "Engineers inspect the swing bridge's bearings on Monday. Photograph by Ruth Imsen"
    doc = make_document(
        url("bridge"),
        [REPORTING["bridge"][0], caption, *REPORTING["bridge"][1:]],
        source=SOURCE,
        captions={caption.lower()},
    )
    (article,), _ = clean_documents([doc])
    assert caption not in article.text
    assert article.text == "\n\n".join(REPORTING["bridge"])
    assert article.removed_paragraphs == 1


def test_duplicated_paragraph_appears_once(make_document):
    first, _, third = REPORTING["choir"]
    long = " ".join(REPORTING["tram"][:2])  # a pull quote or caption of 30 words or more
    doc = make_document(url("choir"), [first, long, long.upper(), third, long], source=SOURCE)
    (article,), _ = clean_documents([doc])
    assert article.text == f"{first}\n\n{long}\n\n{third}"
    assert article.removed_paragraphs == 2


def test_drop_patterns_of_the_source(make_document):
    promo = "Listen to this article: 4 minutes, read by an automated voice."
    docs = [
        make_document(url("tram"), [*REPORTING["tram"], promo], source=SOURCE),
        make_document(url("choir"), [*REPORTING["choir"], promo], source="other-outlet"),
    ]
    articles, _ = clean_documents(docs, drop_patterns={SOURCE: [r"^listen to this article"]})
    found = by_url(articles)
    assert promo not in found[url("tram")].text  # case-insensitive, source's own pattern
    assert found[url("choir")].text.endswith(promo)  # other sources are not affected


def test_prior_counts_let_a_single_article_learn_from_the_corpus(make_document):
    doc = make_document(url("tram"), [*REPORTING["tram"], SIGNOFF], source=SOURCE)
    (kept,), _ = clean_documents([doc], prior_counts={(SOURCE, paragraph_hash(SIGNOFF)): 1})
    assert kept.text.endswith(SIGNOFF)  # 1 other article + this one: below the threshold of 3
    (learned,), _ = clean_documents([doc], prior_counts={(SOURCE, paragraph_hash(SIGNOFF)): 2})
    assert SIGNOFF not in learned.text
    assert learned.text == "\n\n".join(REPORTING["tram"])
    (other,), _ = clean_documents(
        [doc], prior_counts={("another-source", paragraph_hash(SIGNOFF)): 9}
    )
    assert other.text.endswith(SIGNOFF)


def test_a_lone_reader_appeal_at_the_end_is_removed_without_learning(make_document):
    doc = make_document(url("tram"), [*REPORTING["tram"], DONATION], source=SOURCE)
    (kept,), _ = clean_documents([doc])
    assert kept.text == "\n\n".join(REPORTING["tram"])


def test_too_short_text_is_a_clean_reject(make_document):
    doc = make_document(
        url("short"), ["The bridge reopens on Friday.", FOLLOW, "Share this article"], source=SOURCE
    )
    articles, rejects = clean_documents([doc])
    assert articles == []
    assert len(rejects) == 1
    reject = rejects[0]
    assert isinstance(reject, Reject)
    assert (reject.stage, reject.source, reject.url, reject.reason) == (
        "clean",
        SOURCE,
        url("short"),
        "not an article",
    )
    assert reject.detail == "5 words of text after cleaning"


def test_only_boilerplate_is_an_empty_body(make_document):
    doc = make_document(url("empty"), [FOLLOW, "Advertisement", "   "], source=SOURCE)
    _, rejects = clean_documents([doc])
    assert [(r.stage, r.reason) for r in rejects] == [("clean", "empty body")]


def test_text_is_normalised(make_document):
    paragraphs = [p.replace("euro", "€") for p in REPORTING["tram"]]
    mangled = [
        paragraphs[0].replace("Wednesday", "We&shy;dnes&amp;day"),
        "caf\u00c3\u00a9  owners   were " * 3,
        *paragraphs[1:],
    ]
    (article,), _ = clean_documents([make_document(url("tram"), mangled, source=SOURCE)])
    assert "We\u00addnes&day" in article.text
    assert "café owners were café" in article.text
    assert "  " not in article.text


def test_trailing_reader_appeal_is_cut(make_document):
    appeal = [
        "Will you help us keep local news alive?",
        "Every contribution, however small, funds our reporters.",
        "Become a member today.",
    ]
    doc = make_document(url("bakery"), [*REPORTING["bakery"], *appeal], source=SOURCE)
    (article,), _ = clean_documents([doc])
    assert article.text == "\n\n".join(REPORTING["bakery"])


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Follow us on X and Facebook", True),
        ("Read more: the council's tram plans", True),
        ("Advertisement", True),
        ("Sign up", True),
        ("Photo: Ruth Imsen", True),
        ("© 2024 Linden Gazette", True),
        ("Table of Contents", True),
        ("4 min read", True),
        ("- 11 min read", True),
        ("Learn More", True),
        ("AP", True),
        ("(Story continues below)", True),
        ("On the Net:", True),
        ("Thank you! Your submission has been received!", True),
        ("Oops! Something went wrong while submitting the form.", True),
        ("Share this post", True),
        ("Share this post with a friend who rides the night tram, the council asked.", False),
        ("Prices were accurate at the time this article was published but may change.", True),
        ("The story continues below the map of the tram lines.", False),
        ("[ Also read: Tram works close Canal Street for a month ]", True),
        ("You may also like", True),
        ("Trending News", True),
        ("Download chart image | Chart data", True),
        ("©2009 Linden Wire Service. All rights reserved. Not to be republished.", True),
        ("Text and photos: Linden Gazette 2024, all rights reserved.", True),
        ("The rights reserved for the crown were read out in court on Monday.", False),
        ("Last updated: Thursday, 13 October 2025, 10:36 GMT 11:36 UK", True),
        ("Updated 8:09 AM EDT, Wed September 4, 2025", True),
        ("Published: 12 March 2024", True),
        ("| Page last updated at 02:18 GMT, Tuesday, 10 March 2025 |", True),
        ("30 May 2025 Last updated at 16:09 ET", True),
        ("PUBLISHED: March 21, 2025 at 9:41 pm | UPDATED: March 21, 2025 at 9:51 pm", True),
        ("- Posted: 8:43 AM, April 19, 2025", True),
        ("12 March 2025", False),
        ("Related: Night buses return to the harbour line", True),
        ("Got a tip? Email the newsroom at tips@linden.example.net", True),
        ("Sign up now to get every tram update first.", True),
        (
            "The author writes for the Gazette. The opinions expressed are those of the writer.",
            True,
        ),
        ("The views expressed by residents were noted by the council.", False),
        ("Love trams? Our Rail Week newsletter is delivered to your inbox every Friday.", True),
        ("Thanks for subscribing! Look out for your first letter soon.", True),
        ("The council's newsletter to residents explained the detour on Friday.", False),
        ("Also read: How the tram depot was financed", True),
        ("Don't miss: the ferry timetable for winter", True),
        ("Related talks between the unions and the city ended on Friday.", False),
        (
            "Home | City | Harbour | Courts | Schools | Weather | Arts & Culture | Sport | Jobs"
            " | Letters to the editor | Contact us",
            True,
        ),
        ("| Crossing | Early | Late | Night | Weekend |", False),  # a table row
        (
            "Copyright © 2025 Linden Wire Service. All rights reserved. What the Linden Wire"
            " reports may not be published, broadcast, rewritten or passed on in any form, in whole"
            " or in part, without the written permission of Linden Wire Service Ltd.",
            True,
        ),
        (
            "THE LINDEN GAZETTE is a registered trademark of Linden Media Cooperative. The names"
            " lindengazette.example.net and gazette.example.net are trademarks of the cooperative"
            " and may not be used without its written consent in any advertising of any kind.",
            True,
        ),
        (
            "This website uses cookies to improve your experience while you move through the"
            " website. Of these, the cookies that are needed are stored in your browser, as they"
            " are essential for the site's basic functions to work.",
            True,
        ),
        (
            "Disclosure: some links in this guide are affiliate links, and the Gazette may earn a"
            " small commission when you buy through them, at no extra cost to you. It never"
            " changes which ferries, walks or cafés we recommend.",
            True,
        ),
        ("Disclosure: the author sits on the board of the tram users' association.", False),
        (
            "Copyright law was at the heart of the case: the court said the council had copied the"
            " architect's drawings for the new tram depot without asking, and ordered it to pay"
            " damages to the firm within a month.",
            False,
        ),
        ("Ferries | Buses | Trams: what changes in winter", False),
        ("Updated guidelines were published by the council on 4 May.", False),
        ("Posted on May 3, 2024 by Jo Lee", False),
        ("The contents of the report were read to the council in four minutes.", False),
        ("Trending downwards, the fares fell for a third month.", False),
        ("Officials will follow the recommendations of the panel on Monday.", False),
        (
            "Subscribers to the newsletter, the editor said, had doubled "
            + "since the tram vote " * 10,
            False,
        ),
    ],
)
def test_generic_boilerplate_lines(line, expected):
    assert is_boilerplate_line(line) is expected


def test_appeal_start_needs_a_heading_in_the_second_half():
    body = ["a b c d e f g h i j k l m n"] * 4
    assert appeal_start([*body, "Will you support our journalism?", "Donate now."]) == 4
    assert appeal_start(["Can you help us find the owner?", *body]) is None


def test_normalize_text():
    assert normalize_text("  caf\u00c3\u00a9 &amp;\tbar\n") == "café & bar"
    assert normalize_text("e\u0301") == "\u00e9"  # NFC


@pytest.mark.parametrize(
    "text",
    [
        "Plain ASCII, two  spaces\tand a tab.",
        "x &amp;amp; y",  # an entity left after one unescape
        "red\x1b[31m text",  # a terminal escape
        "nul\x00 and del\x7f",
        "line\rbreak\u2028here",
        "caf\u00c3\u00a9 mojibake",
        "the \ufb01nancial \ufb02oor",  # Latin ligatures
        "\uff2c\uff2f\uff35\uff24\u3000\uff2e\uff2f\uff29\uff33\uff25",  # full width
        "\uff73\uff80\uff70\uff9d",  # half-width katakana
        "It\u2019s \u201cquoted\u201d \u2014 na\u00efve",
        "\u00e2\u20ac\u2122 lost quote",  # mojibake of a curly quote
    ],
)
def test_normalize_text_shortcuts_give_ftfys_full_result(text):
    full = unicodedata.normalize("NFC", ftfy.fix_text(html.unescape(text), uncurl_quotes=False))
    assert normalize_text(text) == " ".join(full.split())


@pytest.mark.parametrize(
    "lines, reason",
    [
        (
            [
                "Council approves the tram budget after a long night of debate in the chamber.",
                "Subscribe to continue reading. Already a subscriber? Log in.",
            ],
            "paywall",
        ),
        (
            [
                "We use cookies to give you the best experience.",
                "Accept all cookies",
                "Manage your choices",
            ],
            "cookie wall",
        ),
    ],
)
def test_paywall_and_cookie_wall_pages_are_rejects(make_document, lines, reason):
    articles, rejects = clean_documents([make_document(url("wall"), lines, source=SOURCE)])
    assert articles == []
    assert [(r.stage, r.reason) for r in rejects] == [("clean", reason)]


def test_a_long_article_that_mentions_subscribers_is_kept(make_document):
    body = [
        p for paragraphs in REPORTING.values() for p in paragraphs
    ]  # well over the wall's 150 words
    lines = [
        *body,
        "The paper said the story was for subscribers only, a claim the council disputed.",
    ]
    articles, _ = clean_documents([make_document(url("tram"), lines, source=SOURCE)])
    assert len(articles) == 1


def test_a_quote_about_supporting_journalism_at_the_end_is_reporting(make_document):
    quote = (
        '"We will keep supporting independent journalism in every town we serve," the '
        "foundation's "
        "director, Ines Brandt, said at the launch."
    )
    articles, _ = clean_documents(
        [make_document(url("tram"), [*REPORTING["tram"], quote], source=SOURCE)]
    )
    assert articles[0].text.endswith(quote)


def test_the_outlets_own_promotion_closing_a_story_goes(make_document):
    promos = [
        "For every update on the tram works, follow us on Mastodon @lindengazette.",
        "Liked this story? Sign up for our free weekday newsletter and get it in your inbox.",
    ]
    byline = "Contact the reporter, Jo Lee, at jo.lee@linden.example.net or follow her on X."
    quote = '"Follow us on the new line," the mayor told riders on the opening day.'
    story = [*REPORTING["tram"], byline, quote]
    articles, _ = clean_documents([make_document(url("tram"), [*story, *promos], source=SOURCE)])
    assert articles[0].text.split("\n\n") == story


def test_the_headline_repeated_near_the_start_goes_but_not_later(make_document):
    title = "Tram extension approved after long debate"
    body = ["City", "Share this story", title, *REPORTING["tram"], title]
    articles, _ = clean_documents([make_document(url("tram"), body, source=SOURCE, title=title)])
    assert articles[0].text.split("\n\n") == ["City", *REPORTING["tram"], title]


def test_a_long_paragraph_ending_in_needs_you_does_not_start_an_appeal(make_document):
    line = (
        "At the final whistle the coach turned to the stand and shouted the line the club has "
        "printed on "
        "its scarves for decades: this town needs you."
    )
    lines = [*REPORTING["tram"], line, "Tickets for the replay go on sale on Monday."]
    articles, _ = clean_documents([make_document(url("tram"), lines, source=SOURCE)])
    assert line in articles[0].text and articles[0].text.endswith("Monday.")


def test_a_plan_repeating_a_short_step_keeps_it_but_text_given_twice_goes(make_document):
    first, second, third = REPORTING["choir"]
    step = "Warm up: ten minutes of easy jogging, then five short strides."
    days = ["Monday: rest.", step, "Tuesday: intervals on the track.", step, "Thursday: long run."]
    doc = make_document(url("plan"), [first, *days, second, third], source=SOURCE)
    (article,), _ = clean_documents([doc])
    assert article.text.count(step) == 2
    # The same two paragraphs again in a row: the page gave the text twice.
    doc = make_document(url("twice"), [first, second, third, second, third], source=SOURCE)
    (article,), _ = clean_documents([doc])
    assert article.text == f"{first}\n\n{second}\n\n{third}"


def test_a_photo_gallery_of_numbered_slides_goes(make_document):
    slides = []
    for n in range(1, 5):
        slides += [f"{n}/4", f"{n} October 2017", f"Crowds gather by the harbour on day {n}", "AFP"]
    story = [*REPORTING["tram"], *REPORTING["choir"]]
    doc = make_document(url("tram"), [*story[:2], *slides, *story[2:]], source=SOURCE)
    (article,), _ = clean_documents([doc])
    assert article.text.split("\n\n") == story
    # Two counters are no gallery; ratings ("4/5", "5/5") are not counters of one.
    scores = ["Ease of use", "4/5", "Price", "5/5", "Support", "3/5"]
    doc = make_document(url("tram"), [*story, *scores], source=SOURCE)
    (article,), _ = clean_documents([doc])
    assert article.text.split("\n\n") == [*story, *scores]
    # A page whose extracted text is only a gallery keeps it: the captions are all the text
    # there is, and an empty page would be rejected with its title and date.
    long_slides = []
    for n in range(1, 7):
        caption = f"Crowds gather by the harbour on day {n} as the new tram line opens to riders"
        long_slides += [f"{n}/6", caption, "AFP"]
    doc = make_document(url("tram"), long_slides, source=SOURCE)
    (article,), rejects = clean_documents([doc])
    assert rejects == [] and "on day 6 as the new tram line" in article.text


def test_a_dated_list_of_other_stories_after_the_article_goes(make_document):
    story = [*REPORTING["tram"], *REPORTING["choir"]]
    teasers = [
        "- Harbour ferry fares rise for the summer - April 8, 2017",
        "- New bakery opens on Mill Street - April 7, 2017",
        "- Council delays the library vote posted Mar 15, 2009",
        "- Bridge reopens posted 15min(s)",
    ]
    doc = make_document(url("tram"), [*story, *teasers, "View All Posts"], source=SOURCE)
    (article,), _ = clean_documents([doc])
    assert article.text.split("\n\n") == story
    # A timeline whose items start with their dates is the story's own, and so is a dated list
    # with more of the story after it.
    timeline = ["- April 8, 2017: the line closes", "- May 2, 2017: work starts"]
    doc = make_document(url("tram"), [*story, *timeline], source=SOURCE)
    (article,), _ = clean_documents([doc])
    assert article.text.split("\n\n") == [*story, *timeline]
    doc = make_document(url("tram"), [*story[:4], *teasers, *story[4:]], source=SOURCE)
    (article,), _ = clean_documents([doc])
    assert article.text.split("\n\n") == [*story[:4], *teasers, *story[4:]]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("March 12, 2009", True),
        ("- 28 March 2017", True),
        ("1/30/09 at 6:00 PM", True),
        ("Tuesday, May 22, 2007", True),
        ("2017", False),  # a timeline's year heading
        ("May the best team win", False),
        ("| 1/1/2013 | +13.1% |", False),  # a table row's data
        ("June 17, 2025 by", False),
        ("The council met on March 12, 2009.", False),
    ],
)
def test_a_line_that_is_only_a_date(line, expected):
    assert is_date_line(line) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("By MIRA HOLT", True),
        ("By Mira Holt - Mar 21, 2017 - Last updated at Mar 21, 2017", True),
        ("1:25pm PT by Mira Holt", True),
        ("Published on April 8th, 2017 | by Guest Contributor", True),
        ("Stand by Me", False),
        ("Photo by Mira Holt", False),
        ("The bill was passed by Congress", False),
        ("By the way, the tram runs late on Sundays", False),
    ],
)
def test_a_line_that_only_names_the_writer(line, expected):
    assert is_byline_line(line) is expected


def test_a_box_of_other_stories_inside_the_article_goes_and_the_story_after_it_stays(
    make_document,
):
    story = [*REPORTING["tram"], *REPORTING["choir"]]
    box = [
        "RELATED:",
        "Harbour ferry fares rise for the summer",
        "New bakery opens on Mill Street",
        "- Library vote delayed again",
    ]
    doc = make_document(url("tram"), [*story[:4], *box, *story[4:]], source=SOURCE)
    (article,), _ = clean_documents([doc])
    assert article.text.split("\n\n") == story
    # Teasers down to the end: the box ends the article.
    doc = make_document(url("tram"), [*story, *box, "Library vote delayed"], source=SOURCE)
    (article,), _ = clean_documents([doc])
    assert article.text.split("\n\n") == story


def test_label_lines_before_the_story_go_but_a_subheading_and_highlights_stay(make_document):
    story = [*REPORTING["tram"], *REPORTING["choir"]]
    lead = ["Politics", "AP Photo", "Story highlights", "- The vote was 31 to 12"]
    doc = make_document(url("tram"), [*lead, "Introduction", *story], source=SOURCE)
    (article,), _ = clean_documents([doc])
    assert article.text.split("\n\n") == [*lead[2:], "Introduction", *story]


def test_also_heading_with_linked_headlines_ends_the_article(make_document):
    story = [*REPORTING["tram"], *REPORTING["choir"]]
    also = ["ALSO", "Harbour ferry fares rise", "New bakery opens on Mill Street", "Library vote"]
    (article,), _ = clean_documents([make_document(url("tram"), [*story, *also], source=SOURCE)])
    assert article.text.split("\n\n") == story


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Have you been affected by the closures? Email us.", True),
        ("We pay for your stories! Do you have a story for the news team?", True),
        ("Send your photos, videos and stories to the newsroom", True),
        ("Please include a number if you are willing to speak to a Gazette journalist.", True),
        ("Riders affected by the closures can take the replacement bus.", False),
    ],
)
def test_a_call_for_readers_stories_goes(line, expected):
    assert is_boilerplate_line(line) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Subscribe to get the latest posts sent to your email.", True),
        ("Awesome, you're subscribed!", True),
        ("Keep up with this story and more by subscribing now", True),
        ("Subscribe & Save discounts make it cheaper.", False),
        ("Subscribers to the paper got the supplement free.", False),
    ],
)
def test_a_subscription_box_line_goes(line, expected):
    assert is_boilerplate_line(line) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Publié le 22 novembre 2026 à 08h30", True),
        ("Mis à jour le 23/11/2026 à 10h05", True),
        ("Veröffentlicht am 21.11.2026, 10:40 Uhr", True),
        ("Publicado el 3 de mayo de 2025", True),
        ("Pubblicato il 4 marzo 2025 alle 10:30", True),
        ("Publicado en 2025 el informe anual del puerto", False),
        ("Mars 2020 a atterri sans encombre", False),
    ],
)
def test_a_publication_stamp_in_another_language_goes(line, expected):
    assert is_boilerplate_line(line) is expected
