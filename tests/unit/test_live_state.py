"""Reads from the watches' indices: the newer of watched and just-applied, and the API for unwatched kinds."""

import asyncio
from typing import Any

import pytest

from odh_operator import live_state
from odh_operator.diff import key_of
from odh_operator.live_state import INDEX_PREFIX, WatchedState, index_entries
from tests.unit.fake_kube import FakeKube

Object = dict[str, Any]


def config_map(version: str, value: str) -> Object:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "ns", "resourceVersion": version,
                         "labels": {"opendatahub.io/owner": "ns.odh"}},
            "data": {"k": value}}


def state_with(watched: list[Object], kube: FakeKube) -> WatchedState:
    index: dict[Any, list[Object]] = {}
    for obj in watched:
        for entry, value in index_entries(obj).items():
            index.setdefault(entry, []).append(value)
    return WatchedState(asyncio.new_event_loop(), {f"{INDEX_PREFIX}ConfigMap": index}, kube)  # type: ignore[arg-type]


def on_loop(state: WatchedState, read: Any) -> Any:
    async def call() -> Any:
        return read()

    return state.loop.run_until_complete(call())


def read(state: WatchedState, desired: Object) -> Object | None:
    found: Object | None = on_loop(state, lambda: state.get(desired))
    return found


def test_the_newer_of_watched_and_just_applied_wins() -> None:
    state = state_with([config_map("5", "watched")], FakeKube())
    assert read(state, config_map("0", ""))["data"]["k"] == "watched"  # type: ignore[index]
    state.remember(config_map("7", "applied"))
    assert read(state, config_map("0", ""))["data"]["k"] == "applied"  # type: ignore[index]
    state.remember(config_map("3", "older"))
    assert read(state, config_map("0", ""))["data"]["k"] == "watched"  # type: ignore[index]
    owned = on_loop(state, lambda: state.owned({"metadata": {"namespace": "ns", "name": "odh"}}))
    assert [o["metadata"]["name"] for o in owned] == ["c"]


def test_an_object_no_watch_delivers_is_read_from_the_api(monkeypatch: pytest.MonkeyPatch) -> None:
    kube = FakeKube()
    live = kube.apply(config_map("0", "in the cluster"))
    state = state_with([], kube)
    state.remember(live)
    assert read(state, live)["data"]["k"] == "in the cluster"  # type: ignore[index]
    kube.objects[key_of(live)]["data"]["k"] = "changed since"
    assert read(state, live)["data"]["k"] == "in the cluster", "within the grace period the applied copy holds"
    monkeypatch.setattr(live_state, "UNWATCHED_AFTER", 0.0)
    assert read(state, live)["data"]["k"] == "changed since"
    assert kube.writes == [("apply", "ConfigMap/ns/c")], "reads only"
