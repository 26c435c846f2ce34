"""The evaluation report: every model's figures (``evaluate_all``) and the README's tables made from them
(``markdown``), so that the README shows exactly what ``odh-ai-library evaluate`` computes."""

from pathlib import Path
from typing import Any

MODELS = ("sentiment-analysis", "flake-analysis", "duplicate-bug-detection")
BEGIN = "<!-- odh-ai-library evaluate --markdown: begin -->"
END = "<!-- odh-ai-library evaluate --markdown: end -->"
PROJECT_NAMES = {"hadoop": "Hadoop", "seamonkey": "SeaMonkey"}


def evaluate_all(data: Path, models: Path, chosen: tuple[str, ...] = MODELS) -> dict[str, Any]:
    """Reference vs served for each chosen model, from the stored model files (no training)."""
    from odh_ai_library.evaluation import duplicates, flakes, gitbugs, sentiment

    run = {"sentiment-analysis": lambda: sentiment.evaluate(data, models),
           "flake-analysis": lambda: flakes.evaluate(models),
           "duplicate-bug-detection": lambda: {**duplicates.evaluate(models), "gitbugs": gitbugs.evaluate(data)}}
    return {model: run[model]() for model in chosen}


def _value(figure: dict[str, Any], signed: bool = False) -> str:
    low, high = figure["ci95"]
    number = "{:+.3f}" if signed else "{:.3f}"
    return f"{number.format(figure['value'])} [{number.format(low)}, {number.format(high)}]"


def _difference(figure: dict[str, Any]) -> str:
    verdict = figure["verdict"]
    return f"{_value(figure, signed=True)} {verdict if verdict == 'tie' else f'**{verdict}**'}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(r) + " |" for r in rows)]


def _comparison_rows(label: str, figures: dict[str, Any], metrics: list[str], reference: str, served: str) -> list[list[str]]:
    return [[f"{label}: {reference}", *(_value(figures[m]["reference"]) for m in metrics)],
            [f"{label}: {served}", *(_value(figures[m]["served"]) for m in metrics)],
            [f"{label}: served - reference", *(_difference(figures[m]["difference"]) for m in metrics)]]


def sentiment_table(result: dict[str, Any]) -> list[str]:
    domains = [d for d in result if isinstance(result[d], dict)]
    return _table(
        [f"sentiment, class-weighted F1 ({result['held_out_sentences']:,} held-out sentences)", *domains],
        [["VADER, paper (Hutto & Gilbert 2014, all data)", *(f"{result[d]['paper_vader_f1']:.2f}" for d in domains)],
         ["VADER 3.3.2, all data", *(_value(result[d]["vader_f1_all_data"]) for d in domains)],
         ["VADER 3.3.2, held-out fifth", *(_value(result[d]["f1"]["reference"]) for d in domains)],
         ["served, held-out fifth", *(_value(result[d]["f1"]["served"]) for d in domains)],
         ["served - VADER, held-out fifth (paired)", *(_difference(result[d]["f1"]["difference"]) for d in domains)],
         ["held-out sentences", *(f"{result[d]['held_out_sentences']:,}" for d in domains)]])


def flake_table(result: dict[str, Any]) -> list[str]:
    metrics = ["precision", "recall", "roc_auc", "brier"]
    rows: list[list[str]] = []
    for name in ("seen", "unseen"):
        figures = result[name]
        label = f"{name} ({figures['logs']} logs)"
        rows += _comparison_rows(label, figures, metrics, "reference (NCD + DBSCAN)", "served (TF-IDF + calibrated LR)")
        rows.append([f"{label}: served, nearest known failure of the same kind", _value(
            figures["served_nearest_failure_same_kind"]), "", "", ""])
    header = [f"flake analysis ({result['known_logs']} known logs)", "precision", "recall", "ROC AUC",
              "Brier (lower is better)"]
    return _table(header, rows)


def duplicate_table(result: dict[str, Any]) -> list[str]:
    metrics = ["recall@1", "recall@5", "recall@10"]
    rows: list[list[str]] = []
    for name in ("seen", "unseen"):
        rows += _comparison_rows(f"{name} ({result[name]['duplicates']} duplicates)", result[name], metrics,
                                 "reference (LDA)", "served (BM25)")
    for project, figures in result["gitbugs"].items():
        label = f"GitBugs {PROJECT_NAMES[project]} ({figures['reports']:,} real reports, {figures['queries']} duplicate reports)"
        rows += _comparison_rows(label, figures, metrics, "reference (LDA)", "served (BM25)")
    return _table([f"duplicate bugs ({result['known_reports']:,} generated known reports)", "Recall@1", "Recall@5",
                   "Recall@10"], rows)


def markdown(results: dict[str, Any]) -> str:
    """The README's evaluation tables: value [95% interval]; differences signed so that + means served better."""
    parts = {"sentiment-analysis": sentiment_table, "flake-analysis": flake_table,
             "duplicate-bug-detection": duplicate_table}
    return "\n\n".join("\n".join(parts[model](result)) for model, result in results.items()) + "\n"


def replace_block(text: str, tables: str) -> str:
    """``text`` with what stands between the BEGIN and END markers replaced by ``tables``."""
    if BEGIN + "\n" not in text or END not in text:
        raise ValueError(f"no {BEGIN} ... {END} block")
    head, rest = text.split(BEGIN + "\n", 1)
    return f"{head}{BEGIN}\n{tables}{END}{rest.split(END, 1)[1]}"


def block(text: str) -> str:
    """What stands between the markers."""
    return text.split(BEGIN + "\n", 1)[1].split(END, 1)[0]
