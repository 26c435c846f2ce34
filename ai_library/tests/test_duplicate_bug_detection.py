"""duplicate-bug-detection: known reports find themselves; Recall@k on an unseen slice; disjoint settings."""

import random
import re
from collections import Counter

from odh_ai_library.duplicate_bug_detection import Bm25Index
from odh_ai_library.evaluation import bug_reports


def test_known_corpus_is_ten_thousand_reports(bugs: Bm25Index) -> None:
    assert len(bugs.reports) == 10_000
    assert len({r["id"] for r in bugs.reports}) == 10_000


def test_a_known_report_ranks_first_for_itself(bugs: Bm25Index) -> None:
    for report in bugs.reports[:: 2000]:
        (first, score), *_ = bugs.search(report["title"], report["description"], 3)
        assert bugs.reports[first]["id"] == report["id"] and score > 0


def test_scores_are_ordered_and_k_is_honoured(bugs: Bm25Index) -> None:
    found = bugs.search("Dashboard crashes when exporting a huge table", "", 7)
    assert len(found) == 7
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    assert bugs.search("the and of", "", 5) == []  # stop words only: nothing to match


def test_unseen_slice_meets_the_full_evaluation(bugs: Bm25Index) -> None:
    """The full evaluation (500 unseen duplicates) measured Recall@1 0.96, @10 1.00; a 150-report slice."""
    _, queries = bug_reports.corpus(10_000, 150, bug_reports.HELD_OUT)
    position = {r["id"]: i for i, r in enumerate(bugs.reports)}
    ranked = [[i for i, _ in bugs.search(q["title"], q["description"], 10)] for q in queries]
    targets = [position[q["duplicate_of"]] for q in queries]
    recall_1 = sum(r[:1] == [t] for r, t in zip(ranked, targets)) / len(targets)
    recall_10 = sum(t in r for r, t in zip(ranked, targets)) / len(targets)
    assert recall_1 >= 0.9 and recall_10 >= 0.97, (recall_1, recall_10)


def test_unseen_duplicates_share_no_template_with_the_known_reports() -> None:
    known, unseen = bug_reports.KNOWN, bug_reports.HELD_OUT
    assert not set(known.titles) & set(unseen.titles)
    assert not set(known.sentences) & set(unseen.sentences)
    assert not set(known.fillers) & set(unseen.fillers)
    assert bug_reports.SEEN == bug_reports.Settings(**{**vars(known), "seed": bug_reports.SEEN.seed})
    assert len({known.seed, unseen.seed, bug_reports.SEEN.seed}) == 3


def test_no_report_carries_a_string_that_identifies_its_bug(bugs: Bm25Index) -> None:
    """No per-bug id (error code, file and line, version) that would make the search trivial: every word of the
    known reports is in at least 20 of them."""
    words = [set(re.findall(r"\w+", f"{r['title']} {r['description']}".lower())) for r in bugs.reports]
    frequency = Counter(w for ws in words for w in ws)
    assert min(frequency.values()) >= 20, [w for w, n in frequency.items() if n < 20][:10]


def test_known_bugs_are_distinct() -> None:
    bugs = bug_reports._bugs(random.Random(0), 5_000)
    assert len({(b["component"], b["symptom"], b["action"], b["object"]) for b in bugs}) == 5_000
