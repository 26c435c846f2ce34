"""``odh-ai-library train|evaluate|bench``: fit the models, reprint their evaluation, measure the servers.

- ``train``: fits the three models from ``ai_library/data`` (and the generators) into the package's
  ``models/`` folder, printing the cross-validation figures.
- ``evaluate``: reference method vs served model on the held-out data, from the stored models (no training).
- ``bench``: starts a real MLServer per model from the settings the operator renders and prints request
  latency (p50/p99, one request at a time, server pinned to one CPU) and the server's resident memory.
"""

import argparse
import json
import sys
from pathlib import Path

from odh_ai_library.evaluation.common import SOURCE_DATA
from odh_ai_library.serving import packaged_models_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="odh-ai-library", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["train", "evaluate", "bench"])
    parser.add_argument("--model", action="append", choices=["sentiment-analysis", "flake-analysis",
                                                             "duplicate-bug-detection"], help="default: all")
    parser.add_argument("--data", type=Path, default=SOURCE_DATA, help="the training data (ai_library/data)")
    parser.add_argument("--models", type=Path, default=packaged_models_dir(), help="the trained model files")
    parser.add_argument("--requests", type=int, default=300, help="bench: requests per model")
    args = parser.parse_args(argv)
    chosen = args.model or ["sentiment-analysis", "flake-analysis", "duplicate-bug-detection"]
    if args.command == "bench":
        from odh_ai_library.evaluation import latency

        print(json.dumps(latency.bench(chosen, args.requests), indent=2))
        return 0
    from odh_ai_library.evaluation import duplicates, flakes, sentiment

    for model in chosen:
        if args.command == "train":
            out = args.models / model
            result = {"sentiment-analysis": lambda: sentiment.train(args.data, out),
                      "flake-analysis": lambda: flakes.train(out),
                      "duplicate-bug-detection": lambda: duplicates.train(out)}[model]()
        else:
            result = {"sentiment-analysis": lambda: sentiment.evaluate(args.data, args.models),
                      "flake-analysis": lambda: flakes.evaluate(args.models),
                      "duplicate-bug-detection": lambda: duplicates.evaluate(args.models)}[model]()
        print(json.dumps({model: result}, indent=2), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
