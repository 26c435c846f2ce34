"""Make this folder's GitBugs subset from a checkout of https://github.com/av9ash/gitbugs (CC BY 4.0).

    python ai_library/data/gitbugs/subset.py PATH_TO_GITBUGS_CHECKOUT

Per project (Hadoop, SeaMonkey: the two with full report text): the duplicate pairs whose two reports are both
in the project's file, every report of those pairs, and other reports drawn by a fixed seed up to ``SIZE``
in all; titles kept whole, descriptions cut to ``MAX_DESCRIPTION`` characters. Written as
``<project>_reports.jsonl.gz`` (``id``, ``title``, ``description``) and ``<project>_duplicates.csv``.
"""

import csv
import gzip
import json
import random
import sys
from pathlib import Path

PROJECTS = {"hadoop": ("hadoop/hadoop_bugs.csv", "hadoop/hadoop_bugs-combined.csv"),
            "seamonkey": ("seamonkey/SeaMonkey_bugs.csv", "seamonkey/SeaMonkey_bugs-combined.csv")}
SIZE = 1200  # reports per project at most
MAX_DESCRIPTION = 2000
SEED = 26


def subset(checkout: Path, reports_path: str, pairs_path: str) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
    with open(checkout / reports_path, newline="", encoding="utf-8") as source:
        reports = {row["Issue id"]: row for row in csv.DictReader(source)}
    with open(checkout / pairs_path, newline="", encoding="utf-8") as source:
        pairs = [(row["Issue id"], row["Duplicate id"]) for row in csv.DictReader(source)]
    pairs = [(a, b) for a, b in pairs if a in reports and b in reports and a != b]
    paired = sorted({i for pair in pairs for i in pair}, key=int)
    others = sorted(set(reports) - set(paired), key=int)
    chosen = paired + random.Random(SEED).sample(others, max(0, min(len(others), SIZE - len(paired))))
    rows = [{"id": i, "title": reports[i]["Summary"].strip(), "description": (reports[i]["Description"] or "")[:MAX_DESCRIPTION]}
            for i in sorted(chosen, key=int)]
    return rows, pairs


def main(checkout: Path, out: Path) -> None:
    for project, (reports_path, pairs_path) in PROJECTS.items():
        rows, pairs = subset(checkout, reports_path, pairs_path)
        with gzip.GzipFile(out / f"{project}_reports.jsonl.gz", "wb", mtime=0) as target:
            target.write("".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in rows).encode())
        with open(out / f"{project}_duplicates.csv", "w", newline="", encoding="utf-8") as target:
            writer = csv.writer(target, lineterminator="\n")
            writer.writerow(["Issue id", "Duplicate id"])
            writer.writerows(pairs)
        print(project, len(rows), "reports,", len(pairs), "pairs")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(__file__).resolve().parent)
