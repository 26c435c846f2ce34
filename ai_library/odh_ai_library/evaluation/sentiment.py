"""Sentiment: VADER (the reference, with the paper's F1 per domain) vs the served model, on VADER's ground truth.

Data: the four human-rated sets published with VADER (tweets, movie reviews, Amazon product reviews, NYT
editorials; mean rating of 20 raters in [-4, 4]). Classes as in the paper's comparison: the sign of the mean
rating; a method says neutral when |score| < 0.05. F1 is the class-weighted F1 per domain. A fixed fifth of
each domain (by CRC32 of its id) is held out; the model is chosen by 5-fold cross-validation on the rest.
"""

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from odh_ai_library.evaluation.common import held_out
from odh_ai_library.evaluation.intervals import compare, estimate, weighted_f1
from odh_ai_library.sentiment_analysis import NEUTRAL_BAND, Sentiment, gated, vader_scores

DOMAINS = {  # file stem -> (name, F1 the VADER paper reports, Table 4)
    "tweets": ("tweets", 0.96),
    "movieReviewSnippets": ("movie reviews", 0.61),
    "amazonReviewSnippets": ("product reviews", 0.63),
    "nytEditorialSnippets": ("NYT editorials", 0.55),
}
C_GRID, VADER_SCALE_GRID = (1.0, 4.0, 16.0), (3.0, 10.0)  # chosen by 5-fold cross-validation on the training part
THRESHOLDS = (0.1, 0.2, 0.3, 0.5)  # P(social) from which VADER's compound is the score
TOLERANCE = 0.003  # F1 differences below this are the cross-validation's noise, not a loss
EXPERT_C = 1.0  # of the social-media regression (5-fold on the training tweets: C 1 and 4 within 0.001 F1)
SOCIAL = 0  # index of the tweets in DOMAINS: the social-media text the detector learns to recognise


@dataclass
class Corpus:
    texts: list[str]
    rating: np.ndarray  # mean human rating in [-4, 4]
    domain: np.ndarray  # index into DOMAINS
    test: np.ndarray  # bool: held out

    def part(self, mask: np.ndarray) -> "Corpus":
        return Corpus([t for t, m in zip(self.texts, mask) if m], self.rating[mask], self.domain[mask], self.test[mask])


def load(data: Path) -> Corpus:
    texts, rating, domain, test = [], [], [], []
    for index, stem in enumerate(DOMAINS):
        with gzip.open(data / "sentiment" / f"{stem}_GroundTruth.txt.gz", "rt", encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.rstrip("\r\n").split("\t", 2)
                if len(parts) < 3 or not parts[2].strip():
                    continue
                texts.append(parts[2])
                rating.append(float(parts[1]))
                domain.append(index)
                test.append(held_out(f"{stem}:{parts[0]}"))
    return Corpus(texts, np.array(rating), np.array(domain), np.array(test))


def classes(score: np.ndarray, band: float) -> np.ndarray:
    signs = np.sign(score) * (np.abs(score) >= band) if band else np.sign(score)
    return np.asarray(signs, dtype=int)


def f1_per_domain(corpus: Corpus, score: np.ndarray) -> dict[str, float]:
    truth, predicted = classes(corpus.rating, 0.0), classes(score, NEUTRAL_BAND)
    return {
        name: round(float(f1_score(truth[corpus.domain == i], predicted[corpus.domain == i], average="weighted")), 3)
        for i, (name, _) in enumerate(DOMAINS.values()) if (corpus.domain == i).any()
    }


def choose_c_and_vader_scale(training: Corpus, splits: list[tuple[np.ndarray, np.ndarray]], vader: np.ndarray
                              ) -> tuple[tuple[float, float], dict[str, dict[str, float]]]:
    """The general regression's C and VADER's weight with the best mean out-of-fold F1 over the domains."""
    n = len(training.texts)
    figures: dict[tuple[float, float], dict[str, float]] = {}
    for c in C_GRID:
        for scale in VADER_SCALE_GRID:
            out_of_fold = np.zeros(n)
            for fit_index, score_index in splits:
                model = fit(training.part(np.isin(np.arange(n), fit_index)), c, scale)
                terms = model.vectorizer.transform([training.texts[i] for i in score_index])
                out_of_fold[score_index] = model.regression_scores(terms, vader[score_index])
            figures[(c, scale)] = f1_per_domain(training, out_of_fold)
    best = max(figures, key=lambda key: float(np.mean(list(figures[key].values()))))
    return best, {f"C={c}, vader_scale={scale}": f1 for (c, scale), f1 in figures.items()}


def fit(corpus: Corpus, c: float, vader_scale: float) -> Sentiment:
    keep = corpus.rating != 0
    return Sentiment.fit([t for t, k in zip(corpus.texts, keep) if k], corpus.rating[keep] > 0, c, vader_scale)


def train(data: Path, out: Path) -> dict[str, Any]:
    """5-fold cross-validation on the training part (figures per domain), then the model fitted on all of it.

    C and VADER's weight are those with the best mean out-of-fold F1 of the general regression; the social
    threshold is the one with the best mean F1 among those that lose to VADER in no domain.
    """
    corpus = load(data)
    training = corpus.part(~corpus.test)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    strata = training.domain * 3 + classes(training.rating, 0.0) + 1
    social = training.domain == SOCIAL
    n = len(training.texts)
    regression, expert, social_probability = np.zeros(n), np.zeros(n), np.zeros(n)
    vader = vader_scores(training.texts)
    splits = list(folds.split(np.zeros(n), strata))
    (c, scale), grid = choose_c_and_vader_scale(training, splits, vader)
    for fit_index, score_index in splits:
        part = np.isin(np.arange(n), fit_index)
        model = fit_all(training, part, social, c, scale)
        terms = model.vectorizer.transform([training.texts[i] for i in score_index])
        regression[score_index] = model.regression_scores(terms, vader[score_index])
        expert[score_index] = model.social_scores(terms, vader[score_index])
        social_probability[score_index] = model.social_probability(terms)
    reference = f1_per_domain(training, vader[:, 3])
    served = {t: f1_per_domain(training, gated(regression, expert, social_probability, t)) for t in THRESHOLDS}
    fair = [t for t in THRESHOLDS if all(served[t][d] >= reference[d] - TOLERANCE for d in reference)] or list(THRESHOLDS)
    threshold = max(fair, key=lambda t: float(np.mean(list(served[t].values()))))
    model = fit_all(training, np.ones(n, dtype=bool), social, c, scale)
    model.social_threshold = threshold
    model.save(out)
    return {"cross_validation_f1_by_C_and_vader_scale": grid, "chosen_C": c, "chosen_vader_scale": scale,
            "cross_validation_f1": {"vader": reference, "regression_alone": f1_per_domain(training, regression),
                                    **{f"served_social_threshold_{t}": f1 for t, f1 in served.items()}},
            "chosen_social_threshold": threshold}


def fit_all(training: Corpus, part: np.ndarray, social: np.ndarray, c: float, vader_scale: float) -> Sentiment:
    """The general regression, the social-text detector and the social-media regression, on ``part``."""
    model = fit(training.part(part), c, vader_scale)
    model.fit_social([t for t, p in zip(training.texts, part) if p], social[part])
    tweets = part & social & (training.rating != 0)
    model.fit_expert([t for t, k in zip(training.texts, tweets) if k], training.rating[tweets] > 0, EXPERT_C)
    return model


def evaluate(data: Path, models: Path) -> dict[str, Any]:
    """F1 per domain of VADER and of the stored model on the held-out fifth (with bootstrap intervals and the
    paired difference), VADER's on all the data, and the paper's figures."""
    corpus = load(data)
    test = corpus.part(corpus.test)
    model = Sentiment.load(models / "sentiment-analysis")
    truth_all, vader_all = classes(corpus.rating, 0.0), classes(vader_scores(corpus.texts)[:, 3], NEUTRAL_BAND)
    truth, vader = classes(test.rating, 0.0), classes(vader_scores(test.texts)[:, 3], NEUTRAL_BAND)
    served = classes(model.scores(test.texts), NEUTRAL_BAND)
    result: dict[str, Any] = {"held_out_sentences": len(test.texts)}
    for index, (name, paper) in enumerate(DOMAINS.values()):
        everywhere, held = corpus.domain == index, test.domain == index
        result[name] = {
            "paper_vader_f1": paper,
            "vader_f1_all_data": estimate(weighted_f1(truth_all[everywhere], vader_all[everywhere]), int(everywhere.sum())),
            "held_out_sentences": int(held.sum()),
            "f1": compare(weighted_f1(truth[held], vader[held]), weighted_f1(truth[held], served[held]), int(held.sum())),
        }
    return result
