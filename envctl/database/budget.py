"""How many connections an environment's pods can hold at once: its role's CONNECTION LIMIT.

Derived from the workload model: every workload whose containers read the `app-database`
Secret, at its most pods at once (an HPA's maximum plus a rolling update's surge), times what
each pod's processes open (pool size per engine, one engine per gunicorn worker).
"""

from __future__ import annotations

from dataclasses import dataclass

from envctl.manifests.base import Manifest
from envctl.manifests.secrets import DATABASE_SECRET
from envctl.manifests.workloads import Container, workloads
from envctl.model.environment import Environment

# One connection beyond what the pods can open: the deploy's own login check, or a person's psql.
HEADROOM_CONNECTIONS = 1


@dataclass(frozen=True)
class ConnectionBudget:
    """How many connections the environment's pods can hold at once, at most."""

    parts: list[tuple[str, int]]

    @property
    def limit(self) -> int:
        return sum(count for _, count in self.parts) + HEADROOM_CONNECTIONS

    def explain(self) -> str:
        terms = [f"{count} ({what})" for what, count in self.parts]
        terms.append(f"{HEADROOM_CONNECTIONS} (headroom: deploy's check, an operator's psql)")
        return " + ".join(terms) + f" = {self.limit}"


def _connections(container: Container, env: Environment) -> int:
    command = container.spec.get("command", [])
    if command[:3] == ["python", "-m", "app.migrate"]:
        return 1  # alembic upgrades over one connection
    if command[:1] == ["gunicorn"]:
        return env.settings.web_workers * env.settings.db_pool_size  # one engine per worker
    return env.settings.db_pool_size  # one engine per process (python-worker)


def connection_budget(env: Environment, objects: list[Manifest]) -> ConnectionBudget:
    parts = []
    for workload in workloads(objects):
        users = [c for c in workload.containers if DATABASE_SECRET in c.env_from_secrets]
        if not users:
            continue
        # An init container runs before the others: a pod holds the larger of the two.
        per_pod = max(
            [
                sum(_connections(c, env) for c in users if not c.is_init),
                *(_connections(c, env) for c in users if c.is_init),
            ]
        )
        pods = workload.max_pods
        plural = "pod" if pods == 1 else "pods"
        what = f"{workload.name}: {pods} {plural} ({workload.how}) x {per_pod}"
        parts.append((what, pods * per_pod))
    return ConnectionBudget(parts)
