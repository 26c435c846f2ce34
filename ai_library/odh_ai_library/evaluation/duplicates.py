"""Duplicate bug detection: the original method (LDA topics + similarity) vs the served BM25, Recall@1/5/10.

Both search the same 10,000 known reports (``known_reports.jsonl.gz``) for the known duplicate of each new
report, in two test sets: ``seen`` (written with the known reports' templates and habits, another seed) and
``unseen`` (templates and habits the known reports never used); each figure with a bootstrap 95% interval and
the paired difference. The reference fits LDA (scikit-learn, 50 topics) on the known reports and ranks them by
the cosine similarity of their topic mixtures to the new report's. Real reports: ``gitbugs``.
"""

from pathlib import Path
from typing import Any

import numpy as np
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.feature_extraction.text import CountVectorizer

from odh_ai_library.duplicate_bug_detection import Bm25Index, document, read_reports, write_reports
from odh_ai_library.evaluation import bug_reports
from odh_ai_library.evaluation.intervals import compare, mean_of

KNOWN_REPORTS = 10_000
HELD_OUT_DUPLICATES = 500
CUTOFFS = (1, 5, 10)


class LdaSearch:
    """The reference: LDA topic mixtures of the known reports, ranked by cosine similarity."""

    def __init__(self, reports: list[dict[str, str]], topics: int = 50) -> None:
        self.vectorizer = CountVectorizer(stop_words="english", min_df=2)
        counts = self.vectorizer.fit_transform([document(r["title"], r["description"]) for r in reports])
        self.lda = LatentDirichletAllocation(topics, learning_method="online", max_iter=10, random_state=0)
        self.known = self._unit(self.lda.fit_transform(counts))

    @staticmethod
    def _unit(matrix: np.ndarray) -> np.ndarray:
        return np.asarray(matrix / np.linalg.norm(matrix, axis=1, keepdims=True))

    def search(self, title: str, description: str, k: int) -> list[int]:
        mixture = self._unit(self.lda.transform(self.vectorizer.transform([document(title, description)])))
        scores = self.known @ mixture[0]
        return [int(i) for i in np.argsort(-scores)[:k]]


def train(out: Path) -> dict[str, Any]:
    """The served model has nothing to fit: store the known reports it indexes."""
    known, _ = bug_reports.corpus(KNOWN_REPORTS, 0)
    write_reports(out / "known_reports.jsonl.gz", known)
    return {"known_reports": len(known)}


def hits(ranked: list[list[int]], targets: list[set[int]], k: int) -> np.ndarray:
    """Per query: is one of its targets among the first k?"""
    return np.array([bool(set(r[:k]) & t) for r, t in zip(ranked, targets)])


def compare_recall(reference: list[list[int]], served: list[list[int]], targets: list[set[int]]) -> dict[str, Any]:
    """Recall@k of both rankings, with intervals and the paired difference, per cut-off."""
    return {f"recall@{k}": compare(mean_of(hits(reference, targets, k)), mean_of(hits(served, targets, k)), len(targets))
            for k in CUTOFFS}


def evaluate(models: Path, duplicates: int = HELD_OUT_DUPLICATES) -> dict[str, Any]:
    known = read_reports(models / "duplicate-bug-detection" / "known_reports.jsonl.gz")
    position = {r["id"]: i for i, r in enumerate(known)}
    served = Bm25Index(known)
    reference = LdaSearch(known)
    k = max(CUTOFFS)
    result: dict[str, Any] = {"known_reports": len(known)}
    for name, settings in (("seen", bug_reports.SEEN), ("unseen", bug_reports.HELD_OUT)):
        queries = bug_reports.corpus(len(known), duplicates, settings)[1]
        targets = [{position[q["duplicate_of"]]} for q in queries]
        result[name] = {
            "duplicates": len(queries),
            **compare_recall([reference.search(q["title"], q["description"], k) for q in queries],
                             [[i for i, _ in served.search(q["title"], q["description"], k)] for q in queries], targets),
        }
    return result
