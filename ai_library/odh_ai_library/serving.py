"""What every AI Library model server shares: request checks, both REST protocols, where model files live.

Each model is an ``mlserver.MLModel`` (``LibraryModel`` below) answering:

- MLServer's V2 inference protocol, ``POST /v2/models/<name>/infer``: one tensor per request field
  (``BYTES`` for text, ``INT64``/``INT32`` for numbers), first dimension the batch;
- the original AI Library clients' Seldon protocol, ``POST /api/v0.1/predictions`` with ``{"strData": "..."}``
  or ``{"jsonData": {...}}``, answered ``{"jsonData": {...}, "meta": {...}}`` (an MLServer custom handler).

Bad input is answered 400 (413 when too large) with a message that names the field; the server keeps serving.
"""

import json
import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, ClassVar

from mlserver import MLModel
from mlserver.errors import MLServerError
from mlserver.handlers import custom_handler
from mlserver.types import InferenceRequest, InferenceResponse, MetadataTensor, Parameters, RequestInput, ResponseOutput
from starlette.requests import Request
from starlette.responses import JSONResponse

MAX_BODY_BYTES = 1024 * 1024  # a Seldon request body
DRAIN_BYTES = 16 * MAX_BODY_BYTES  # read (and drop) at most this much of an oversize body before answering
MAX_BATCH = 256  # requests in one V2 call
SELDON_PATH = "/api/v0.1/predictions"
MODELS_DIR_ENV = "ODH_AI_LIBRARY_MODELS"  # a folder holding <model>/ sub-folders, instead of the packaged files

Fields = dict[str, Any]


class BadInput(MLServerError):  # type: ignore[misc]  # MLServer is untyped: its classes are Any to mypy
    """The request is not what the model takes: 400, naming the problem."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message, status_code)
        self.message = message


@dataclass(frozen=True)
class Field:
    """One request field: text (non-empty, at most ``max_chars``) or an integer in [low, high]."""

    kind: type  # str or int
    required: bool = True
    max_chars: int = 20_000
    low: int = 1
    high: int = 100
    default: Any = None


@dataclass(frozen=True)
class Output:
    """One answer field as a V2 output tensor: its datatype and shape (-1: the batch, or k results)."""

    datatype: str  # BYTES, INT64 or FP64
    shape: tuple[int, ...] = (-1,)


def input_tensors(schema: dict[str, Field]) -> list[MetadataTensor]:
    """The V2 metadata of a model's inputs: one tensor per request field, first dimension the batch (text is
    ``BYTES`` with content type ``str``; an integer field takes any ``INT``/``UINT`` datatype, ``INT64`` named)."""
    return [MetadataTensor(name=name, datatype="BYTES" if field.kind is str else "INT64", shape=[-1],
                           parameters=Parameters(content_type="str") if field.kind is str else None)
            for name, field in schema.items()]


def output_tensors(outputs: dict[str, Output]) -> list[MetadataTensor]:
    return [MetadataTensor(name=name, datatype=out.datatype, shape=list(out.shape),
                           parameters=Parameters(content_type="str") if out.datatype == "BYTES" else None)
            for name, out in outputs.items()]


def check_fields(schema: dict[str, Field], raw: Any) -> Fields:
    """The validated fields of one request, or BadInput naming the first problem."""
    if not isinstance(raw, dict):
        raise BadInput(f"expected a JSON object with fields {sorted(schema)}, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(schema))
    if unknown:
        raise BadInput(f"unknown field(s) {unknown}; this model takes {sorted(schema)}")
    checked: Fields = {}
    for name, field in schema.items():
        value = raw.get(name)
        if value is None:
            if field.required:
                raise BadInput(f"field {name!r} is required")
            checked[name] = field.default
            continue
        if field.kind is str:
            if not isinstance(value, str):
                raise BadInput(f"field {name!r} must be a string, got {type(value).__name__}")
            if field.required and not value.strip():
                raise BadInput(f"field {name!r} is empty")
            if len(value) > field.max_chars:
                raise BadInput(f"field {name!r} has {len(value)} characters, more than {field.max_chars}", 413)
        else:
            if isinstance(value, bool) or not isinstance(value, int):
                raise BadInput(f"field {name!r} must be an integer, got {type(value).__name__}")
            if not field.low <= value <= field.high:
                raise BadInput(f"field {name!r} must be between {field.low} and {field.high}, got {value}")
        checked[name] = value
    return checked


def _tensor_values(tensor: RequestInput, field: Field) -> list[Any]:
    """The elements of one V2 input tensor, checked against the field's type."""
    data = tensor.data.root if hasattr(tensor.data, "root") else tensor.data
    values = list(data) if isinstance(data, (list, tuple)) else [data]
    if field.kind is str:
        if tensor.datatype != "BYTES":
            raise BadInput(f"input {tensor.name!r} must have datatype BYTES, got {tensor.datatype}")
        try:
            return [v.decode("utf-8") if isinstance(v, bytes) else v for v in values]
        except UnicodeDecodeError:
            raise BadInput(f"input {tensor.name!r} is not valid UTF-8") from None
    if not tensor.datatype.startswith(("INT", "UINT")):
        raise BadInput(f"input {tensor.name!r} must have an integer datatype, got {tensor.datatype}")
    return values


def v2_requests(schema: dict[str, Field], payload: InferenceRequest) -> list[Fields]:
    """One field set per batch row of a V2 request (a one-element input applies to every row)."""
    columns: dict[str, list[Any]] = {}
    for tensor in payload.inputs:
        if tensor.name not in schema:
            raise BadInput(f"unknown input {tensor.name!r}; this model takes {sorted(schema)}")
        columns[tensor.name] = _tensor_values(tensor, schema[tensor.name])
    rows = max((len(v) for v in columns.values()), default=0)
    if rows == 0:
        raise BadInput(f"no input given; this model takes {sorted(schema)}")
    if rows > MAX_BATCH:
        raise BadInput(f"batch of {rows} is larger than {MAX_BATCH}", 413)
    for name, values in columns.items():
        if len(values) not in (1, rows):
            raise BadInput(f"input {name!r} has {len(values)} elements, expected 1 or {rows}")
    return [
        check_fields(schema, {name: values[i if len(values) > 1 else 0] for name, values in columns.items()})
        for i in range(rows)
    ]


def v2_outputs(answers: list[Fields], declared: dict[str, Output]) -> list[ResponseOutput]:
    """Answers as V2 output tensors of the declared datatypes: one per key, first dimension the batch; lists add a
    second one."""
    outputs = []
    for key, out in declared.items():
        if len({len(a[key]) if isinstance(a[key], list) else -1 for a in answers}) > 1:
            raise BadInput(f"the requests of one batch must ask for the same number of results ({key})")
        column = [a[key] for a in answers]
        flat = [x for v in column for x in v] if isinstance(column[0], list) else column
        shape = [len(column), len(column[0])] if isinstance(column[0], list) else [len(column)]
        outputs.append(ResponseOutput(name=key, datatype=out.datatype, shape=shape, data=flat))
    return outputs


def seldon_error(message: str, code: int) -> JSONResponse:
    """A Seldon-protocol failure body, as Seldon Core's microservices answer it."""
    return JSONResponse(
        {"status": {"code": code, "info": message, "reason": "MICROSERVICE_BAD_DATA", "status": "FAILURE"}},
        status_code=code,
    )


def packaged_models_dir() -> Path:
    """The trained model files shipped inside the package."""
    return Path(str(files("odh_ai_library").joinpath("models")))


def model_dir(uri: str | None, model: str, required: str) -> Path:
    """Where a model's files are.

    ``parameters.uri`` of its model-settings.json when that names them: an ``s3://bucket/prefix`` (copied to
    ``$ODH_AI_LIBRARY_CACHE/<model>`` at load time, ``required`` among them) or a folder holding ``required``. MLServer sets the uri to the model-settings folder when none is
    given; a folder without the model's files that holds ``model-settings.json`` means "not configured", and
    then the ``ODH_AI_LIBRARY_MODELS`` folder (``<model>/`` inside) or else the files inside the package are used.
    """
    if uri and uri.startswith("s3://"):
        from odh_ai_library.s3 import download  # boto3 is only needed for this source

        return download(uri, Path(os.environ.get("ODH_AI_LIBRARY_CACHE", "/tmp/odh-ai-library")) / model, required)
    if uri and ((Path(uri) / required).exists() or not (Path(uri) / "model-settings.json").exists()):
        return Path(uri)
    root = os.environ.get(MODELS_DIR_ENV)
    return Path(root) / model if root else packaged_models_dir() / model


class LibraryModel(MLModel):  # type: ignore[misc]  # (as BadInput)
    """An AI Library model: subclasses name their files, their request fields and how to answer one request."""

    artifact: ClassVar[str]  # sub-folder of the models directory
    required_file: ClassVar[str]  # a file that must be in it
    schema: ClassVar[dict[str, Field]]
    answer_fields: ClassVar[dict[str, Output]]  # the answer's fields, in order: the V2 output tensors
    text_field: ClassVar[str]  # the field a Seldon ``strData`` string fills

    async def load(self) -> bool:
        uri = self.settings.parameters.uri if self.settings.parameters else None
        folder = model_dir(uri, self.artifact, self.required_file)
        if not (folder / self.required_file).is_file():
            raise FileNotFoundError(f"model files for {self.name} not found: no {self.required_file} in {folder}")
        self.open(folder)
        # The V2 metadata (GET /v2/models/<name>) lists them, so that a client can discover the fields.
        self.inputs, self.outputs = input_tensors(self.schema), output_tensors(self.answer_fields)
        return True

    def open(self, folder: Path) -> None:
        """Load the trained files from ``folder``."""
        raise NotImplementedError

    def answer(self, fields: Fields) -> Fields:
        """The answer to one validated request."""
        raise NotImplementedError

    def from_text(self, text: str) -> Fields:
        """The request fields of a Seldon ``strData`` string."""
        return {self.text_field: text}

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        answers = [self.answer(fields) for fields in v2_requests(self.schema, payload)]
        return InferenceResponse(model_name=self.name, model_version=self.version,
                                 outputs=v2_outputs(answers, self.answer_fields))

    @custom_handler(rest_path=SELDON_PATH, rest_method="POST")  # type: ignore[untyped-decorator]  # (as BadInput)
    async def seldon_predictions(self, request: Request) -> JSONResponse:
        """The Seldon protocol: ``{"strData": "..."}`` or ``{"jsonData": {...}}`` -> ``{"jsonData": {...}}``."""
        body, size = bytearray(), 0
        # Read an oversize body to its end (up to DRAIN_BYTES) before answering, so that the client, still
        # sending, gets the 413 rather than a reset connection; only the first MAX_BODY_BYTES are kept.
        async for chunk in request.stream():
            size += len(chunk)
            if size <= MAX_BODY_BYTES:
                body += chunk
            elif size > DRAIN_BYTES:
                break
        if size > MAX_BODY_BYTES:
            return seldon_error(f"request body of {size}{'+' if size > DRAIN_BYTES else ''} bytes is larger than "
                                f"{MAX_BODY_BYTES}", 413)
        try:
            message = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            return seldon_error(f"request body is not valid JSON: {error}", 400)
        try:
            if not isinstance(message, dict) or not {"strData", "jsonData"} & set(message):
                raise BadInput('expected {"strData": "..."} or {"jsonData": {...}}')
            if "strData" in message:
                if not isinstance(message["strData"], str):
                    raise BadInput(f"strData must be a string, got {type(message['strData']).__name__}")
                raw = self.from_text(message["strData"])
            else:
                raw = message["jsonData"]
            answer = self.answer(check_fields(self.schema, raw))
        except BadInput as error:
            return seldon_error(error.message, error.status_code)
        return JSONResponse({"jsonData": answer, "meta": {"model": self.name}})
