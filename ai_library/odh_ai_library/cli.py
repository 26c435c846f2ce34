"""``odh-ai-library train|evaluate|bench``: fit the models, reprint their evaluation, measure the servers.

- ``train``: fits the three models from ``ai_library/data`` (and the generators) into the package's
  ``models/`` folder, printing the cross-validation figures; only under the versions of ``ai_library/training.lock``
  (``--unlocked`` to override), with which it reproduces the stored files byte for byte.
- ``evaluate``: reference method vs served model on the seen, unseen and real (GitBugs) test sets, from the stored
  models (no training), with bootstrap 95% intervals: JSON, or with ``--markdown`` the README's tables
  (``--write README.md`` puts them between the README's markers).
- ``bench``: starts a real MLServer per model from the settings the operator renders and prints request
  latency (p50/p99, one request at a time, server pinned to one CPU) and the server's resident memory.
"""

import argparse
import json
import sys
from pathlib import Path

from odh_ai_library.evaluation.common import SOURCE_DATA
from odh_ai_library.evaluation.lock import LOCK, mismatches
from odh_ai_library.evaluation.report import MODELS, evaluate_all, markdown, replace_block
from odh_ai_library.serving import packaged_models_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="odh-ai-library", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["train", "evaluate", "bench"])
    parser.add_argument("--model", action="append", choices=MODELS, help="default: all")
    parser.add_argument("--data", type=Path, default=SOURCE_DATA, help="the training data (ai_library/data)")
    parser.add_argument("--models", type=Path, default=packaged_models_dir(), help="the trained model files")
    parser.add_argument("--requests", type=int, default=300, help="bench: requests per model")
    parser.add_argument("--markdown", action="store_true", help="evaluate: print the README's tables")
    parser.add_argument("--write", type=Path, help="evaluate --markdown: replace the tables in this file")
    parser.add_argument("--unlocked", action="store_true", help="train: even with versions other than the lock's")
    args = parser.parse_args(argv)
    chosen = tuple(m for m in MODELS if m in (args.model or MODELS))
    if args.command == "bench":
        from odh_ai_library.evaluation import latency

        print(json.dumps(latency.bench(list(chosen), args.requests), indent=2))
        return 0
    if args.command == "evaluate":
        if args.write and chosen != MODELS:
            parser.error("--write replaces every model's table: evaluate all models")
        results = evaluate_all(args.data, args.models, chosen)
        if not args.markdown:
            print(json.dumps(results, indent=2))
        elif args.write:
            args.write.write_text(replace_block(args.write.read_text(), markdown(results)))
        else:
            print(markdown(results), end="")
        return 0
    differ = mismatches()
    if differ and not args.unlocked:
        print(f"odh-ai-library train: not the locked training stack ({LOCK}): {', '.join(differ)}; "
              "install it (pip install -r ai_library/training.lock) or pass --unlocked", file=sys.stderr)
        return 2
    from odh_ai_library.evaluation import duplicates, flakes, sentiment

    for model in chosen:
        out = args.models / model
        result = {"sentiment-analysis": lambda: sentiment.train(args.data, out),
                  "flake-analysis": lambda: flakes.train(out),
                  "duplicate-bug-detection": lambda: duplicates.train(out)}[model]()
        print(json.dumps({model: result}, indent=2), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
