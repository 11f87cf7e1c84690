"""Duplicates merge into one statement; ids are stable across imports."""

import datetime as dt

from generator.ingest import identity
from generator.model import names
from generator.model.documents import Capture, Document


def doc(title="Press Statement", text=("Body text.",), date=dt.date(2024, 8, 4), file="a.json",
        url="http://x/1", sha=None, topics=()):
    return Document(
        title=title, date=date, date_from="record", source="KCNA.kp (En)", dateline=None,
        paragraphs=tuple(text),
        capture=Capture(file, url, None, sha or (url or file).encode().hex().ljust(64, "0")[:64]),
        topics=tuple(topics),
    )


def test_same_title_date_and_text_under_two_links_is_one_statement():
    groups = identity.group([doc(url="http://x/1", topics=["External"]),
                             doc(url="http://x/2", topics=["Top News"])])
    assert len(groups) == 1
    assert [c.source_url for c in groups[0].captures] == ["http://x/1", "http://x/2"]
    assert groups[0].topics == ("External", "Top News")


def test_case_spacing_and_quote_style_do_not_split_a_statement():
    groups = identity.group([
        doc(title="Workers' Party  Statement", text=["It\u2019s  \u201cfinal\u201d."]),
        doc(title="workers\u2019 party statement", text=["It's \"final\"."], url="http://x/2"),
    ])
    assert len(groups) == 1


def test_a_text_whose_names_a_scraper_glued_to_their_neighbours_is_the_same_text():
    # Scrapers that strip each piece of a page's text write "atKim Il SungSquare".
    glued = doc(text=["The people gathered atKim Il SungSquare."], file="a.json")
    spaced = doc(text=["The people gathered at Kim Il Sung Square."], file="b.html",
                 url="http://x/2")
    (grp,) = identity.group([glued, spaced])
    assert len(grp.captures) == 2
    assert grp.first is spaced  # the capture that keeps the spaces speaks for the statement
    assert len(identity.group([glued, doc(text=["The people gathered at Kim Il Sung Plaza."],
                                          url="http://x/3")])) == 2


def test_empty_capture_joins_the_statement_with_text():
    groups = identity.group([doc(text=[], url="http://photo"), doc(url="http://article")])
    (grp,) = groups
    assert grp.first.paragraphs == ("Body text.",)
    assert len(grp.captures) == 2


def test_different_texts_stay_separate_statements_with_distinct_ids():
    groups = identity.group([doc(text=["Version one."]), doc(text=["Version two."], url="http://x/2")])
    assert len(groups) == 2
    ids = [i for i, _ in identity.assign_ids(groups, {})]
    assert len(set(ids)) == 2
    assert "2024-08-04-press-statement" in ids


def test_ids_do_not_depend_on_the_order_captures_arrive_in():
    a, b = doc(text=["Version one."]), doc(text=["Version two."], url="http://x/2")
    first = dict((g.key, i) for i, g in identity.assign_ids(identity.group([a, b]), {}))
    second = dict((g.key, i) for i, g in identity.assign_ids(identity.group([b, a]), {}))
    assert first == second


def test_a_stored_statement_keeps_its_id_when_a_rival_arrives():
    old = doc(text=["Version two."], url="http://x/2")
    ((old_id, _),) = identity.assign_ids(identity.group([old]), {})
    assert old_id == "2024-08-04-press-statement"
    claimed = {old.capture.sha256: [old_id]}
    rival = doc(text=["Version one."])  # its checksum sorts first; it must not take the id
    assigned = {g.first.paragraphs: i for i, g in
                identity.assign_ids(identity.group([old, rival]), claimed, {old_id})}
    assert assigned[("Version two.",)] == old_id
    assert assigned[("Version one.",)].startswith(old_id + "-")


def test_a_statement_listed_in_a_file_merged_by_hand_keeps_its_own_id():
    a, b = doc(text=["Version one."]), doc(text=["Version two."], url="http://x/2")
    a_id, b_id = "2024-08-04-a", "2024-08-04-b"
    claimed = {a.capture.sha256: ["2001-01-01-merged", a_id],
               b.capture.sha256: ["2001-01-01-merged", b_id]}
    assigned = {g.first.paragraphs: i for i, g in identity.assign_ids(
        identity.group([a, b]), claimed, {a_id, b_id, "2001-01-01-merged"})}
    # The first in order takes the merged file's id; the other keeps its own, not a new one.
    assert assigned[("Version one.",)] in ("2001-01-01-merged", a_id)
    assert assigned[("Version two.",)] in ("2001-01-01-merged", b_id)
    assert len(set(assigned.values())) == 2


def test_a_hand_written_file_s_id_is_not_reused():
    ((new_id, _),) = identity.assign_ids(identity.group([doc()]), {}, {"2024-08-04-press-statement"})
    assert new_id != "2024-08-04-press-statement"


def test_slugs_are_short_ascii_and_cut_at_a_word():
    assert names.slugify("DPRK's Vice-Minister: \u201cNo!\u201d") == "dprks-vice-minister-no"
    long = names.slugify("word " * 40)
    assert len(long) <= names.SLUG_MAX and not long.endswith("-") and long.endswith("word")
    assert names.slugify("\u6771\u4eac") == "statement"
    assert names.slugify("Caf\u00e9 \u00c9lys\u00e9e") == "cafe-elysee"


def test_invisible_characters_do_not_keep_one_statement_apart_and_the_text_keeps_them():
    # Issue 27, item 19: a zero-width space in a headline kept two identical statements apart.
    with_them = doc(title="Press\u200b Statement\u00ad of DPRK", text=["Body\u200d text.\ufeff"])
    (grp,) = identity.group([with_them, doc(title="Press Statement of DPRK", url="http://x/2")])
    assert len(grp.captures) == 2
    assert grp.first.title == "Press\u200b Statement\u00ad of DPRK"  # stored as captured
    assert identity.normalise("Press\u200bStatement") == "pressstatement"
