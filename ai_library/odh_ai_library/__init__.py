"""The Open Data Hub AI Library: three models, each an MLServer runtime (``mlserver.MLModel``).

- ``odh_ai_library.sentiment_analysis.SentimentAnalysis``
- ``odh_ai_library.flake_analysis.FlakeAnalysis``
- ``odh_ai_library.duplicate_bug_detection.DuplicateBugDetection``
"""

from importlib.resources import files

__version__ = files(__name__).joinpath("VERSION").read_text().strip()
