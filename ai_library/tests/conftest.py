"""Shared fixtures: the stored models, loaded once."""

from pathlib import Path

import pytest

from odh_ai_library.duplicate_bug_detection import Bm25Index, read_reports
from odh_ai_library.flake_analysis import Flakes
from odh_ai_library.sentiment_analysis import Sentiment
from odh_ai_library.serving import packaged_models_dir

AI_LIBRARY = Path(__file__).resolve().parents[1]
DATA = AI_LIBRARY / "data"


@pytest.fixture(scope="session")
def sentiment() -> Sentiment:
    return Sentiment.load(packaged_models_dir() / "sentiment-analysis")


@pytest.fixture(scope="session")
def flakes() -> Flakes:
    return Flakes.load(packaged_models_dir() / "flake-analysis")


@pytest.fixture(scope="session")
def bugs() -> Bm25Index:
    return Bm25Index(read_reports(packaged_models_dir() / "duplicate-bug-detection" / "known_reports.jsonl.gz"))
