"""The operator's OperatorHub (OLM) bundle: ClusterServiceVersion, CRDs, bundle metadata."""
