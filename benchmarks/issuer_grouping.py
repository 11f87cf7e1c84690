"""How well the issuer extractor groups statements, against a hand-labelled sample.

    .venv/bin/python benchmarks/issuer_grouping.py

reads ``tests/fixtures/issuers/labelled.yaml`` (real statements of the KCNA dump,
each labelled by hand with its organisation and issuer), runs
``generator.model.issuers.attribute`` on each headline and first sentence, and prints
pairwise precision and recall:

- a pair of statements is *labelled together* when the labels give both the same
  organisation (or issuer), and *grouped together* when the extractor does;
- precision = pairs grouped together that are labelled together / pairs grouped together;
- recall = pairs grouped together that are labelled together / pairs labelled together.

Ids need not match between the labels and the authority list: only the
grouping is compared. Rows are given with the authority list
(``content/issuers.yaml``) and with an empty one (normalisation alone), over
all statements and over those not issued by KCNA (news items, issued by the
agency, form one big group that would otherwise dominate the pairs).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.model.issuers import Authority, attribute, load_authority

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "fixtures" / "issuers" / "labelled.yaml"
AUTHORITY = ROOT / "content" / "issuers.yaml"


@dataclass(frozen=True, slots=True)
class Scores:
    """Pairwise agreement of a grouping with the labels."""

    precision: float
    recall: float
    labelled_pairs: int
    grouped_pairs: int


def _pairs(counts: Counter[Any]) -> int:
    return sum(n * (n - 1) // 2 for n in counts.values())


def pairwise(labels: Sequence[str], predicted: Sequence[str]) -> Scores:
    """Pairwise precision and recall of ``predicted`` groups against ``labels`` (same order)."""
    both = _pairs(Counter(zip(labels, predicted, strict=True)))
    labelled, grouped = _pairs(Counter(labels)), _pairs(Counter(predicted))
    return Scores(
        precision=both / grouped if grouped else 1.0,
        recall=both / labelled if labelled else 1.0,
        labelled_pairs=labelled,
        grouped_pairs=grouped,
    )


def load_sample(path: Path = SAMPLE) -> list[dict[str, str]]:
    """The labelled statements: headline, date_str, first_sentence, kind, organization, issuer."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def evaluate(sample: Sequence[dict[str, str]], authority: Authority) -> dict[str, Scores | float]:
    """Scores over all statements and over those not issued by KCNA, plus kind accuracy."""
    found = [attribute(item["headline"], item["first_sentence"], authority) for item in sample]
    rows: dict[str, Scores | float] = {}
    for subset, keep in (("all", lambda item: True),
                         ("not KCNA", lambda item: item["organization"] != "kcna")):
        chosen = [(item, issuer) for item, issuer in zip(sample, found, strict=True) if keep(item)]
        for level, field in (("organisation", "organization_id"), ("issuer", "issuer_id")):
            rows[f"{level}, {subset} ({len(chosen)})"] = pairwise(
                [item[field.removesuffix("_id")] for item, _ in chosen],
                [getattr(issuer, field) or "" for _, issuer in chosen],
            )
    rows["kind accuracy"] = sum(
        item["kind"] == issuer.kind for item, issuer in zip(sample, found, strict=True)
    ) / len(sample)
    return rows


def table(title: str, rows: dict[str, Scores | float]) -> str:
    lines = [title, f"  {'grouping':32} {'precision':>9} {'recall':>7} {'pairs':>7} {'grouped':>8}"]
    for name, value in rows.items():
        if isinstance(value, Scores):
            lines.append(f"  {name:32} {value.precision:9.4f} {value.recall:7.4f} "
                         f"{value.labelled_pairs:7d} {value.grouped_pairs:8d}")
        else:
            lines.append(f"  {name:32} {value:9.4f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sample", type=Path, default=SAMPLE, help="the labelled sample")
    parser.add_argument("--authority", type=Path, default=AUTHORITY, help="the authority list")
    args = parser.parse_args(argv)
    sample = load_sample(args.sample)
    print(f"{len(sample)} labelled statements ({args.sample.name})\n")
    print(table(f"with the authority list ({args.authority.name})",
                evaluate(sample, load_authority(args.authority))))
    print()
    print(table("with an empty authority list (normalisation only)", evaluate(sample, Authority())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
