"""The kopf peering object through which operator replicas agree that only one of them is active."""

PEERING_NAME = "odh-operator"
