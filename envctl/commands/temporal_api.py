"""A Temporal client for an environment, from outside the cluster: through a port-forward to
its ClusterIP-only temporal-server, or straight to an address (an external Temporal, a test)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from temporalio.client import Client
from temporalio.service import RPCError

from app.temporal_address import TEMPORAL_FRONTEND_PORT, TEMPORAL_SERVICE_NAME
from app.temporal_client import DATA_CONVERTER
from envctl.cluster.kubectl import Kubectl, KubectlError
from envctl.cluster.port_forward import port_forward
from envctl.commands.tools import CommandFailed
from envctl.model.environment import Environment

CONNECT_SECONDS = 15
API_KEY_ENV = "ENVCTL_TEMPORAL_API_KEY"  # an external Temporal (Cloud) needs one


async def connect(address: str, namespace: str = "default") -> Client:
    api_key = os.environ.get(API_KEY_ENV)
    try:
        return await Client.connect(
            address,
            namespace=namespace,
            data_converter=DATA_CONVERTER,
            tls=bool(api_key),
            api_key=api_key or None,
            connect_timeout=timedelta(seconds=CONNECT_SECONDS),
        )
    except (RuntimeError, RPCError) as error:
        raise CommandFailed(f"cannot reach Temporal at {address}: {error}") from None


@contextmanager
def temporal_address(env: Environment, kubectl: Kubectl, address: str | None) -> Iterator[str]:
    """`address` if given; an external Temporal's own address; else a port-forward."""
    if address is not None:
        yield address
        return
    if env.temporal_mode == "external":
        yield env.temporal_address.address
        return
    try:
        with port_forward(
            kubectl, env.namespace, TEMPORAL_SERVICE_NAME, TEMPORAL_FRONTEND_PORT
        ) as forwarded:
            yield forwarded
    except KubectlError as error:
        raise CommandFailed(
            f"cannot port-forward to {TEMPORAL_SERVICE_NAME} in {env.namespace}: {error}; "
            "or pass --address"
        ) from None
