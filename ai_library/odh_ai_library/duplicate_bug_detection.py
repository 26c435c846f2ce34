"""duplicate-bug-detection: a new bug report (title, description) -> the k most likely duplicates, with scores.

The served model ranks the known reports by Okapi BM25 (k1 = 1.2, b = 0.75) over their words, the title
counted twice. The known reports are data (``known_reports.jsonl.gz``, one JSON object per line with ``id``,
``title`` and ``description``) indexed at load time, so a copy in the data lake can replace them.
"""

import gzip
import json
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from odh_ai_library.serving import Field, Fields, LibraryModel, Output

K1, B = 1.2, 0.75
DEFAULT_K = 5


def document(title: str, description: str) -> str:
    """The text indexed for a report: the title weighs twice."""
    return f"{title} {title} {description}"


def read_reports(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8") as source:
        return [json.loads(line) for line in source if line.strip()]


def write_reports(path: Path, reports: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(path, "wb", mtime=0) as raw:
        raw.write("".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in reports).encode())


class Bm25Index:
    """BM25 weights of every (report, term), so that a query's scores are one sparse column sum."""

    def __init__(self, reports: list[dict[str, str]]) -> None:
        self.reports = reports
        self.vectorizer = CountVectorizer(stop_words="english", token_pattern=r"(?u)\b\w+\b")
        counts = self.vectorizer.fit_transform([document(r["title"], r["description"]) for r in reports]).tocsr()
        length = np.asarray(counts.sum(axis=1)).ravel()
        frequency = np.bincount(counts.indices, minlength=counts.shape[1])
        idf = np.log(1.0 + (len(reports) - frequency + 0.5) / (frequency + 0.5))
        norm = K1 * (1.0 - B + B * length / length.mean())
        tf = counts.data.astype(np.float64)
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        weights = idf[counts.indices] * tf * (K1 + 1.0) / (tf + norm[rows])
        self.weights = sparse.csr_matrix((weights, counts.indices, counts.indptr), shape=counts.shape).T.tocsr()

    def search(self, title: str, description: str, k: int) -> list[tuple[int, float]]:
        terms = self.vectorizer.transform([f"{title} {description}"]).indices
        if len(terms) == 0:
            return []
        scores = np.asarray(self.weights[terms].sum(axis=0)).ravel()
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


class DuplicateBugDetection(LibraryModel):
    """MLServer runtime: ``title``, ``description``, ``k`` -> ``ids``, ``titles``, ``scores`` of the k best."""

    artifact = "duplicate-bug-detection"
    required_file = "known_reports.jsonl.gz"
    schema: ClassVar[dict[str, Field]] = {
        "title": Field(str, max_chars=1_000),
        "description": Field(str, required=False, max_chars=50_000, default=""),
        "k": Field(int, required=False, low=1, high=50, default=DEFAULT_K),
    }
    answer_fields: ClassVar[dict[str, Output]] = {  # [batch, k]
        "ids": Output("BYTES", (-1, -1)), "titles": Output("BYTES", (-1, -1)), "scores": Output("FP64", (-1, -1))}
    text_field = "title"

    def open(self, folder: Path) -> None:
        self.index = Bm25Index(read_reports(folder / "known_reports.jsonl.gz"))

    def from_text(self, text: str) -> Fields:
        """strData: the first line is the title, the rest the description."""
        title, _, description = text.strip().partition("\n")
        return {"title": title, "description": description}

    def answer(self, fields: Fields) -> Fields:
        found = self.index.search(fields["title"], fields["description"], fields["k"])
        # A V2 batch needs equal lengths: pad to k with empty ids and zero scores.
        padded = found + [(-1, 0.0)] * (fields["k"] - len(found))
        return {
            "ids": [self.index.reports[i]["id"] if i >= 0 else "" for i, _ in padded],
            "titles": [self.index.reports[i]["title"] if i >= 0 else "" for i, _ in padded],
            "scores": [round(s, 4) for _, s in padded],
        }
