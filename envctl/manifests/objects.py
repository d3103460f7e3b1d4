"""The Kubernetes objects every part of the stack builds the same way: ServiceAccounts,
Deployments, Services, Ingresses and HorizontalPodAutoscalers."""

from __future__ import annotations

from envctl.manifests.base import Manifest, metadata
from envctl.model.environment import Component, Environment

# One pod more at a time, and none stops before its replacement is ready.
ROLLING_UPDATE: Manifest = {
    "type": "RollingUpdate",
    "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
}


def service_account(env: Environment, name: str, component: Component) -> Manifest:
    """One account per workload, without an API token: nothing here talks to the API server."""
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata(env, name, component=component),
        "automountServiceAccountToken": False,
    }


def deployment(
    env: Environment,
    name: str,
    component: Component,
    template: Manifest,
    *,
    replicas: int | None,
    strategy: Manifest,
    annotations: dict[str, str] | None = None,
) -> Manifest:
    spec: Manifest = {}
    if replicas is not None:  # None: an HPA owns the replica count
        spec["replicas"] = replicas
    spec["revisionHistoryLimit"] = 3
    spec["selector"] = {"matchLabels": env.selector(component)}
    spec["strategy"] = strategy
    spec["template"] = template
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(env, name, component=component, annotations=annotations),
        "spec": spec,
    }


def service(env: Environment, name: str, component: Component, ports: list[Manifest]) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(env, name, component=component),
        "spec": {"type": "ClusterIP", "selector": env.selector(component), "ports": ports},
    }


def service_port(name: str, number: int, target: str) -> Manifest:
    return {"name": name, "port": number, "targetPort": target, "protocol": "TCP"}


def ingress(
    env: Environment,
    name: str,
    component: Component,
    host: str,
    service_name: str,
    *,
    annotations: dict[str, str] | None = None,
) -> Manifest:
    annotations = dict(annotations or {})
    if env.config.tls_issuer:
        annotations["cert-manager.io/cluster-issuer"] = env.config.tls_issuer
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(env, name, component=component, annotations=annotations),
        "spec": {
            "ingressClassName": env.config.ingress_class,
            "tls": [{"hosts": [host], "secretName": f"{name}-tls"}],
            "rules": [
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {
                                    "service": {"name": service_name, "port": {"name": "http"}}
                                },
                            }
                        ]
                    },
                }
            ],
        },
    }


def horizontal_autoscaler(
    env: Environment, name: str, component: Component, minimum: int, maximum: int
) -> Manifest:
    target_percent = env.config.production_scaling.cpu_utilization_percent
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata(env, name, component=component),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": minimum,
            "maxReplicas": maximum,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {
                            "type": "Utilization",
                            "averageUtilization": target_percent,
                        },
                    },
                }
            ],
        },
    }
