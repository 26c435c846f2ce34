"""Which watch events wake a reconciler."""

import copy

from odh_operator.diff import key_of
from odh_operator.wakeups import Wakeups

CM = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ns"}, "data": {"a": "1"}}
DEPLOY = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "ns"},
          "spec": {"replicas": 1}}


def tracker() -> Wakeups:
    t = Wakeups()
    t.record(("ns", "odh"), {key_of(CM): CM, key_of(DEPLOY): DEPLOY})
    return t


def test_unchanged_config_does_not_wake() -> None:
    assert tracker().observe("MODIFIED", CM) is None


def test_edit_and_deletion_wake_the_owner() -> None:
    edited = copy.deepcopy(CM)
    edited["data"]["a"] = "2"
    assert tracker().observe("MODIFIED", edited) == (("ns", "odh"), True)
    assert tracker().observe("DELETED", CM) == (("ns", "odh"), True)


def test_workload_status_changes_wake_the_owner() -> None:
    # only readiness needs a fresh look: no render, no apply
    assert tracker().observe("MODIFIED", {**DEPLOY, "status": {"readyReplicas": 1}}) == (("ns", "odh"), False)


def test_untracked_objects_are_ignored_and_forget_stops_tracking() -> None:
    t = tracker()
    other = {**CM, "metadata": {"name": "other", "namespace": "ns"}}
    assert t.observe("DELETED", other) is None
    t.forget(("ns", "odh"))
    assert t.observe("DELETED", CM) is None


def test_two_owners_record_and_forget_independently() -> None:
    t = tracker()
    other_cm = {**CM, "metadata": {"name": "c", "namespace": "other"}}
    t.record(("other", "odh"), {key_of(other_cm): other_cm})
    t.record(("ns", "odh"), {key_of(CM): CM})  # a new pass of the first owner keeps the second's objects
    assert t.observe("DELETED", other_cm) == (("other", "odh"), True)
    assert t.observe("DELETED", DEPLOY) is None  # no longer desired by ("ns", "odh")
    t.forget(("other", "odh"))
    assert t.observe("DELETED", other_cm) is None
    assert t.observe("DELETED", CM) == (("ns", "odh"), True)


def test_a_full_pass_is_asked_once_and_status_kicks_do_not_ask_for_one() -> None:
    t = tracker()
    t.kick(("ns", "odh"), full=False)
    assert t.kick_event(("ns", "odh")).is_set() and not t.take_full(("ns", "odh"))
    t.kick(("ns", "odh"))
    assert t.take_full(("ns", "odh")) and not t.take_full(("ns", "odh"))


def loops(*owners: tuple[str, str]) -> Wakeups:
    t = Wakeups()
    for owner in owners:
        t.kick_event(owner)
    return t


def test_a_changed_node_wakes_every_loop_and_a_namespace_only_its_own() -> None:
    t = loops(("a", "odh"), ("b", "odh"))
    node = {"metadata": {"name": "n1"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    assert t.observe_fact(None, "Node", "n1", node) == []  # the initial listing: each loop reads it anyway
    assert t.observe_fact("MODIFIED", "Node", "n1", copy.deepcopy(node)) == []  # nothing readiness reads changed
    down = copy.deepcopy(node)
    down["status"]["conditions"][0]["status"] = "False"
    everyone = [(("a", "odh"), False), (("b", "odh"), False)]  # a fresh look at readiness each
    assert t.observe_fact("MODIFIED", "Node", "n1", down) == everyone
    assert t.observe_fact("ADDED", "Node", "n2", node) == everyone  # a node joined
    assert t.observe_fact("DELETED", "Node", "n2", node) == everyone
    assert t.observe_fact("DELETED", "Node", "never-seen", node) == []

    labels = {"metadata": {"name": "a", "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}}
    assert t.observe_fact(None, "Namespace", "a", labels) == []
    relabelled = {"metadata": {"name": "a", "labels": {"pod-security.kubernetes.io/enforce": "privileged"}}}
    assert t.observe_fact("MODIFIED", "Namespace", "a", relabelled) == [(("a", "odh"), False)]


def test_a_namespace_that_a_spec_names_wakes_that_loop_for_a_full_pass() -> None:
    """Its consent label decides what the OpenDataHub may write there: only a full pass applies or holds back."""
    t = loops(("a", "odh"), ("b", "odh"))
    t.record(("b", "odh"), {}, frozenset({"jobs"}))
    jobs = {"metadata": {"name": "jobs", "labels": {}}}
    assert t.observe_fact(None, "Namespace", "jobs", jobs) == []
    accepted = {"metadata": {"name": "jobs", "labels": {"opendatahub.io/accepts": "b.odh"}}}
    assert t.observe_fact("MODIFIED", "Namespace", "jobs", accepted) == [(("b", "odh"), True)]
    t.record(("b", "odh"), {})  # its spec no longer names it
    assert t.observe_fact("MODIFIED", "Namespace", "jobs", jobs) == []


def test_node_heartbeats_are_not_a_change() -> None:
    from odh_operator.live_state import ALL, node_entry

    def node(heartbeat: str) -> dict[str, object]:
        return {"metadata": {"name": "n1", "resourceVersion": heartbeat},
                "status": {"conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": heartbeat}]}}

    t = loops(("a", "odh"))
    assert t.observe_fact(None, "Node", "n1", node_entry(node("1"))[ALL]) == []
    assert t.observe_fact("MODIFIED", "Node", "n1", node_entry(node("2"))[ALL]) == []
