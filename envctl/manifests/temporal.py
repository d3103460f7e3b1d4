"""Temporal for every environment kind.

- Previews (both kinds): one pod with exactly three containers, python-worker, temporal-server
  (the app image's `temporal server start-dev`, SQLite on a pod volume) and temporal-ui.
- Production, postgres mode: temporalio/server on its own database, an admin-tools Job that
  sets up or updates the schema first, one that registers the app's namespace once the server
  answers, and temporal-ui.
- Production, external mode: nothing here; the app talks to the configured address.

temporal-server's Service is ClusterIP and no Ingress routes to it; only the UI is public.
"""

from __future__ import annotations

from envctl.manifests.base import Manifest
from envctl.manifests.temporal_preview import preview_temporal_objects
from envctl.manifests.temporal_production import production_server_objects, production_ui_objects
from envctl.model.environment import Environment


def temporal_objects(env: Environment) -> list[Manifest]:
    if env.temporal_mode == "dev":
        return preview_temporal_objects(env)
    if env.temporal_mode == "postgres":
        return production_server_objects(env) + production_ui_objects(env)
    return []  # external: the cluster (and its UI) live elsewhere
