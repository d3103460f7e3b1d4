"""Where secrets come from. envctl never renders a secret value.

- `app-secrets`: the app's settings from Doppler (a DopplerSecret, whose operator writes the
  Secret), or in plain mode a Secret object without values that deploy fills.
- `app-database`: DATABASE_URL for this environment's own database role; deploy creates the
  role and writes the value (envctl/cluster/secret_values.py). Listed last in `envFrom`, so it wins.
- `temporal-db`: only TEMPORAL_DB_PASSWORD, for the production Temporal server and schema job,
  from `temporal_doppler_config`: `app-secrets` copies its whole config, so the password lives
  in another one, and the third-party images never see the app's secrets.
- `temporal-ui-auth`: only TEMPORAL_AUTH_CLIENT_SECRET, the Temporal UI's OIDC client secret,
  from the environment's `temporal_doppler_config` (its own service token), so no app
  container ever receives it.
"""

from __future__ import annotations

from envctl.manifests.base import SKIP_DIGEST, SKIP_SECRET_ENV, Manifest, checkov_skips, metadata
from envctl.manifests.temporal_ui import UI_AUTH_SECRET, UI_CLIENT_SECRET_KEY
from envctl.model.environment import Environment

# Names of Secrets and keys, not values.
APP_SECRET = "app-secrets"  # noqa: S105
DATABASE_SECRET = "app-database"  # noqa: S105
TEMPORAL_DB_SECRET = "temporal-db"  # noqa: S105
TEMPORAL_DB_PASSWORD_KEY = "TEMPORAL_DB_PASSWORD"  # noqa: S105
DOPPLER_API_VERSION = "secrets.doppler.com/v1alpha1"

APP_SECRET_SOURCES = [APP_SECRET, DATABASE_SECRET]


def temporal_token_secret(env: Environment) -> str:
    """The Secret holding the service token of the environment's Temporal Doppler config."""
    return f"{env.config.doppler.token_secret}-temporal"


def _doppler_secret(
    env: Environment, name: str, keys: list[str] | None, *, temporal: bool = False
) -> Manifest:
    doppler = env.config.doppler
    spec: Manifest = {
        "tokenSecret": {"name": temporal_token_secret(env) if temporal else doppler.token_secret},
        "project": doppler.project,
        "config": env.settings.temporal_doppler_config if temporal else env.settings.doppler_config,
        "managedSecret": {"name": name, "namespace": env.namespace, "type": "Opaque"},
        "resyncSeconds": doppler.resync_seconds,
    }
    if keys:
        spec["secrets"] = keys
    return {
        "apiVersion": DOPPLER_API_VERSION,
        "kind": "DopplerSecret",
        "metadata": metadata(env, name),
        "spec": spec,
    }


def _empty_secret(env: Environment, name: str, filled_by: str) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(env, name, annotations={"envctl/values-from": filled_by}),
        "type": "Opaque",
    }


def secret_objects(env: Environment) -> list[Manifest]:
    doppler = env.config.secrets_mode == "doppler"
    objects = [
        _doppler_secret(env, APP_SECRET, None)
        if doppler
        else _empty_secret(env, APP_SECRET, "envctl deploy (plain secrets mode)"),
        _empty_secret(env, DATABASE_SECRET, "envctl deploy: the environment's own database role"),
    ]
    if env.temporal_mode == "postgres":
        objects.append(
            _doppler_secret(env, TEMPORAL_DB_SECRET, [TEMPORAL_DB_PASSWORD_KEY], temporal=True)
            if doppler
            else _empty_secret(env, TEMPORAL_DB_SECRET, "envctl deploy (plain secrets mode)")
        )
    if env.temporal_mode != "external" and env.settings.temporal_ui_oidc is not None:
        objects.append(
            _doppler_secret(env, UI_AUTH_SECRET, [UI_CLIENT_SECRET_KEY], temporal=True)
            if doppler
            else _empty_secret(env, UI_AUTH_SECRET, "envctl deploy (plain secrets mode)")
        )
    return objects


def reload_annotations(env: Environment) -> dict[str, str]:
    """The Doppler operator restarts a Deployment carrying this when its secret changes."""
    return {"secrets.doppler.com/reload": "true"} if env.config.secrets_mode == "doppler" else {}


def app_deployment_annotations(env: Environment) -> dict[str, str]:
    """A Deployment of the app image restarts when its secrets change; checkov learns why its
    image is pinned by tag and its settings come from the environment."""
    return {**reload_annotations(env), **checkov_skips(SKIP_DIGEST, SKIP_SECRET_ENV)}
