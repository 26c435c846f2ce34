"""The OpenDataHub resource as a whole, and validation of user input with readable errors."""

from typing import Any, Literal

from pydantic import Field, ValidationError

from odh_operator.api.spec import OpenDataHubSpec
from odh_operator.api.status import OpenDataHubStatus
from odh_operator.api.types import ApiModel

GROUP = "opendatahub.io"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "OpenDataHub"
PLURAL = "opendatahubs"
SINGULAR = "opendatahub"
SHORT_NAMES = ["odh"]


class ObjectMeta(ApiModel):
    """The part of metadata the operator reads; the rest is kept as is."""

    model_config = ApiModel.model_config | {"extra": "allow"}

    name: str = Field(min_length=1, max_length=63, pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    namespace: str = Field(default="default", min_length=1, max_length=63)
    uid: str | None = None
    generation: int | None = None


class OpenDataHub(ApiModel):
    """An OpenDataHub custom resource."""

    api_version: Literal["opendatahub.io/v1alpha1"]
    kind: Literal["OpenDataHub"]
    metadata: ObjectMeta
    spec: OpenDataHubSpec = Field(default=OpenDataHubSpec())
    status: OpenDataHubStatus | None = None


class InvalidResource(ValueError):
    """An OpenDataHub that does not validate; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "<root>"


def problems_of(error: ValidationError, prefix: tuple[int | str, ...] = ()) -> list[str]:
    """One ``field.path: message`` line per pydantic error, with camelCase field names."""
    lines = []
    for item in error.errors():
        loc = prefix + tuple(item["loc"])
        message = "unknown field" if item["type"] == "extra_forbidden" else item["msg"]
        lines.append(f"{_path(loc)}: {message}")
    return lines


def parse(document: Any) -> OpenDataHub:
    """Validate a decoded document as an OpenDataHub, raising ``InvalidResource`` on any problem."""
    if not isinstance(document, dict):
        raise InvalidResource([f"<root>: expected a mapping (an OpenDataHub object), got {type(document).__name__}"])
    try:
        return OpenDataHub.model_validate(document, by_alias=True, by_name=False)
    except ValidationError as error:
        raise InvalidResource(problems_of(error)) from None


def parse_spec(spec: Any) -> OpenDataHubSpec:
    """Validate only a spec (as the operator receives it from the API server)."""
    try:
        return OpenDataHubSpec.model_validate(spec or {}, by_alias=True, by_name=False)
    except ValidationError as error:
        raise InvalidResource(problems_of(error, ("spec",))) from None
