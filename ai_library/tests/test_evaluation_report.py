"""The README's evaluation tables are exactly what ``odh-ai-library evaluate --markdown`` computes now.

The evaluation runs in full (about two minutes: the NCD reference, LDA on 10,000 reports, GitBugs): a change of a
model file, a generator, the data or the README's figures fails this test until the tables are regenerated with
``odh-ai-library evaluate --markdown --write README.md``.
"""

from pathlib import Path
from typing import Any

import pytest

from odh_ai_library.evaluation.intervals import compare, mean_of
from odh_ai_library.evaluation.report import BEGIN, END, block, evaluate_all, markdown, replace_block
from odh_ai_library.serving import packaged_models_dir

DATA = Path(__file__).resolve().parents[1] / "data"
README = DATA.parents[1] / "README.md"


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    return evaluate_all(DATA, packaged_models_dir())


def test_readme_tables_equal_the_evaluation(results: dict[str, Any]) -> None:
    assert block(README.read_text()) == markdown(results)


def test_every_figure_has_an_interval_and_every_comparison_a_verdict(results: dict[str, Any]) -> None:
    comparisons, figures = [], []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "ci95" in node:
                figures.append(node)
            if "difference" in node:
                comparisons.append(node["difference"])
            for child in node.values():
                walk(child)

    walk(results)
    assert all(len(f["ci95"]) == 2 and f["ci95"][0] <= f["ci95"][1] for f in figures)
    assert len(comparisons) == 4 + 2 * 4 + 2 * 3 + 2 * 3  # sentiment domains, flake sets x metrics, duplicates
    assert all(c["verdict"] in ("tie", "served better", "reference better") for c in comparisons)
    for section in ("seen", "unseen"):
        assert section in results["flake-analysis"] and section in results["duplicate-bug-detection"]
    assert set(results["duplicate-bug-detection"]["gitbugs"]) == {"hadoop", "seamonkey"}


def test_a_difference_whose_interval_holds_zero_is_a_tie() -> None:
    import numpy as np

    same = np.array([True, False] * 50)
    verdict = compare(mean_of(same), mean_of(same), 100)["difference"]
    assert verdict == {"value": 0.0, "ci95": [0.0, 0.0], "verdict": "tie"}
    better = compare(mean_of(np.zeros(100, bool)), mean_of(np.ones(100, bool)), 100)["difference"]
    assert better["verdict"] == "served better" and better["ci95"] == [1.0, 1.0]
    worse = compare(mean_of(same), mean_of(np.zeros(100, bool)), 100, higher_is_better=True)["difference"]
    assert worse["verdict"] == "reference better" and worse["ci95"][1] < 0


def test_write_replaces_only_the_marked_block() -> None:
    text = f"before\n{BEGIN}\nold tables\n{END}\nafter\n"
    assert replace_block(text, "new\n") == f"before\n{BEGIN}\nnew\n{END}\nafter\n"
    with pytest.raises(ValueError):
        replace_block("no markers", "new\n")
