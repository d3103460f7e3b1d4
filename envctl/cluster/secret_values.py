"""The two Secrets deploy fills with values, built in memory and applied on kubectl's stdin.

- `app-database`: the rendered, value-less Secret plus `DATABASE_URL` for the environment's
  own role. envctl is its only field manager, so a later apply without a value would remove it.
  Values go in `data` (base64), not `stringData`: the API server folds stringData into data,
  which server-side apply does not track well (kubernetes/kubernetes#118519).
- the Doppler token Secret (`[doppler] token_secret`), from `ENVCTL_DOPPLER_TOKEN`, which the
  Doppler operator reads to fill `app-secrets`.
- the token Secret of the Temporal Doppler config (`<token_secret>-temporal`), from
  `ENVCTL_DOPPLER_TEMPORAL_TOKEN`, only where a DopplerSecret reads it (`temporal-db`,
  `temporal-ui-auth`): a service token reads one config, and the app's must not read these.

Both carry the environment's labels, so prune sees them as applied and never deletes them.
Pods read `DATABASE_URL` at start, so a checksum of it on their template rolls them when it
changes (a rotated password) and leaves them alone when it does not.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from collections.abc import Mapping

from envctl.cluster.kubectl import Kubectl
from envctl.manifests.base import Manifest, metadata
from envctl.manifests.secrets import DATABASE_SECRET, temporal_token_secret
from envctl.manifests.workloads import containers_of
from envctl.model.environment import LABEL_PREFIX, Environment
from envctl.model.inputs import InputError

DOPPLER_TOKEN_ENV = "ENVCTL_DOPPLER_TOKEN"  # noqa: S105  (a variable's name)
DOPPLER_TEMPORAL_TOKEN_ENV = "ENVCTL_DOPPLER_TEMPORAL_TOKEN"  # noqa: S105  (a variable's name)
REGISTRY_USER_ENV = "ENVCTL_REGISTRY_USER"
REGISTRY_TOKEN_ENV = "ENVCTL_REGISTRY_TOKEN"  # noqa: S105  (a variable's name)
DOPPLER_TOKEN_KEY = "serviceToken"  # noqa: S105  (the key the Doppler operator reads)
DATABASE_URL_KEY = "DATABASE_URL"
CHECKSUM_ANNOTATION = LABEL_PREFIX + "database-url-sha256"


def doppler_token(environ: Mapping[str, str], env: Environment) -> str | None:
    """The Doppler service token (doppler mode only); its value is never shown."""
    if env.config.secrets_mode != "doppler":
        return None
    secret = {
        "preview": "DOPPLER_TOKEN_PREVIEW",
        "permanent-preview": "DOPPLER_TOKEN_PERMANENT_PREVIEW",
        "production": "DOPPLER_TOKEN_PRODUCTION",
    }[env.kind.value]
    return _secret_env(
        environ,
        DOPPLER_TOKEN_ENV,
        f"a Doppler service token for config '{env.settings.doppler_config}' (the {secret} "
        "GitHub secret), because secrets_mode is 'doppler'",
    )


def _secret_env(environ: Mapping[str, str], name: str, expected: str) -> str:
    """The variable's value: set, without whitespace; the error never shows it."""
    value = environ.get(name, "").strip()
    if not value or any(ch.isspace() for ch in value):
        raise InputError(
            name, expected, None if not value else "(a value with whitespace; not shown)"
        )
    return value


def temporal_doppler_token(
    environ: Mapping[str, str], env: Environment, objects: list[Manifest]
) -> str | None:
    """The Temporal config's service token, when a rendered DopplerSecret needs it."""
    needed = any(
        item["kind"] == "DopplerSecret"
        and item["spec"]["tokenSecret"]["name"] == temporal_token_secret(env)
        for item in objects
    )
    if not needed:
        return None
    return _secret_env(
        environ,
        DOPPLER_TEMPORAL_TOKEN_ENV,
        f"a Doppler service token for config '{env.settings.temporal_doppler_config}' "
        "(Temporal's own secrets: its database password, the UI's OIDC client secret)",
    )


def registry_credentials(environ: Mapping[str, str], env: Environment) -> tuple[str, str] | None:
    """(user, token) for `[registry] pull_secret`; None when the package is public."""
    if not env.config.registry.pull_secret:
        return None
    expected = (
        f"a registry login for {env.config.registry.server} (read-only token), because "
        f"[registry] pull_secret is '{env.config.registry.pull_secret}'"
    )
    user = _secret_env(environ, REGISTRY_USER_ENV, expected)
    return user, _secret_env(environ, REGISTRY_TOKEN_ENV, expected)


def pull_secret(env: Environment, user: str, token: str) -> Manifest:
    server = env.config.registry.server
    auth = _b64(f"{user}:{token}")
    document = json.dumps({"auths": {server: {"auth": auth}}}, sort_keys=True)
    return _filled_secret(
        env,
        env.config.registry.pull_secret,
        REGISTRY_TOKEN_ENV,
        "kubernetes.io/dockerconfigjson",
        {".dockerconfigjson": document},
    )


def _filled_secret(
    env: Environment, name: str, source: str, secret_type: str, values: dict[str, str]
) -> Manifest:
    """A Secret holding `values`, annotated with the variable they come from."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(env, name, annotations={LABEL_PREFIX + "values-from": source}),
        "type": secret_type,
        "data": {key: _b64(value) for key, value in values.items()},
    }


def _b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode("ascii")


def database_url_checksum(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def read_database_url(kubectl: Kubectl, env: Environment) -> str | None:
    """DATABASE_URL as stored in the namespace's `app-database` Secret, if any."""
    secret = kubectl.get("Secret", DATABASE_SECRET, env.namespace)
    encoded = (secret or {}).get("data", {}).get(DATABASE_URL_KEY)
    return base64.b64decode(encoded).decode() if encoded else None


def doppler_token_secret(
    env: Environment, token: str, name: str | None = None, source: str = DOPPLER_TOKEN_ENV
) -> Manifest:
    name = name or env.config.doppler.token_secret
    return _filled_secret(env, name, source, "Opaque", {DOPPLER_TOKEN_KEY: token})


def with_secret_values(
    env: Environment,
    objects: list[Manifest],
    *,
    database_url: str | None,
    token: str | None,
    temporal_token: str | None = None,
    registry_credentials: tuple[str, str] | None = None,
) -> list[Manifest]:
    """The rendered objects, with the values filled in; the rendered list is not modified."""
    filled: list[Manifest] = []
    for item in objects:
        item = copy.deepcopy(item)
        kind, name = item["kind"], item["metadata"]["name"]
        if database_url is not None and kind == "Secret" and name == DATABASE_SECRET:
            item["data"] = {DATABASE_URL_KEY: _b64(database_url)}
        if database_url is not None and kind == "Deployment":
            template = item["spec"]["template"]
            if any(DATABASE_SECRET in c.env_from_secrets for c in containers_of(template["spec"])):
                annotations = template["metadata"].setdefault("annotations", {})
                annotations[CHECKSUM_ANNOTATION] = database_url_checksum(database_url)
        filled.append(item)
        if token is not None and kind == "Secret" and name == DATABASE_SECRET:
            filled.append(doppler_token_secret(env, token))
        if registry_credentials is not None and kind == "Secret" and name == DATABASE_SECRET:
            filled.append(pull_secret(env, *registry_credentials))
        if temporal_token is not None and kind == "Secret" and name == DATABASE_SECRET:
            filled.append(
                doppler_token_secret(
                    env, temporal_token, temporal_token_secret(env), DOPPLER_TEMPORAL_TOKEN_ENV
                )
            )
    return filled
