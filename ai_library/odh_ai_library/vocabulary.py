"""Store a fitted TF-IDF vectorizer as plain files (terms as JSON, IDF as numpy), not as a pickle."""

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer


def save(vectorizer: TfidfVectorizer, folder: Path, name: str = "vocabulary") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    with gzip.GzipFile(folder / f"{name}.json.gz", "wb", mtime=0) as out:  # same bytes for the same model
        out.write(json.dumps(terms, ensure_ascii=False).encode())
    np.save(folder / f"{name}.idf.npy", vectorizer.idf_.astype(np.float32), allow_pickle=False)


def load(folder: Path, name: str = "vocabulary", **options: Any) -> TfidfVectorizer:
    """The vectorizer saved in ``folder``; ``options`` must be those it was fitted with."""
    with gzip.open(folder / f"{name}.json.gz", "rt", encoding="utf-8") as source:
        terms: list[str] = json.load(source)
    vectorizer = TfidfVectorizer(vocabulary={t: i for i, t in enumerate(terms)}, **options)
    vectorizer.idf_ = np.load(folder / f"{name}.idf.npy", allow_pickle=False).astype(np.float64)
    return vectorizer
