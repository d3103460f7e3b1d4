"""NetworkPolicies: deny everything, then allow exactly what the environment needs.

Every pod selector includes the environment's instance label, and peers without a namespace
selector stay inside this namespace, so no policy here can reach another environment.
"""

from __future__ import annotations

from app.temporal_address import TEMPORAL_FRONTEND_PORT
from envctl.manifests.app import WEB_PORT
from envctl.manifests.base import Manifest, metadata
from envctl.manifests.temporal_ui import UI_PORT
from envctl.model.environment import Component, Environment

DNS_PORT = 53
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
# A Temporal server's own services (history, matching, worker) and membership ring.
TEMPORAL_INTERNAL_PORTS = [(6933, 6939), (7233, 7239)]


def _pods(env: Environment, component: Component) -> Manifest:
    return {"podSelector": {"matchLabels": env.selector(component)}}


def _namespace(name: str) -> Manifest:
    return {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: name}}}


def _cidr(cidr: str) -> Manifest:
    return {"ipBlock": {"cidr": cidr}}


def _internet(env: Environment) -> Manifest:
    return {"ipBlock": {"cidr": "0.0.0.0/0", "except": list(env.config.network.private_cidrs)}}


def _ports(*numbers: int, protocol: str = "TCP") -> list[Manifest]:
    return [{"port": number, "protocol": protocol} for number in numbers]


def _port_ranges(ranges: list[tuple[int, int]]) -> list[Manifest]:
    return [{"port": low, "endPort": high, "protocol": "TCP"} for low, high in ranges]


def _rule(peers: list[Manifest], ports: list[Manifest], direction: str) -> Manifest:
    return {"from" if direction == "ingress" else "to": peers, "ports": ports}


def _policy(
    env: Environment,
    name: str,
    selected: Component | None,
    *,
    ingress: list[Manifest] | None = None,
    egress: list[Manifest] | None = None,
) -> Manifest:
    spec: Manifest = {
        "podSelector": {"matchLabels": env.selector(selected)} if selected else {},
        "policyTypes": [
            kind for kind, rules in (("Ingress", ingress), ("Egress", egress)) if rules is not None
        ],
    }
    # An empty rule list denies all, as an absent one does with its policy type listed; the API
    # server stores it as absent, so sending [] would make every server-side apply a change.
    if ingress:
        spec["ingress"] = ingress
    if egress:
        spec["egress"] = egress
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(env, name),
        "spec": spec,
    }


def _app_egress(env: Environment, temporal: list[Manifest]) -> list[Manifest]:
    """What the app image needs: its database, HTTPS to the internet, and Temporal."""
    settings = env.settings
    return [
        _rule([_cidr(settings.database_cidr)], _ports(settings.database_port), "egress"),
        _rule([_internet(env)], _ports(*env.config.network.https_egress_ports), "egress"),
        *temporal,
    ]


def _temporal_egress(env: Environment, frontend: Component | None) -> list[Manifest]:
    if env.temporal_mode == "external":
        port = int(env.temporal_address.address.rpartition(":")[2])
        return [_rule([_internet(env)], _ports(port), "egress")]
    if frontend is None:
        return []
    return [_rule([_pods(env, frontend)], _ports(TEMPORAL_FRONTEND_PORT), "egress")]


def _allow(
    env: Environment, selected: Component, direction: str, rules: list[Manifest]
) -> Manifest:
    """One workload's `<component>-ingress` or `<component>-egress` policy."""
    return _policy(
        env,
        f"{selected.value}-{direction}",
        selected,
        ingress=rules if direction == "ingress" else None,
        egress=rules if direction == "egress" else None,
    )


def network_policies(env: Environment) -> list[Manifest]:
    network = env.config.network
    ingress_controller = _namespace(network.ingress_controller_namespace)
    dns_peer = {
        **_namespace(network.dns_namespace),
        "podSelector": {"matchLabels": dict(network.dns_pod_labels)},
    }
    dns_ports = _ports(DNS_PORT, protocol="UDP") + _ports(DNS_PORT)
    preview = env.temporal_mode == "dev"
    # Who runs the worker, and which pods serve Temporal's frontend.
    worker_host = Component.TEMPORAL_POD if preview else Component.WORKER
    frontend = {"dev": Component.TEMPORAL_POD, "postgres": Component.TEMPORAL_SERVER}.get(
        env.temporal_mode
    )
    to_frontend = _ports(TEMPORAL_FRONTEND_PORT)
    web_ingress = [
        _rule([ingress_controller], _ports(WEB_PORT), "ingress"),
        # the worker's scheduled health check calls the web Service
        _rule([_pods(env, worker_host)], _ports(WEB_PORT), "ingress"),
    ]
    worker_egress = [
        *_app_egress(env, [] if preview else _temporal_egress(env, frontend)),
        _rule([_pods(env, Component.WEB)], _ports(WEB_PORT), "egress"),
    ]
    policies = [
        _policy(env, "default-deny", None, ingress=[], egress=[]),
        _policy(env, "allow-dns", None, egress=[_rule([dns_peer], dns_ports, "egress")]),
        _allow(env, Component.WEB, "ingress", web_ingress),
        _allow(env, Component.WEB, "egress", _app_egress(env, _temporal_egress(env, frontend))),
        _allow(env, worker_host, "egress", worker_egress),
    ]
    if preview:
        temporal_ingress = [
            _rule([_pods(env, Component.WEB)], to_frontend, "ingress"),
            _rule([ingress_controller], _ports(UI_PORT), "ingress"),
        ]
        policies.append(_allow(env, Component.TEMPORAL_POD, "ingress", temporal_ingress))
    elif env.temporal_mode == "postgres":
        temporal = env.config.production_temporal
        database = _rule([_cidr(temporal.database_cidr)], _ports(temporal.postgres_port), "egress")
        servers = _pods(env, Component.TEMPORAL_SERVER)
        internal = _port_ranges(TEMPORAL_INTERNAL_PORTS)
        clients = [
            _pods(env, c)
            for c in (
                Component.WEB,
                Component.WORKER,
                Component.TEMPORAL_UI,
                Component.TEMPORAL_SCHEMA,
            )
        ]
        server_ingress = [
            _rule(clients, to_frontend, "ingress"),
            _rule([servers], internal, "ingress"),
        ]
        server_egress = [database, _rule([servers], internal, "egress")]
        # the schema Job reaches the database, the namespace Job the frontend
        schema_egress = [database, _rule([servers], to_frontend, "egress")]
        ui_egress = [
            _rule([servers], to_frontend, "egress"),
            # the OIDC provider: discovery, keys and the token exchange
            *(
                [_rule([_internet(env)], _ports(*network.https_egress_ports), "egress")]
                if env.settings.temporal_ui_oidc
                else []
            ),
        ]
        ui_ingress = [_rule([ingress_controller], _ports(UI_PORT), "ingress")]
        policies += [
            _allow(env, Component.TEMPORAL_SERVER, "ingress", server_ingress),
            _allow(env, Component.TEMPORAL_SERVER, "egress", server_egress),
            _allow(env, Component.TEMPORAL_SCHEMA, "egress", schema_egress),
            _allow(env, Component.TEMPORAL_UI, "ingress", ui_ingress),
            _allow(env, Component.TEMPORAL_UI, "egress", ui_egress),
        ]
    return policies
