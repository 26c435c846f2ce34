"""The operator starts kopf again when a watched kind vanished, and only then."""

from typing import Any

import kopf
import pytest

from odh_operator import operator


class Gone(Exception):
    status = 404


class Forbidden(Exception):
    status = 403


def runs(monkeypatch: pytest.MonkeyPatch, *outcomes: BaseException | None) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    pending = list(outcomes)

    def fake_run(**kwargs: Any) -> None:
        calls.append(kwargs)
        outcome = pending.pop(0)
        if outcome is not None:
            raise outcome

    monkeypatch.setattr(kopf, "run", fake_run)
    return calls


def test_a_vanished_kind_starts_the_watches_again_with_the_same_priority(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = runs(monkeypatch, Gone("404 page not found"), None)
    operator.run(namespaces=[], all_namespaces=True, health_port=0, standalone=True)
    assert len(calls) == 2 and calls[0]["priority"] == calls[1]["priority"]
    assert calls[0]["memo"] is not calls[1]["memo"]  # a fresh start: new indices and wake-ups


def test_any_other_failure_stops_the_operator(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = runs(monkeypatch, Forbidden("no"))
    with pytest.raises(Forbidden):
        operator.run(namespaces=[], all_namespaces=True, health_port=0, standalone=True)
    assert len(calls) == 1
