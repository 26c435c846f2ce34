"""The GitBugs subset: attributed (CC BY 4.0), reproducible from its source, and read as the evaluation reads it."""

from pathlib import Path

from odh_ai_library.evaluation import gitbugs

DATA = Path(__file__).resolve().parents[1] / "data"
FOLDER = DATA / "gitbugs"


def test_subset_is_attributed_with_its_licence() -> None:
    source = (FOLDER / "SOURCE.md").read_text()
    for fact in ("https://github.com/av9ash/gitbugs", "CC BY 4.0", "Patil", "arXiv:2504.09651", "subset"):
        assert fact in source, fact
    notices = (DATA.parent / "THIRD_PARTY_NOTICES").read_text()
    assert "GitBugs" in notices and "CC BY 4.0" in notices


def test_queries_are_later_reports_whose_targets_are_earlier_ones_in_the_subset() -> None:
    for project, (reports_count, queries_count) in {"hadoop": (1200, 65), "seamonkey": (1076, 46)}.items():
        reports, links = gitbugs.load(FOLDER, project)
        ids = {r["id"] for r in reports}
        assert len(reports) == len(ids) == reports_count and len(links) == queries_count
        assert all(all(r["title"] for r in reports) for _ in [0]) and max(len(r["description"]) for r in reports) <= 2000
        for later, earlier in links.items():
            assert later in ids and earlier <= ids and all(int(e) < int(later) for e in earlier)


def test_a_ranking_leaves_the_query_itself_out() -> None:
    assert gitbugs.ranked_without([4, 7, 1, 9], 7, 2) == [4, 1]
