"""Duplicate bug detection: the original method (LDA topics + similarity) vs the served BM25, Recall@1/5/10.

Both search the same 10,000 known reports (``known_reports.jsonl.gz``) for the known duplicate of each
held-out report; the held-out reports are written with generator settings the known ones never used. The
reference fits LDA (scikit-learn, 50 topics) on the known reports and ranks them by the cosine similarity of
their topic mixtures to the new report's.
"""

from pathlib import Path
from typing import Any

import numpy as np
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.feature_extraction.text import CountVectorizer

from odh_ai_library.duplicate_bug_detection import Bm25Index, document, read_reports, write_reports
from odh_ai_library.evaluation import bug_reports
from odh_ai_library.evaluation.common import latency_ms

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
    known, _ = bug_reports.corpus(KNOWN_REPORTS, HELD_OUT_DUPLICATES)
    write_reports(out / "known_reports.jsonl.gz", known)
    return {"known_reports": len(known)}


def recall(ranked: list[list[int]], targets: list[int]) -> dict[str, float]:
    return {f"recall@{k}": round(float(np.mean([t in r[:k] for r, t in zip(ranked, targets)])), 3) for k in CUTOFFS}


def evaluate(models: Path, duplicates: int = HELD_OUT_DUPLICATES) -> dict[str, Any]:
    known = read_reports(models / "duplicate-bug-detection" / "known_reports.jsonl.gz")
    _, queries = bug_reports.corpus(len(known), HELD_OUT_DUPLICATES)
    queries = queries[:duplicates]
    position = {r["id"]: i for i, r in enumerate(known)}
    targets = [position[q["duplicate_of"]] for q in queries]
    served = Bm25Index(known)
    reference = LdaSearch(known)
    k = max(CUTOFFS)
    sample = queries[:100]
    return {
        "known_reports": len(known),
        "held_out_duplicates": len(queries),
        "reference_lda": {**recall([reference.search(q["title"], q["description"], k) for q in queries], targets),
                          **latency_ms(lambda q: reference.search(q["title"], q["description"], k), sample)},
        "served_bm25": {**recall([[i for i, _ in served.search(q["title"], q["description"], k)] for q in queries],
                                 targets),
                        **latency_ms(lambda q: served.search(q["title"], q["description"], k), sample)},
    }
