"""sentiment-analysis: text -> label (positive, neutral, negative) and a score in [-1, 1].

VADER alone is the reference: strong on social media text (its lexicon was built for it), weak on reviews
and editorials. The served model keeps VADER where it is strong and learns where it is weak:

- a logistic regression over TF-IDF word uni- and bigrams plus VADER's four scores (negative, neutral,
  positive, compound), trained on VADER's human-rated sentences; its score is ``2 * P(positive) - 1``;
- a second logistic regression over the same words recognises social-media text (trained to tell the tweets
  from the other sets); for text it judges social (P >= ``social_threshold``, chosen by cross-validation)
  the score is a third regression's, over the same features but trained on social-media text only (where
  VADER's scores carry most of the weight).

Like VADER's compound, |score| < 0.05 is neutral.
"""

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from scipy import sparse
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from odh_ai_library import vocabulary
from odh_ai_library.serving import Field, Fields, LibraryModel, Output

NEUTRAL_BAND = 0.05  # VADER's published threshold on the compound score
_VADER = SentimentIntensityAnalyzer()


def label_of(score: float) -> str:
    """positive, neutral or negative, by VADER's thresholds."""
    return "positive" if score >= NEUTRAL_BAND else "negative" if score <= -NEUTRAL_BAND else "neutral"


def vader_scores(texts: list[str]) -> np.ndarray:
    """VADER's (neg, neu, pos, compound) per text."""
    scores = (_VADER.polarity_scores(t) for t in texts)
    return np.array([[s["neg"], s["neu"], s["pos"], s["compound"]] for s in scores], dtype=np.float64)


VECTORIZER_OPTIONS: dict[str, Any] = {"ngram_range": (1, 2), "min_df": 2, "sublinear_tf": True}


class Sentiment:
    """The trained model: vocabulary, IDF weights, the logistic layer and the weight of VADER's scores."""

    def __init__(self, vectorizer: TfidfVectorizer, coef: np.ndarray, intercept: float, vader_scale: float,
                 social: tuple[np.ndarray, float] | None = None, social_threshold: float = 0.5,
                 expert: tuple[np.ndarray, float] | None = None) -> None:
        self.vectorizer, self.coef, self.intercept, self.vader_scale = vectorizer, coef, intercept, vader_scale
        self.social = social  # the social-text detector's weights over the TF-IDF terms, and its intercept
        self.social_threshold = social_threshold
        self.expert = expert  # the social-media regression's weights over the features, and its intercept

    def features(self, texts: list[str]) -> sparse.csr_matrix:
        return featurize(self.vectorizer, texts, self.vader_scale)

    def scores(self, texts: list[str]) -> np.ndarray:
        """Scores in [-1, 1]."""
        terms, vader = self.vectorizer.transform(texts), vader_scores(texts)
        return gated(self.regression_scores(terms, vader), self.social_scores(terms, vader),
                     self.social_probability(terms), self.social_threshold)

    def regression_scores(self, terms: sparse.csr_matrix, vader: np.ndarray) -> np.ndarray:
        """2 * P(positive) - 1 of the logistic regression."""
        return self._scores(terms, vader, self.coef, self.intercept)

    def social_scores(self, terms: sparse.csr_matrix, vader: np.ndarray) -> np.ndarray:
        """The social-media regression's scores (VADER's compound without one)."""
        return vader[:, 3] if self.expert is None else self._scores(terms, vader, *self.expert)

    def _scores(self, terms: sparse.csr_matrix, vader: np.ndarray, coef: np.ndarray, intercept: float) -> np.ndarray:
        logits = sparse.hstack([terms, sparse.csr_matrix(vader * self.vader_scale)]).tocsr() @ coef
        return np.asarray(2.0 / (1.0 + np.exp(-(logits + intercept))) - 1.0)

    def social_probability(self, terms: sparse.csr_matrix) -> np.ndarray:
        """P(social-media text) by the detector (0 without one)."""
        if self.social is None:
            return np.zeros(terms.shape[0])
        return np.asarray(1.0 / (1.0 + np.exp(-(terms @ self.social[0] + self.social[1]))))

    @classmethod
    def fit(cls, texts: list[str], positive: np.ndarray, c: float, vader_scale: float) -> "Sentiment":
        vectorizer = TfidfVectorizer(**VECTORIZER_OPTIONS).fit(texts)
        regression = LogisticRegression(C=c, max_iter=3000).fit(featurize(vectorizer, texts, vader_scale), positive)
        return cls(vectorizer, regression.coef_[0].astype(np.float64), float(regression.intercept_[0]), vader_scale)

    def save(self, folder: Path) -> None:
        vocabulary.save(self.vectorizer, folder)
        np.savez_compressed(folder / "weights.npz", coef=self.coef.astype(np.float32), intercept=np.array([self.intercept]),
                            vader_scale=np.array([self.vader_scale]),
                            social_coef=(self.social[0] if self.social else np.zeros(0)).astype(np.float32),
                            social_intercept=np.array([self.social[1] if self.social else 0.0]),
                            social_threshold=np.array([self.social_threshold]),
                            expert_coef=(self.expert[0] if self.expert else np.zeros(0)).astype(np.float32),
                            expert_intercept=np.array([self.expert[1] if self.expert else 0.0]))

    @classmethod
    def load(cls, folder: Path) -> "Sentiment":
        weights = np.load(folder / "weights.npz", allow_pickle=False)
        vectorizer = vocabulary.load(folder, **VECTORIZER_OPTIONS)
        social, expert = weights["social_coef"].astype(np.float64), weights["expert_coef"].astype(np.float64)
        return cls(vectorizer, weights["coef"].astype(np.float64), float(weights["intercept"][0]),
                   float(weights["vader_scale"][0]),
                   (social, float(weights["social_intercept"][0])) if len(social) else None,
                   float(weights["social_threshold"][0]),
                   (expert, float(weights["expert_intercept"][0])) if len(expert) else None)

    def fit_expert(self, texts: list[str], positive: np.ndarray, c: float) -> None:
        """Train the social-media regression on these (social-media) texts, over the model's features."""
        regression = LogisticRegression(C=c, max_iter=3000).fit(self.features(texts), positive)
        self.expert = (regression.coef_[0].astype(np.float64), float(regression.intercept_[0]))

    def fit_social(self, texts: list[str], social: np.ndarray) -> None:
        """Train the social-text detector on these texts (True: social media)."""
        detector = LogisticRegression(C=4.0, max_iter=3000).fit(self.vectorizer.transform(texts), social)
        self.social = (detector.coef_[0].astype(np.float64), float(detector.intercept_[0]))


def gated(regression: np.ndarray, social_scores: np.ndarray, social: np.ndarray, threshold: float) -> np.ndarray:
    """The social-media scores for social-media text (P >= threshold), the general regression's elsewhere."""
    return np.where(social >= threshold, social_scores, regression)


def featurize(vectorizer: TfidfVectorizer, texts: list[str], vader_scale: float) -> sparse.csr_matrix:
    """TF-IDF terms, then VADER's four scores times ``vader_scale``."""
    return sparse.hstack([vectorizer.transform(texts), sparse.csr_matrix(vader_scores(texts) * vader_scale)]).tocsr()


class SentimentAnalysis(LibraryModel):
    """MLServer runtime: ``text`` -> ``label``, ``score``."""

    artifact = "sentiment-analysis"
    required_file = "weights.npz"
    schema: ClassVar[dict[str, Field]] = {"text": Field(str, max_chars=20_000)}
    answer_fields: ClassVar[dict[str, Output]] = {"label": Output("BYTES"), "score": Output("FP64")}
    text_field = "text"

    def open(self, folder: Path) -> None:
        self.model = Sentiment.load(folder)

    def answer(self, fields: Fields) -> Fields:
        score = float(self.model.scores([fields["text"]])[0])
        return {"label": label_of(score), "score": round(score, 6)}
