"""What the deploy tests share: the deploy command line, and reading its recorded calls."""

from __future__ import annotations

import base64

from devstack.deploy_inputs import IMAGE
from devstack.kubectl_faults import Call
from tests.lifecycle.conftest import Lifecycle


def deploy_args(pr: int, *extra: str, image: str = IMAGE) -> list[str]:
    return ["deploy", "preview", "--pr", str(pr), "--image", image, "--skip-smoke", *extra]


def applies(calls: list[Call]) -> list[list[str]]:
    return [call.objects for call in calls if call.argv[0] == "apply"]


def verbs(calls: list[Call]) -> list[str]:
    return [" ".join(call.argv[:2]) for call in calls]


def database_password(lifecycle: Lifecycle, namespace: str) -> str:
    secret = lifecycle.cluster.get("Secret", "app-database", namespace)
    assert secret is not None
    url = base64.b64decode(secret["data"]["DATABASE_URL"]).decode()
    return url.split(":")[2].split("@")[0]
