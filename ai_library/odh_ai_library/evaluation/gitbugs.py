"""Duplicate bug detection on real reports: GitBugs' Hadoop and SeaMonkey subsets (``ai_library/data/gitbugs``).

Per project, the known reports are all of the subset's reports. Each duplicate pair links a later report (the
higher id, filed later in both trackers) to an earlier one; every later report is a query, and its targets are
the earlier reports it is linked to. Both methods rank the other reports (the query itself left out): the
served BM25 and the reference LDA (50 topics, fitted on the project's reports). Recall@1/5/10 with bootstrap
intervals over the queries.
"""

import csv
import gzip
import json
from pathlib import Path
from typing import Any

from odh_ai_library.duplicate_bug_detection import Bm25Index
from odh_ai_library.evaluation.duplicates import CUTOFFS, LdaSearch, compare_recall

PROJECTS = ("hadoop", "seamonkey")


def load(folder: Path, project: str) -> tuple[list[dict[str, str]], dict[str, set[str]]]:
    """The reports, and each query's targets (later report id -> earlier report ids)."""
    with gzip.open(folder / f"{project}_reports.jsonl.gz", "rt", encoding="utf-8") as source:
        reports = [json.loads(line) for line in source if line.strip()]
    targets: dict[str, set[str]] = {}
    with open(folder / f"{project}_duplicates.csv", newline="", encoding="utf-8") as source:
        for row in csv.DictReader(source):
            earlier, later = sorted((row["Issue id"], row["Duplicate id"]), key=int)
            targets.setdefault(later, set()).add(earlier)
    return reports, targets


def ranked_without(order: list[int], query: int, k: int) -> list[int]:
    return [i for i in order if i != query][:k]


def evaluate_project(folder: Path, project: str) -> dict[str, Any]:
    reports, links = load(folder, project)
    position = {r["id"]: i for i, r in enumerate(reports)}
    queries = sorted(links, key=int)
    targets = [{position[t] for t in links[q]} for q in queries]
    served, reference = Bm25Index(reports), LdaSearch(reports)
    k = max(CUTOFFS) + 1  # one more: the query itself is among the known reports
    bm25, lda = [], []
    for q in queries:
        report = reports[position[q]]
        bm25.append(ranked_without([i for i, _ in served.search(report["title"], report["description"], k)], position[q], k - 1))
        lda.append(ranked_without(reference.search(report["title"], report["description"], k), position[q], k - 1))
    return {"reports": len(reports), "queries": len(queries), **compare_recall(lda, bm25, targets)}


def evaluate(data: Path) -> dict[str, Any]:
    return {project: evaluate_project(data / "gitbugs", project) for project in PROJECTS}
