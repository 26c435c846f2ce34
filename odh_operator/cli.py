"""The odh-operator command line: render, crd, install, bundle, image, run."""

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

import yaml

from odh_operator import __version__, platform
from odh_operator.api.crd import crd
from odh_operator.api.resource import InvalidResource, parse
from odh_operator.components import NAMES
from odh_operator.platform import Platform
from odh_operator.render import RenderError, render

EXIT_INVALID = 2


class _NoAliasDumper(yaml.SafeDumper):
    """A YAML dumper that writes repeated values out in full instead of as anchors and aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(objects: list[dict[str, Any]], out: TextIO) -> None:
    """Objects as multi-document YAML, keys in the order they were built, without YAML aliases."""
    yaml.dump_all(objects, out, Dumper=_NoAliasDumper, sort_keys=False, default_flow_style=False)


def _read_document(path: str) -> Any:
    text = sys.stdin.read() if path == "-" else Path(path).read_text()
    documents = [d for d in yaml.safe_load_all(text) if d is not None]
    if len(documents) != 1:
        raise InvalidResource([f"<root>: expected exactly one OpenDataHub document, found {len(documents)}"])
    return documents[0]


def _platform(flag: str | None, asked: str) -> Platform:
    """The platform of an offline render: the flag, else the spec's own choice (Auto, with no cluster to ask,
    renders for Kubernetes)."""
    return platform.effective({"openshift": platform.OPENSHIFT, "kubernetes": platform.KUBERNETES}.get(flag or "", asked),
                              served=())


def _render(args: argparse.Namespace) -> int:
    try:
        odh = parse(_read_document(args.file))
        objects = render(odh, args.component or None, _platform(args.platform, odh.spec.platform))
    except OSError as error:
        print(f"error: {args.file}: {error.strerror or error}", file=sys.stderr)
        return EXIT_INVALID
    except yaml.YAMLError as error:
        print(f"error: {args.file}: not valid YAML: {str(error).splitlines()[0]}", file=sys.stderr)
        return EXIT_INVALID
    except InvalidResource as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_INVALID
    except RenderError as error:
        print(f"error: rendering failed: {error}", file=sys.stderr)
        return 1
    if args.output == "json":
        json.dump(objects, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        dump_yaml(objects, sys.stdout)
    return 0


def _crd(_: argparse.Namespace) -> int:
    dump_yaml([crd()], sys.stdout)
    return 0


def _install(args: argparse.Namespace) -> int:
    from odh_operator.install import install_objects

    dump_yaml(install_objects(namespace=args.namespace, image=args.image), sys.stdout)
    return 0


def _bundle(args: argparse.Namespace) -> int:
    from odh_operator.olm import bundle

    examples = bundle.load_examples(Path(args.examples))
    written = bundle.write(Path(args.output), bundle.files(
        args.version, args.channel or ["alpha"], examples, image=args.image, replaces=args.replaces))
    for path in written:
        print(path)
    return 0


def _image(args: argparse.Namespace) -> int:
    from odh_operator import release

    if args.name == "ai-library" and args.version is None:  # versioned on its own: the image its component runs
        from odh_operator.components.ai_library import COMPONENT

        print(COMPONENT.default_images["server"])
        return 0
    print(release.image(args.name, args.version))
    return 0


def _watched(args: argparse.Namespace) -> list[str]:
    """-n namespaces, else WATCH_NAMESPACE (comma-separated; how OLM passes its target namespaces)."""
    if args.namespace or args.all_namespaces:
        return list(args.namespace)
    return [n.strip() for n in os.environ.get("WATCH_NAMESPACE", "").split(",") if n.strip()]


def _run(args: argparse.Namespace) -> int:
    from odh_operator.operator import run  # imported here: kopf is only needed to run

    run(namespaces=_watched(args), all_namespaces=args.all_namespaces, health_port=args.health_port,
        standalone=args.standalone, health_host=args.health_host, priority=args.priority, verbose=args.verbose,
        metrics_port=args.metrics_port)
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    top = argparse.ArgumentParser(prog="odh-operator", description=__doc__)
    top.add_argument("--version", action="version", version=f"odh-operator {__version__}")
    sub = top.add_subparsers(dest="command", required=True)

    render_cmd = sub.add_parser("render", help="print the objects an OpenDataHub would install")
    render_cmd.add_argument("-f", "--file", required=True, help="an OpenDataHub YAML file, or - for stdin")
    render_cmd.add_argument("-o", "--output", choices=["yaml", "json"], default="yaml")
    render_cmd.add_argument("--component", action="append", choices=NAMES, help="only this component (repeatable)")
    render_cmd.add_argument("--platform", choices=["kubernetes", "openshift"],
                            help="render for this platform (default: the spec's platform; Auto renders for Kubernetes)")
    render_cmd.set_defaults(handler=_render)

    crd_cmd = sub.add_parser("crd", help="print the OpenDataHub CustomResourceDefinition")
    crd_cmd.set_defaults(handler=_crd)

    from odh_operator.install import DEFAULT_IMAGE
    from odh_operator.install_names import DEFAULT_NAMESPACE

    install_cmd = sub.add_parser("install", help="print the operator's install manifests (CRDs, RBAC, Deployment)")
    install_cmd.add_argument("--namespace", default=DEFAULT_NAMESPACE, help="namespace of the operator")
    install_cmd.add_argument("--image", default=DEFAULT_IMAGE, help="operator image")
    install_cmd.set_defaults(handler=_install)

    from odh_operator import release

    bundle_cmd = sub.add_parser("bundle", help="write the OLM bundle (CSV, CRDs, metadata, bundle.Dockerfile)")
    bundle_cmd.add_argument("--version", default=release.release_version(), help="the CSV's version")
    bundle_cmd.add_argument("--channel", action="append", help="OLM channel (repeatable; the first is the default; alpha if none)")
    bundle_cmd.add_argument("--replaces", help="the CSV this version upgrades, e.g. odh-operator.v0.0.9")
    bundle_cmd.add_argument("--image", help="operator image (default: the release image of --version)")
    bundle_cmd.add_argument("--examples", default="examples", help="folder of OpenDataHub examples (alm-examples)")
    bundle_cmd.add_argument("-o", "--output", default="bundle", help="bundle directory to write")
    bundle_cmd.set_defaults(handler=_bundle)

    image_cmd = sub.add_parser("image", help="print the reference of one of the project's release images")
    image_cmd.add_argument("name", choices=sorted(release.REPOSITORIES))
    image_cmd.add_argument("--version", help="release version (default: this package's)")
    image_cmd.set_defaults(handler=_image)

    run_cmd = sub.add_parser("run", help="run the operator against the current kubeconfig or in-cluster config")
    scope = run_cmd.add_mutually_exclusive_group()
    scope.add_argument("-n", "--namespace", action="append", default=[], help="watch this namespace (repeatable)")
    scope.add_argument("-A", "--all-namespaces", action="store_true",
                       help="watch every namespace (the default unless -n or WATCH_NAMESPACE name some)")
    run_cmd.add_argument("--health-port", type=int, default=8080, help="port of /healthz (0 to disable)")
    run_cmd.add_argument("--health-host", default="0.0.0.0", help="address /healthz and /metrics listen on")
    run_cmd.add_argument("--metrics-port", type=int, default=0, help="port of the Prometheus /metrics (0: none)")
    run_cmd.add_argument("--standalone", action="store_true", help="no peering: for a single replica only")
    run_cmd.add_argument("--priority", type=int, help="peering priority: the highest live replica works (default: random)")
    run_cmd.add_argument("-v", "--verbose", action="store_true", help="log every handler and API step")
    run_cmd.set_defaults(handler=_run)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``odh-operator`` console script."""
    args = parser().parse_args(argv)
    code: int = args.handler(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
