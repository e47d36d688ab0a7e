"""Site chrome stays out of passages; the story's own lines survive. All pages here are invented."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.chrome import kept_blocks


def kept_text(text: str) -> str:
    return "\n".join(text[start:end] for start, end in kept_blocks(text))


def dropped_lines(text: str) -> list[str]:
    """Non-blank lines that no block covers."""
    covered = [False] * len(text)
    for start, end in kept_blocks(text):
        covered[start:end] = [True] * (end - start)
    dropped = []
    for match in re.finditer(r"[^\r\n]+", text):
        stripped = match.group().strip()
        offset = match.start() + match.group().index(stripped) if stripped else 0
        if stripped and not covered[offset]:
            dropped.append(stripped)
    return dropped


def assert_exact_slices(text: str) -> None:
    blocks = kept_blocks(text)
    previous_end = 0
    for start, end in blocks:
        assert previous_end <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        previous_end = end


# --- a plain article --------------------------------------------------------------------------------------------

CANAL_STORY = """\
Canal Restoration Wins Funding

The county board approved money on Thursday to dredge the old canal, ending a decade of debate.

Engineers expect the work to take two summers. "We finally have a plan," said board chair Ilse Varga.

He said no.
"""


def test_plain_article_without_chrome_is_one_block() -> None:
    blocks = kept_blocks(CANAL_STORY)
    assert blocks == ((0, len(CANAL_STORY.rstrip())),)
    assert dropped_lines(CANAL_STORY) == []


def test_leading_and_trailing_whitespace_is_outside_the_block() -> None:
    text = "\n\n   " + CANAL_STORY + "   \n\n"
    ((start, end),) = kept_blocks(text)
    assert text[start:end] == CANAL_STORY.rstrip()


def test_crlf_lines_keep_exact_offsets() -> None:
    text = CANAL_STORY.replace("\n", "\r\n")
    ((start, end),) = kept_blocks(text)
    assert text[start:end] == CANAL_STORY.rstrip().replace("\n", "\r\n")


def test_crlf_page_with_chrome_splits_at_the_chrome_line() -> None:
    text = "First paragraph of the story.\r\nAdvertisement\r\nSecond paragraph of the story.\r\n"
    assert [text[s:e] for s, e in kept_blocks(text)] == [
        "First paragraph of the story.",
        "Second paragraph of the story.",
    ]


def test_empty_and_blank_text_have_no_blocks() -> None:
    assert kept_blocks("") == ()
    assert kept_blocks(" \n\r\n\t \n") == ()


# --- rule 1: "latest stories" lists ---------------------------------------------------------------------------

VALLEY_COURIER = """\
Ferry Service Returns to Lake Oru
The ferry between the two shores resumed on Monday after a three-month repair.
Operators said the boat can now carry forty cars per crossing.
"It feels like the lake is open again," said a commuter, Tomas Prell.
More Headlines
-
Orchard growers brace for late frost across the valley
14 minutes -
Council names new head of water authority
52 minutes -
Youth choir takes regional prize in Dunmere
2 hours -
Bridge closure extended through the weekend
yesterday
"""


def test_related_heading_and_headline_list_with_times_are_dropped() -> None:
    kept = kept_text(VALLEY_COURIER)
    assert kept.endswith("said a commuter, Tomas Prell.")
    assert "Orchard growers" not in kept
    assert "More Headlines" in dropped_lines(VALLEY_COURIER)
    assert "Bridge closure extended through the weekend" in dropped_lines(VALLEY_COURIER)
    assert kept.startswith("Ferry Service Returns to Lake Oru")


def test_headline_list_with_ago_times_and_no_heading_is_dropped() -> None:
    text = """\
The museum will reopen its east wing in March, the director confirmed.

Storm knocks out power to coastal towns

3 hours ago

Rail strike talks resume after weekend pause

5 hours ago

Local bakery celebrates its hundredth year
"""
    assert kept_text(text) == "The museum will reopen its east wing in March, the director confirmed."


def test_title_above_dates_at_the_top_is_kept() -> None:
    text = "Snowfall Closes Mountain Pass\nMarch 3, 2025\nBy the road desk\n2 hours ago\nThe pass shut at noon.\n"
    assert kept_text(text).startswith("Snowfall Closes Mountain Pass")
    assert "The pass shut at noon." in kept_text(text)


def test_related_heading_with_bulleted_headlines_is_dropped() -> None:
    text = """\
Researchers counted more owls this winter than in any year since the survey began.
Related coverage:
• Why barn owls are returning to farmland
• The volunteers who count birds at dawn
• A short history of the winter survey
"""
    assert kept_text(text) == "Researchers counted more owls this winter than in any year since the survey began."


def test_bulleted_list_inside_the_story_is_kept() -> None:
    text = """\
The recall covers three models:
- the Breeze 200 kettle
- the Breeze 210 kettle
- the Summit toaster
Owners can return them to any store for a refund.
"""
    assert dropped_lines(text) == []


# --- rule 2: calls to action ----------------------------------------------------------------------------------

METRO_LEDGER = """\
Tram Fares to Stay Frozen Next Year

The transit authority said fares will not rise in the coming year despite higher energy costs.

TAP HERE TO DOWNLOAD THE METRO LEDGER APP

Officials said the freeze would cost about twelve million in lost revenue.

Sign up for our morning newsletter to get stories like this in your inbox.

Follow us on social media

Riders' groups welcomed the decision but asked for more frequent service.
She urged riders to sign up for the discounted annual pass.
Read more books, the librarian told the children.
"""


@pytest.mark.parametrize(
    "line",
    [
        "TAP HERE TO DOWNLOAD THE METRO LEDGER APP",
        "Sign up for our morning newsletter to get stories like this in your inbox.",
        "Follow us on social media",
    ],
)
def test_calls_to_action_are_dropped(line: str) -> None:
    assert line in dropped_lines(METRO_LEDGER)


@pytest.mark.parametrize(
    "line",
    [
        "Tram Fares to Stay Frozen Next Year",
        "Officials said the freeze would cost about twelve million in lost revenue.",
        "She urged riders to sign up for the discounted annual pass.",
        "Read more books, the librarian told the children.",
    ],
)
def test_sentences_that_mention_cta_words_are_kept(line: str) -> None:
    assert line not in dropped_lines(METRO_LEDGER)
    assert line in kept_text(METRO_LEDGER)


# --- rule 3: all-caps promo headlines -------------------------------------------------------------------------

HARBOR_GAZETTE = """\
Dockworkers Approve New Contract

Members voted by a wide margin to accept a four-year deal covering wages and shift lengths.

PORT AUTHORITY UNVEILS PLAN FOR SECOND CONTAINER TERMINAL

The union's president said the agreement protects jobs as cranes become automated.

"NOBODY WANTED A STRIKE," the sign read.

NATO and the EU were not involved.
"""


def test_all_caps_promo_headline_is_dropped() -> None:
    assert dropped_lines(HARBOR_GAZETTE) == ["PORT AUTHORITY UNVEILS PLAN FOR SECOND CONTAINER TERMINAL"]


def test_text_around_a_promo_survives_in_two_blocks() -> None:
    blocks = [HARBOR_GAZETTE[s:e] for s, e in kept_blocks(HARBOR_GAZETTE)]
    assert len(blocks) == 2
    assert blocks[0].endswith("wages and shift lengths.")
    assert blocks[1].startswith("The union's president")
    assert blocks[1].endswith("NATO and the EU were not involved.")


# --- rule 4: photo credits and captions -----------------------------------------------------------------------

PINECREST_DAILY = """\
Wildfire Crews Gain Ground in the Hills

Firefighters said on Sunday that the blaze was half contained after cooler weather arrived.

Smoke over the ridge

Smoke rises above the ridge north of town on Saturday. (Dana Okafor/Pinecrest Daily via Getty Images)

Evacuation orders were lifted for two neighbourhoods.

Image source, Getty Images

Image caption, Residents return to their homes on Sunday

Helicopter crews dropped water through the night.

Volunteers at the shelter

Volunteers sort donations at the high school. (Photo: Lena Brandt)

Credit: Marco Diaz

Residents at a town meeting on Monday. (Pinecrest Daily)

Officials thanked crews from three counties (the state, the county and the city).
"""


@pytest.mark.parametrize(
    "line",
    [
        "Smoke rises above the ridge north of town on Saturday. (Dana Okafor/Pinecrest Daily via Getty Images)",
        "Smoke over the ridge",
        "Image source, Getty Images",
        "Image caption, Residents return to their homes on Sunday",
        "Volunteers at the shelter",
        "Volunteers sort donations at the high school. (Photo: Lena Brandt)",
        "Credit: Marco Diaz",
        "Residents at a town meeting on Monday. (Pinecrest Daily)",
    ],
)
def test_credits_and_caption_titles_are_dropped(line: str) -> None:
    assert line in dropped_lines(PINECREST_DAILY)


@pytest.mark.parametrize(
    "line",
    [
        "Wildfire Crews Gain Ground in the Hills",
        "Evacuation orders were lifted for two neighbourhoods.",
        "Helicopter crews dropped water through the night.",
        "Officials thanked crews from three counties (the state, the county and the city).",
    ],
)
def test_story_lines_between_captions_are_kept(line: str) -> None:
    assert line in kept_text(PINECREST_DAILY)


def test_title_above_a_credit_line_is_kept() -> None:
    text = "Lighthouse Gets a New Lamp\n\nThe keeper's cottage at dusk. (Courtesy Coastal Trust)\n\nThe lamp was lit.\n"
    assert kept_text(text).split("\n")[0] == "Lighthouse Gets a New Lamp"
    assert dropped_lines(text) == ["The keeper's cottage at dusk. (Courtesy Coastal Trust)"]


def test_short_sentence_before_a_credit_is_not_a_caption_title() -> None:
    text = "Story title here\nThe vote passed.\nA crowd outside. (AP Photo/Jo Lin)\nMore followed.\n"
    assert dropped_lines(text) == ["A crowd outside. (AP Photo/Jo Lin)"]


# --- rule 5: player and ad labels -----------------------------------------------------------------------------

NORTHWIND_RADIO = """\
Audio By Soundweave
School Lunch Program Expands to Rural Districts
Listen to this article
00:00 / 03:12
The program will now serve free lunches in forty more schools, the ministry said.
Advertisement
Parents in the districts had petitioned for the change for two years.
Sponsored
Watch:
Play video
Video
Teachers said attendance rose where the program already ran.
"""


@pytest.mark.parametrize(
    "line",
    [
        "Audio By Soundweave",
        "Listen to this article",
        "00:00 / 03:12",
        "Advertisement",
        "Sponsored",
        "Watch:",
        "Play video",
        "Video",
    ],
)
def test_player_and_ad_labels_are_dropped(line: str) -> None:
    assert line in dropped_lines(NORTHWIND_RADIO)


def test_story_survives_the_labels_and_the_title_follows_the_player_label() -> None:
    blocks = [NORTHWIND_RADIO[s:e] for s, e in kept_blocks(NORTHWIND_RADIO)]
    assert blocks == [
        "School Lunch Program Expands to Rural Districts",
        "The program will now serve free lunches in forty more schools, the ministry said.",
        "Parents in the districts had petitioned for the change for two years.",
        "Teachers said attendance rose where the program already ran.",
    ]


# --- block shape ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", [VALLEY_COURIER, METRO_LEDGER, HARBOR_GAZETTE, PINECREST_DAILY, NORTHWIND_RADIO])
def test_blocks_are_exact_slices_that_never_span_a_dropped_line(page: str) -> None:
    assert_exact_slices(page)
    kept_lines = {line.strip() for line in kept_text(page).splitlines()}
    assert dropped_lines(page), "every sample page has chrome"
    assert not kept_lines & set(dropped_lines(page))


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
@settings(max_examples=300, deadline=None)
def test_any_text_gives_ordered_non_overlapping_exact_slices(text: str) -> None:
    assert_exact_slices(text)


@given(
    st.lists(
        st.sampled_from(
            ["", " ", "-", "2 hours ago", "ADVERTISEMENT", "Latest news", "A short headline", "A sentence.", "\r"]
        ),
        max_size=30,
    ),
    st.sampled_from(["\n", "\r\n"]),
)
@settings(max_examples=300, deadline=None)
def test_chrome_like_lines_give_exact_slices(lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    assert_exact_slices(text)
    for start, end in kept_blocks(text):
        assert text[start:end].strip() == text[start:end]
