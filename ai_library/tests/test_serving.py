"""Request checks shared by the three models, and where model files are looked up."""

from pathlib import Path

import pytest
from mlserver.types import InferenceRequest

from odh_ai_library.serving import (BadInput, Field, Output, check_fields, model_dir, packaged_models_dir, v2_outputs,
                                    v2_requests)

SCHEMA = {"text": Field(str, max_chars=10), "k": Field(int, required=False, low=1, high=5, default=3)}


def v2(*inputs: dict[str, object]) -> InferenceRequest:
    return InferenceRequest.model_validate({"inputs": list(inputs)})


@pytest.mark.parametrize(("raw", "message", "status"), [
    ({"text": ""}, "field 'text' is empty", 400),
    ({"text": "   "}, "field 'text' is empty", 400),
    ({"text": 5}, "field 'text' must be a string, got int", 400),
    ({}, "field 'text' is required", 400),
    ({"text": "x" * 11}, "field 'text' has 11 characters, more than 10", 413),
    ({"text": "ok", "k": "2"}, "field 'k' must be an integer, got str", 400),
    ({"text": "ok", "k": 9}, "field 'k' must be between 1 and 5, got 9", 400),
    ({"text": "ok", "extra": 1}, "unknown field(s) ['extra']", 400),
    (["text"], "expected a JSON object", 400),
])
def test_bad_fields_are_named(raw: object, message: str, status: int) -> None:
    with pytest.raises(BadInput) as error:
        check_fields(SCHEMA, raw)
    assert message in error.value.message and error.value.status_code == status


def test_good_fields_with_defaults() -> None:
    assert check_fields(SCHEMA, {"text": "hi"}) == {"text": "hi", "k": 3}


def test_v2_batches_and_broadcasts() -> None:
    rows = v2_requests(SCHEMA, v2({"name": "text", "datatype": "BYTES", "shape": [2], "data": ["a", "b"]},
                                  {"name": "k", "datatype": "INT32", "shape": [1], "data": [2]}))
    assert rows == [{"text": "a", "k": 2}, {"text": "b", "k": 2}]


@pytest.mark.parametrize(("inputs", "message"), [
    ([{"name": "text", "datatype": "INT32", "shape": [1], "data": [1]}], "input 'text' must have datatype BYTES, got INT32"),
    ([{"name": "nope", "datatype": "BYTES", "shape": [1], "data": ["a"]}], "unknown input 'nope'"),
    ([{"name": "text", "datatype": "BYTES", "shape": [1], "data": [""]}], "field 'text' is empty"),
    ([{"name": "text", "datatype": "BYTES", "shape": [2], "data": ["a", "b"]},
      {"name": "k", "datatype": "INT32", "shape": [3], "data": [1, 2, 3]}], "input 'text' has 2 elements, expected 1 or 3"),
    ([], "no input given"),
])
def test_v2_bad_requests_are_named(inputs: list[dict[str, object]], message: str) -> None:
    with pytest.raises(BadInput) as error:
        v2_requests(SCHEMA, v2(*inputs))
    assert message in error.value.message


def test_v2_outputs_types_and_shapes() -> None:
    declared = {"label": Output("BYTES"), "score": Output("FP64"), "ids": Output("BYTES", (-1, -1))}
    outputs = {o.name: o for o in v2_outputs([{"label": "a", "score": 0.5, "ids": ["x", "y"]},
                                              {"label": "b", "score": -1, "ids": ["z", "w"]}], declared)}
    assert (outputs["label"].datatype, outputs["label"].shape) == ("BYTES", [2])
    assert (outputs["score"].datatype, outputs["score"].shape) == ("FP64", [2])
    assert (outputs["ids"].shape, outputs["ids"].data.root) == ([2, 2], ["x", "y", "z", "w"])


def test_model_files_lookup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings_folder = tmp_path / "settings"
    settings_folder.mkdir()
    (settings_folder / "model-settings.json").write_text("{}")
    # MLServer's default uri (the settings folder, without model files): the packaged files.
    assert model_dir(str(settings_folder), "flake-analysis", "weights.npz") == packaged_models_dir() / "flake-analysis"
    files = tmp_path / "volume" / "flake-analysis"
    files.mkdir(parents=True)
    assert model_dir(str(files), "flake-analysis", "weights.npz") == files  # an explicit folder, even if empty
    monkeypatch.setenv("ODH_AI_LIBRARY_MODELS", str(tmp_path / "volume"))
    assert model_dir(None, "flake-analysis", "weights.npz") == files
    assert (packaged_models_dir() / "flake-analysis" / "weights.npz").is_file()


def test_the_installed_package_is_this_checkout() -> None:
    """The suite imports odh_ai_library as installed (``pip install ./ai_library``, not editable, as the image
    does): a stale install would test old code. Its modules and model files match the checkout's."""
    import odh_ai_library

    installed = Path(odh_ai_library.__file__).parent
    checkout = Path(__file__).resolve().parents[1] / "odh_ai_library"
    if installed == checkout:
        return
    ours = {p.relative_to(checkout): p.read_bytes() for p in checkout.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}
    stale = sorted(str(path) for path, content in ours.items()
                   if not (installed / path).is_file() or (installed / path).read_bytes() != content)
    assert not stale, f"{installed} differs from the checkout in {stale[:10]}: run .venv/bin/pip install ./ai_library"
