"""Issuers: extraction from headline and opening, normalisation, the authority list, check."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import time

import pytest

from generator import build as pipeline
from generator import store
from generator.model import issuers
from generator.model.documents import Issuer
from generator.model.issuers import Authority, AuthorityError, attribute, canonical_name, parse_authority
from generator.problems import Report

from .conftest import FIXTURES, PROJECT

AUTHORITY_FILE = PROJECT / "content" / "issuers.yaml"
SAMPLE = FIXTURES / "issuers" / "labelled.yaml"


@pytest.fixture(scope="module")
def authority() -> Authority:
    return issuers.load_authority(AUTHORITY_FILE)


def _benchmark():
    path = PROJECT / "benchmarks" / "issuer_grouping.py"
    spec = importlib.util.spec_from_file_location("issuer_grouping", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


FM_SPOKESPERSON_TITLES = (
    "Press Statement of Spokesperson for DPRK Foreign Ministry",
    "Spokesman for DPRK Foreign Ministry Issues Press Statement",
    "Press Statement of DPRK Foreign Ministry Spokesman",
    "Spokesperson for Foreign Ministry of DPRK Gives Answers",
    "Press Statement of Spokesperson of DPRK Foreign Ministry",
    "Statement of Spokesperson for DPRK Foreign Ministry",
)
KIM_YO_JONG_TITLES = (
    "Press Statement of Vice Department Director of C.C., WPK Kim Yo Jong",
    "Press Statement of Kim Yo Jong, Vice Department Director of C.C., WPK",
    "Press Statement of Kim Yo Jong, Vice Department Director of WPK Central Committee",
    "Press Statement of Vice Department Director of WPK Central Committee Kim Yo Jong",
)


# --- variants land together ------------------------------------------------------------


@pytest.mark.parametrize("listed", [True, False], ids=["with the list", "without a list"])
def test_foreign_ministry_spokesperson_variants_land_on_one_issuer(listed, authority):
    used = authority if listed else Authority()
    found = {attribute(title, "", used) for title in FM_SPOKESPERSON_TITLES}
    assert {(i.issuer_id, i.organization_id) for i in found} == {
        ("foreign-ministry-spokesperson" if listed else "spokesperson-for-foreign-ministry",
         "foreign-ministry")
    }


def test_foreign_ministry_spokesperson_gets_its_canonical_name_and_organisation(authority):
    issuer = attribute(FM_SPOKESPERSON_TITLES[2], "", authority)
    assert issuer.issuer == "Spokesperson for the Foreign Ministry"
    assert issuer.organization == "Foreign Ministry"


@pytest.mark.parametrize("listed", [True, False], ids=["with the list", "without a list"])
def test_kim_yo_jong_four_spellings_are_one_issuer(listed, authority):
    opening = ("Pyongyang, October 3 (KCNA) -- Kim Yo Jong, vice department director of the "
               "Central Committee of the Workers' Party of Korea, released the following press "
               "statement on Thursday:")
    used = authority if listed else Authority()
    found = {attribute(title, opening, used).issuer_id for title in KIM_YO_JONG_TITLES}
    assert found == {"kim-yo-jong"}


def test_kim_yo_jong_belongs_to_the_wpk_central_committee_in_the_list(authority):
    for title in KIM_YO_JONG_TITLES:
        issuer = attribute(title, "", authority)
        assert (issuer.issuer, issuer.organization_id) == ("Kim Yo Jong", "wpk-central-committee")


def test_vice_minister_is_spelled_one_way():
    assert canonical_name("Vice-Minister of National Defence of DPRK") == canonical_name(
        "Vice Minister of National Defence of DPRK"
    ) == "Vice Minister of National Defence"


@pytest.mark.parametrize("title", [
    "Press Statement by Vice-Minister of National Defence of DPRK",
    "Press Statement of Vice Minister of National Defence of DPRK",
])
def test_vice_minister_headlines_and_the_named_opening_land_together(title, authority):
    opening = ("Pyongyang, June 24 (KCNA) -- Kim Kang Il, vice-minister of National Defence of "
               "the DPRK, Monday made public the following press statement:")
    assert attribute(title, "", authority).issuer_id == "vice-minister-of-national-defence"
    assert attribute(title, opening, authority).issuer_id == "vice-minister-of-national-defence"


@pytest.mark.parametrize("spoken", ["Spokesman", "Spokeswoman", "Spokesperson", "spokesman"])
def test_spokesman_and_spokesperson_are_one_role(spoken):
    assert canonical_name(f"{spoken} for DPRK Ministry of Public Security") == (
        "Spokesperson for Ministry of Public Security"
    )


@pytest.mark.parametrize("variant", [
    "External Policy Office Chief of DPRK Foreign Ministry",
    "Head of External Policy Office of DPRK Foreign Ministry",
    "the chief of the External Policy Office of the Foreign Ministry of the Democratic "
    "People's Republic of Korea",
])
def test_chief_of_an_office_is_read_in_any_word_order(variant):
    assert canonical_name(variant) == "Chief of External Policy Office of Foreign Ministry"


def test_the_opening_names_the_issuer_a_short_headline_leaves_vague(authority):
    issuer = attribute(
        "Press Statement of Vice Foreign Minister of DPRK",
        "Pyongyang, May 30 (KCNA) -- Kim Son Gyong, vice-minister for International "
        "Organizations of the Foreign Ministry of the Democratic People's Republic of Korea, "
        "released the following press statement on May 30:",
        authority,
    )
    assert issuer.issuer_id == "foreign-ministry-vice-minister-international-organizations"


# --- kinds -------------------------------------------------------------------------------


@pytest.mark.parametrize(("title", "opening", "kind"), [
    ("Press Statement of Spokesman for DPRK Foreign Ministry", "", "press-statement"),
    ("Permanent Mission of DPRK at UN Issues Press Statement", "", "press-statement"),
    ("Statement of Spokesman for Ministry of National Defence of DPRK", "", "statement"),
    ("Crucial Statement of DPRK Foreign Ministry", "", "statement"),
    ("Spokesman for DPRK Ministry of Public Security Releases Statement", "", "statement"),
    ("Truth Uncovered: Spokesman for DPRK Ministry of National Defence", "", "statement"),
    ("ICBM Test-fire Conducted in DPRK",
     "Pyongyang, October 31 (KCNA) -- A spokesman for the Ministry of National Defence of the "
     "Democratic People's Republic of Korea said in a statement that an ICBM test-fire was "
     "conducted on Thursday morning.", "statement"),
    ("G7 Is Developing into Global War Contractor Group: KCNA Commentary", "", "commentary"),
    ("KCNA Commentary on Piracy by \"Superpower\"", "", "commentary"),
    ("Military Commentator's Article", "", "commentary"),
    ("Spokesperson for Foreign Ministry of DPRK Gives Answers", "", "answer"),
    ("Report of KPA General Staff", "", "report"),
    ("Roads and Railways to ROK Completely Blocked: KCNA Report", "", "report"),
    ("White Paper of Disarmament and Peace Institute of DPRK Foreign Ministry on NATO", "",
     "report"),
    ("Chinese Delegation Leaves Pyongyang", "Pyongyang, February 3 (KCNA) -- A cultural "
     "delegation of Liaoning Province of China left here for home on Feb. 2.", "news"),
    ("Foreign Personages Release Statements", "Pyongyang, July 28 (KCNA) -- Personages of "
     "political parties in different countries issued statements on the occasion.", "news"),
])
def test_the_kind_follows_the_phrasing(title, opening, kind, authority):
    assert attribute(title, opening, authority).kind == kind


def test_the_opening_gives_the_kind_when_the_headline_has_no_shape(authority):
    issuer = attribute(
        "What Is Washington's Scheme to Extend Sphere of Alliance Aimed at",
        "Pyongyang, April 25 (KCNA) -- Kang Jin Song, an international affairs analyst of the "
        "Democratic People's Republic of Korea, issued the following article titled \"What\":",
        authority,
    )
    assert (issuer.kind, issuer.issuer_id, issuer.organization_id) == (
        "commentary", "kang-jin-song", "analysts")


@pytest.mark.parametrize("title", [
    "Respected Comrade Kim Jong Un Inspects Nuclear Weapons Institute",
    "WPK Central Committee Sends Congratulatory Message to Manpho Smeltery",
    "KCNA Commentary Censures U.S. Power Politics",
])
@pytest.mark.parametrize("listed", [True, False], ids=["with the list", "without a list"])
def test_news_and_kcna_commentaries_are_issued_by_kcna(title, listed, authority):
    issuer = attribute(title, "", authority if listed else Authority())
    assert (issuer.issuer, issuer.issuer_id, issuer.organization, issuer.organization_id) == (
        "KCNA", "kcna", "KCNA", "kcna")


def test_every_kind_on_the_labelled_sample_is_in_the_vocabulary(authority):
    sample = _benchmark().load_sample(SAMPLE)
    kinds = {attribute(i["headline"], i["first_sentence"], authority).kind for i in sample}
    assert kinds <= set(issuers.KINDS)
    assert {i["kind"] for i in sample} <= set(issuers.KINDS)


# --- unlisted issuers --------------------------------------------------------------------


def test_an_unlisted_issuer_gets_a_normalised_name_and_groups_with_its_variants(authority):
    titles = (
        "Spokesman for DPRK Ministry of Railways Issues Press Statement",
        "Press Statement of Spokesperson for Ministry of Railways of DPRK",
        "Press Statement of DPRK Ministry of Railways Spokesman",
    )
    found = {attribute(title, "", authority) for title in titles}
    assert found == {Issuer(
        issuer="Spokesperson for Ministry of Railways",
        issuer_id="spokesperson-for-ministry-of-railways",
        organization="Ministry of Railways",
        organization_id="ministry-of-railways",
        kind="press-statement",
    )}
    assert "spokesperson-for-ministry-of-railways" not in authority


def test_an_unlisted_issuer_under_a_listed_organisation_belongs_to_it(authority):
    issuer = attribute(
        "Press Statement by Spokesperson for Institute for Disarmament Studies of DPRK Foreign "
        "Ministry", "", authority)
    assert issuer.issuer == "Spokesperson for Institute for Disarmament Studies of Foreign Ministry"
    assert (issuer.organization_id, issuer.organization) == ("foreign-ministry", "Foreign Ministry")


def test_an_unlisted_person_named_before_a_comma_is_the_issuer():
    issuer = attribute(
        "Press Statement of Deputy Director of Ministry of Railways",
        "Pyongyang, May 1 (KCNA) -- Ri Chol Man, deputy director of the Ministry of Railways of "
        "the DPRK, released the following press statement on Monday:",
        Authority(),
    )
    assert (issuer.issuer, issuer.issuer_id, issuer.organization) == (
        "Ri Chol Man", "ri-chol-man", "Ministry of Railways")


def test_a_foreign_spokesman_quoted_in_world_news_is_not_an_issuer(authority):
    issuer = attribute(
        "Russia Denounces U.S. Moves",
        "Pyongyang, May 1 (KCNA) -- A spokesman for the Russian Foreign Ministry said that the "
        "U.S. moves are dangerous.",
        authority,
    )
    assert (issuer.kind, issuer.issuer_id) == ("news", "kcna")


# --- the authority list ------------------------------------------------------------------


def test_the_authority_exposes_organisations_and_each_issuers_chain(authority):
    assert [o.id for o in authority.organizations()][:3] == [
        "kcna", "foreign-ministry", "ministry-of-national-defence"]
    chain = authority.chain("general-bureau-of-equipment-vice-director-general")
    assert [(e.id, e.level) for e in chain] == [
        ("ministry-of-national-defence", "organization"),
        ("general-bureau-of-equipment", "office"),
        ("general-bureau-of-equipment-vice-director-general", "role"),
    ]
    assert [(e.name, e.level) for e in authority.chain("kim-yo-jong")] == [
        ("Central Committee of the Workers' Party of Korea", "organization"),
        ("Kim Yo Jong", "person"),
    ]
    assert authority.chain("nobody-we-know") == ()
    assert "kim-yo-jong" in authority and "nobody-we-know" not in authority
    assert [e.id for e in authority.children("foreign-ministry-external-policy-office")] == [
        "foreign-ministry-external-policy-office-chief"]


def test_every_id_in_the_authority_list_is_a_url_slug(authority):
    for entry in authority.entries:
        assert issuers._ID_RE.match(entry.id) and "--" not in entry.id, entry.id


def test_a_missing_authority_file_is_an_empty_list(tmp_path):
    missing = issuers.load_authority(tmp_path / "issuers.yaml")
    assert missing.entries == () and not missing.present


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("organizations:\n  - id: a\n    name: [unclosed\n", 4, "invalid YAML"),
    ("organizations:\n  - id: a\n    name: A\n  - id: a\n    name: B\n", 4,
     "already used at line 2"),
    ("organizations:\n  - id: a\n    name: A\n    alias: [B]\n", 4, "unknown key 'alias'"),
    ("organizations:\n  - id: Not A Slug\n    name: A\n", 2, "not usable in a URL"),
    ("organizations:\n  - id: a\n", 2, "has no name"),
    ("organizations:\n  - id: a\n    name: Foreign Ministry\n  - id: b\n    name: DPRK Foreign "
     "Ministry\n", 4, "already names 'a' at line 2"),
    ("organizations:\n  - id: a\n    name: &n A\n  - id: b\n    name: *n\n", 3,
     "anchors and aliases"),
    ("organizations:\n  - id: a\n    name: A\n    issuers:\n      - id: b\n        name: B\n"
     "        person: maybe\n", 7, "person must be true or false"),
])
def test_a_malformed_authority_list_is_refused_naming_file_line_and_fault(text, line, reason):
    with pytest.raises(AuthorityError) as caught:
        parse_authority(text, "content/issuers.yaml")
    assert caught.value.where.startswith(f"content/issuers.yaml:{line}")
    assert reason in str(caught.value)


def test_check_stops_with_the_authority_files_line_when_it_is_malformed(make_site):
    config = make_site({"content/issuers.yaml": "organizations:\n  - id: x\n    nme: X\n"})
    result = subprocess.run([sys.executable, "-m", "generator", "check"], cwd=config.root,
                            capture_output=True, text=True)
    assert result.returncode == 1  # a problem `check` found (the other commands cannot run: 2)
    assert "content/issuers.yaml:3" in result.stderr and "unknown key 'nme'" in result.stderr


# --- the pipeline ------------------------------------------------------------------------


def _site_with_list(make_site, authority_text: str | None = None, **files: str):
    config = make_site(files, seeds=True)
    target = config.root / "content" / "issuers.yaml"
    if authority_text is None:
        shutil.copy(AUTHORITY_FILE, target)
    else:
        target.write_text(authority_text, encoding="utf-8")
    return config


def test_the_seeds_get_their_issuers_from_headline_and_opening(make_site):
    config = _site_with_list(make_site)
    pipeline.import_sources(config, Report())
    written = {s.id[:10]: s.issuer for s in store.load_statements(config.content_dir, Report())}
    assert written == {
        "2022-09-22": Issuer(
            issuer="Vice Director General of the General Bureau of Equipment of the Ministry of "
                   "National Defence",
            issuer_id="general-bureau-of-equipment-vice-director-general",
            organization="Ministry of National Defence",
            organization_id="ministry-of-national-defence",
            kind="press-statement"),
        "2022-11-08": Issuer(
            issuer="Vice Director for Military Foreign Affairs of the Ministry of National Defence",
            issuer_id="ministry-of-national-defence-vice-director-military-foreign-affairs",
            organization="Ministry of National Defence",
            organization_id="ministry-of-national-defence",
            kind="press-statement"),
    }


HAND_WRITTEN = """\
---
id: 2024-10-11-crucial-statement
title: Crucial Statement of DPRK Foreign Ministry
date: 2024-10-11
---

Pyongyang, October 11 (KCNA) -- The Foreign Ministry of the Democratic People's Republic of \
Korea on Friday issued the following crucial statement:

The trigger will be pulled.
"""


def test_a_hand_written_file_without_issuer_gets_it_extracted_in_memory_only(make_site):
    config = _site_with_list(make_site)
    path = config.content_dir / "2024" / "10" / "hand.md"
    path.parent.mkdir(parents=True)
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    archive = pipeline.load_archive(config, Report())
    (statement,) = [s for s in archive.statements if s.id == "2024-10-11-crucial-statement"]
    assert statement.issuer == Issuer("Foreign Ministry", "foreign-ministry", "Foreign Ministry",
                                      "foreign-ministry", "statement")
    assert path.read_text(encoding="utf-8") == HAND_WRITTEN


def test_an_issuer_edited_by_hand_in_a_markdown_file_wins_over_extraction(make_site):
    config = _site_with_list(make_site)
    pipeline.import_sources(config, Report())
    (path,) = config.content_dir.rglob("2022-11-08-*.md")
    text = path.read_text(encoding="utf-8")
    start, end = text.index("\nkind:") + 1, text.index("\ncaptures:") + 1
    path.write_text(text[:start] + "kind: statement\nissuer: Kim Yo Jong\n" + text[end:],
                    encoding="utf-8")

    pipeline.import_sources(config, Report())  # an import keeps the edited file
    archive = pipeline.load_archive(config, Report())

    (statement,) = [s for s in archive.statements if s.date.year == 2022 and s.date.month == 11]
    assert statement.issuer == Issuer("Kim Yo Jong", "kim-yo-jong",
                                      "Central Committee of the Workers' Party of Korea",
                                      "wpk-central-committee", "statement")
    assert "issuer: Kim Yo Jong\n" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("written", "expected"), [
    (Issuer(issuer_id="kim-yo-jong"),
     Issuer("Kim Yo Jong", "kim-yo-jong", "Central Committee of the Workers' Party of Korea",
            "wpk-central-committee", "statement")),
    (Issuer(issuer="Spokesman for Ministry of Railways"),
     Issuer("Spokesman for Ministry of Railways", "spokesperson-for-ministry-of-railways",
            "Ministry of Railways", "ministry-of-railways", "statement")),
    (Issuer(kind="report"),
     Issuer("Foreign Ministry", "foreign-ministry", "Foreign Ministry", "foreign-ministry",
            "report")),
])
def test_fields_missing_from_front_matter_are_filled_and_written_ones_kept(
    written, expected, authority
):
    opening = issuers.opening_of_markdown(HAND_WRITTEN.split("---\n")[2])
    assert issuers.complete(written, "Crucial Statement of DPRK Foreign Ministry", opening,
                            authority) == expected


def test_the_opening_of_a_markdown_body_is_read_as_plain_text():
    body = "\\- Pyongyang, May 1 (KCNA) -- A \\*spokesman\\* said\nit.\n\nSecond paragraph."
    assert issuers.opening_of_markdown(body) == "- Pyongyang, May 1 (KCNA) -- A *spokesman* said it."


MND_ONLY = """\
organizations:
  - id: kcna
    name: KCNA
  - id: ministry-of-national-defence
    name: Ministry of National Defence
"""


def test_check_lists_each_unlisted_issuer_once_with_its_count(make_site):
    config = _site_with_list(make_site, MND_ONLY, **{
        "content/statements/2024/10/hand.md": HAND_WRITTEN,
        "content/statements/2024/10/hand-2.md": HAND_WRITTEN.replace(
            "2024-10-11-crucial-statement", "2024-10-11-crucial-statement-again"),
    })
    pipeline.import_sources(config, Report())
    report = Report()
    archive = pipeline.load_archive(config, report)

    warnings = sorted(p.reason for p in report.warnings)
    assert len(warnings) == 3, warnings
    assert all(p.path == "content/issuers.yaml" or p.path.endswith("content/issuers.yaml")
               for p in report.warnings)
    assert "issuer 'Foreign Ministry' is not in the authority list: 2 statements use id " \
           "'foreign-ministry'" in warnings[0]
    assert all("add it to" in p.hint and "issuers.yaml" in p.hint for p in report.warnings)
    seeds = {s.issuer.organization_id for s in archive.statements if s.date.year == 2022}
    assert seeds == {"ministry-of-national-defence"}


def test_check_exits_with_status_one_when_an_issuer_is_unlisted(make_site):
    config = _site_with_list(make_site, MND_ONLY)
    assert subprocess.run([sys.executable, "-m", "generator", "import"], cwd=config.root,
                          capture_output=True).returncode == 0
    result = subprocess.run([sys.executable, "-m", "generator", "check"], cwd=config.root,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.count("is not in the authority list") == 2


def test_check_is_quiet_about_issuers_when_every_one_is_listed(make_site):
    config = _site_with_list(make_site)
    pipeline.import_sources(config, Report())
    report = Report()
    pipeline.load_archive(config, report)
    assert report.problems == []


# --- measured, not guessed ---------------------------------------------------------------


def test_grouping_on_the_labelled_sample_meets_the_target(authority):
    bench = _benchmark()
    sample = bench.load_sample(SAMPLE)
    assert len(sample) >= 150
    rows = bench.evaluate(sample, authority)
    for level in ("organisation", "issuer"):
        (scores,) = [v for k, v in rows.items() if k.startswith(f"{level}, all")]
        assert scores.precision >= 0.98 and scores.recall >= 0.98, (level, scores)


def test_the_labelled_sample_covers_every_title_shape_of_the_issue():
    headlines = [item["headline"] for item in _benchmark().load_sample(SAMPLE)]
    shapes = ("Press Statement of ", "Press Statement by ", " Issues Press Statement",
              "Statement of ", " Releases Statement", " Gives Answers", "Report of ",
              ": KCNA Commentary", ": Spokesman for ")
    for shape in shapes:
        assert any(shape in h for h in headlines), shape


def test_pairwise_scores_count_pairs_of_statements():
    bench = _benchmark()
    scores = bench.pairwise(["a", "a", "b", "b"], ["x", "x", "x", "y"])
    assert (scores.labelled_pairs, scores.grouped_pairs) == (2, 3)
    assert (scores.precision, scores.recall) == (1 / 3, 1 / 2)


# --- hostile input -----------------------------------------------------------------------


@pytest.mark.parametrize("title", [
    "Press Statement of " + "a " * 500_000,
    "Spokesman for " * 70_000 + "Makes Public",
    "x's " * 250_000 + "Article",
    "White Paper of " + "Institute of Enemy on " * 45_000,
    "x: " * 330_000 + "Spokesman for X",
    "Report of KPA " + "KPA " * 250_000,
])
def test_a_hostile_megabyte_headline_is_read_in_linear_time(title, authority):
    start = time.perf_counter()
    attribute(title, "Pyongyang, May 1 (KCNA) -- " + title, authority)
    assert time.perf_counter() - start < 2.0


# --- the real dump -----------------------------------------------------------------------


@pytest.mark.corpus
def test_every_issuer_in_the_real_dump_is_in_the_authority_list(corpus_json, make_site):
    config = make_site({"content/sources/kcna.json": corpus_json.read_bytes()})
    shutil.copy(AUTHORITY_FILE, config.root / "content" / "issuers.yaml")
    pipeline.import_sources(config, Report())
    report = Report()
    archive = pipeline.load_archive(config, report)
    assert not [p for p in report.warnings if "authority list" in p.reason]
    kinds = {s.issuer.kind for s in archive.statements}
    assert kinds == set(issuers.KINDS)
