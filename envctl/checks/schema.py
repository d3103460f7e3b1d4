"""Schema validation, offline: kubernetes-validate's bundled schemas for built-in kinds, and a
vendored strict schema for the one custom resource envctl renders (DopplerSecret).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from envctl.manifests.base import Manifest

SUPPORTED_KUBERNETES_VERSIONS = ("1.30", "1.31", "1.32", "1.33", "1.34")
CUSTOM_SCHEMAS = {
    ("secrets.doppler.com/v1alpha1", "DopplerSecret"): "dopplersecret-secrets-v1alpha1.json",
}


class SchemaToolError(Exception):
    """kubernetes-validate is a dev dependency; `uv sync` installs it."""


@cache
def _custom_validator(file_name: str) -> Any:
    import jsonschema  # installed with kubernetes-validate

    text = (
        resources.files("envctl.checks").joinpath("schemas", file_name).read_text(encoding="utf-8")
    )
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _read_schemas_once(utils: Any) -> None:
    """kubernetes-validate parses its 1.5 MB definitions file again for every object; the
    bundled files never change, so parse each once (six times faster over a render)."""
    if not hasattr(utils.schema_contents, "cache_info"):
        utils.schema_contents = cache(utils.schema_contents)


def _describe(item: Manifest) -> str:
    return f"{item['kind']}/{item['metadata']['name']}"


def schema_problems(objects: list[Manifest], version: str) -> list[str]:
    """Every object against the strict schema of Kubernetes `version`; unknown kinds fail."""
    try:
        import kubernetes_validate
        from kubernetes_validate import utils
        from kubernetes_validate.utils import SchemaNotFoundError, ValidationError
    except ImportError:
        raise SchemaToolError(
            "kubernetes-validate is not installed: run `uv sync` (it is a dev dependency)"
        ) from None
    _read_schemas_once(utils)
    problems = []
    for item in objects:
        custom = CUSTOM_SCHEMAS.get((item["apiVersion"], item["kind"]))
        if custom is not None:
            for error in _custom_validator(custom).iter_errors(item):
                path = ".".join(str(part) for part in error.absolute_path)
                problems.append(f"{_describe(item)}: {path}: {error.message}")
            continue
        try:
            kubernetes_validate.validate(item, version, strict=True)
        except ValidationError as error:
            path = ".".join(str(part) for part in error.path)
            problems.append(f"{_describe(item)}: {path}: {error.message}")
        except SchemaNotFoundError:
            problems.append(f"{_describe(item)}: no schema for {item['apiVersion']} in {version}")
    return problems
