"""The Kubernetes API server the lifecycle tests talk to, and an admin's view of it.

Either a local control plane that `cluster/up.sh` starts for the session (etcd, kube-apiserver,
controller-manager and scheduler built from source; kwok for nodes) and `cluster/down.sh` stops,
or the cluster `ENVCTL_TEST_KUBECONFIG` names (kind, minikube, ...), which is left running.
A plain `KUBECONFIG` is never picked up, so a test run cannot deploy into a real cluster by
accident.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.kubectl_faults import Call, KubectlFaults
from envctl.cluster.kubectl import items_of
from envctl.manifests.kinds import KINDS, resource

TEST_KUBECONFIG_ENV = "ENVCTL_TEST_KUBECONFIG"
REPO = Path(__file__).resolve().parents[1]
CLUSTER_SCOPED = {item.name for item in KINDS if not item.namespaced} | {
    "ClusterRole",
    "ClusterRoleBinding",
}
EXTRA_RESOURCES = {
    "Role": "roles.rbac.authorization.k8s.io",
    "RoleBinding": "rolebindings.rbac.authorization.k8s.io",
    "ClusterRole": "clusterroles.rbac.authorization.k8s.io",
    "ClusterRoleBinding": "clusterrolebindings.rbac.authorization.k8s.io",
    "ReplicaSet": "replicasets.apps",
}


def resource_name(kind: str) -> str:
    return EXTRA_RESOURCES.get(kind) or resource(kind)


class ClusterUnavailable(RuntimeError):
    pass


@dataclass
class KubeServer:
    """A running API server and whether this test session started (and so stops) it."""

    kubeconfig: Path
    directory: Path | None = None
    name: str = ""

    @classmethod
    def for_session(cls, scratch: Path) -> KubeServer:
        given = os.environ.get(TEST_KUBECONFIG_ENV)
        if given:
            return cls(Path(given))
        name = f"envctl-test-{uuid.uuid4().hex[:6]}"
        environ = {**os.environ, "CLUSTER_DIR": str(scratch), "CLUSTER_NAME": name}
        environ.pop("KUBECONFIG", None)
        completed = subprocess.run(
            [str(REPO / "cluster" / "up.sh")], env=environ, capture_output=True, text=True
        )
        if completed.returncode != 0:
            raise ClusterUnavailable(completed.stderr.strip() or completed.stdout.strip())
        return cls(scratch / "kubeconfig", scratch, name)

    def stop(self) -> None:
        if self.directory is None:
            return
        environ = {**os.environ, "CLUSTER_DIR": str(self.directory), "CLUSTER_NAME": self.name}
        subprocess.run(
            [str(REPO / "cluster" / "down.sh")], env=environ, capture_output=True, check=False
        )


@dataclass
class Admin:
    """kubectl with the kubeconfig's own (admin) credentials, never through the fault injector."""

    kubeconfig: Path
    kubectl: str = field(default_factory=lambda: shutil.which("kubectl") or "kubectl")

    def run(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        completed = subprocess.run(
            [self.kubectl, "--kubeconfig", str(self.kubeconfig), *args],
            input=stdin or "",
            capture_output=True,
            text=True,
            check=False,
            timeout=180,
        )
        if check and completed.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)}: {completed.stderr.strip()}")
        return completed

    def json(self, *args: str) -> dict[str, Any]:
        text = self.run(*args, "-o", "json").stdout
        document: dict[str, Any] = json.loads(text) if text.strip() else {}
        return document

    def get(self, kind: str, name: str, namespace: str = "") -> dict[str, Any] | None:
        args = ["get", resource_name(kind), name, "--ignore-not-found"]
        if kind not in CLUSTER_SCOPED:
            args += ["-n", namespace or "default"]
        return self.json(*args) or None

    def names(self, kind: str, namespace: str | None = None) -> set[str]:
        args = ["get", resource_name(kind)] + (["-n", namespace] if namespace else [])
        return {item["metadata"]["name"] for item in items_of(self.json(*args))}

    def namespaced_resources(self) -> list[str]:
        """Every namespaced resource type the server offers that can be listed."""
        out = self.run("api-resources", "--verbs=list", "--namespaced", "-o", "name").stdout
        return sorted(line for line in out.split() if line)

    def objects(
        self, kind: str | None = None, namespace: str | None = None
    ) -> list[dict[str, Any]]:
        what = resource_name(kind) if kind else ",".join(self.namespaced_resources())
        args = ["get", what] + (["-n", namespace] if namespace else ["--all-namespaces"])
        return items_of(self.json(*args))

    def apply(self, item: dict[str, Any], manager: str = "test-admin") -> None:
        self.run(
            "apply",
            "--server-side",
            f"--field-manager={manager}",
            "-f",
            "-",
            stdin=json.dumps(item),
        )

    def create(self, item: dict[str, Any], check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("create", "-f", "-", stdin=json.dumps(item), check=check)

    def namespace(self, name: str, **labels: str) -> None:
        """A namespace ready for pods: the controller-manager has given it its ServiceAccount."""
        self.apply(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}
        )
        self.run("wait", "--for=create", "--timeout=60s", "serviceaccount/default", "-n", name)

    def pod(
        self, namespace: str, name: str, cpu: str, memory: str, labels: dict[str, str] | None = None
    ) -> None:
        """A pod the scheduler binds and kwok runs, holding its requests on a node."""
        self.create(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
                "spec": {
                    "containers": [
                        {
                            "name": "c",
                            "image": "registry.example/holder:1",
                            "resources": {
                                "requests": {"cpu": cpu, "memory": memory},
                                "limits": {"cpu": cpu, "memory": memory},
                            },
                        }
                    ]
                },
            }
        )
        self.run("wait", "--for=condition=Ready", "--timeout=60s", f"pod/{name}", "-n", namespace)


class Cluster(Admin):
    """One test's view: the admin's kubectl plus the fault injector envctl runs through."""

    def __init__(self, server: KubeServer, directory: Path) -> None:
        super().__init__(server.kubeconfig)
        self.faults = KubectlFaults(directory, self.kubectl)

    def environ(self) -> dict[str, str]:
        return {**self.faults.environ(), "KUBECONFIG": str(self.kubeconfig)}

    def fail(self, *argv: str, exit: int = 1, stderr: str = "", stdout: str = "") -> None:
        self.faults.fail(*argv, exit=exit, stderr=stderr, stdout=stdout)

    def heal(self) -> None:
        self.faults.heal()

    def calls(self) -> list[Call]:
        return self.faults.calls()

    def forget_calls(self) -> None:
        self.faults.forget_calls()

    def add(self, item: dict[str, Any], manager: str = "test-admin") -> None:
        """Put an object on the server as `manager` would (server-side apply sets the owner)."""
        meta = {k: v for k, v in item["metadata"].items() if k != "managedFields"}
        self.apply({"apiVersion": "v1", **item, "metadata": meta}, manager)


@dataclass
class Baseline:
    """What the cluster held before the tests, so each test's leftovers can be removed."""

    namespaces: set[str]
    nodes: set[str]
    cluster_roles: set[str]
    cluster_role_bindings: set[str]

    @classmethod
    def of(cls, admin: Admin) -> Baseline:
        return cls(
            admin.names("Namespace"),
            admin.names("Node"),
            admin.names("ClusterRole"),
            admin.names("ClusterRoleBinding"),
        )

    def restore(self, admin: Admin) -> None:
        # Namespaces first, while the nodes their pods are bound to still exist (kwok ends them).
        extra = sorted(admin.names("Namespace") - self.namespaces)
        for namespace in extra:
            drain(admin, namespace)
        if extra:
            admin.run("delete", "namespaces", *extra, "--ignore-not-found", "--timeout=180s")
        for kind, kept in (
            ("ClusterRoleBinding", self.cluster_role_bindings),
            ("ClusterRole", self.cluster_roles),
            ("Node", self.nodes),
        ):
            extra = sorted(admin.names(kind) - kept)
            if extra:
                admin.run("delete", resource_name(kind), *extra, "--ignore-not-found")
        for node in self.nodes:
            admin.run("uncordon", node)


def drain(admin: Admin, namespace: str) -> None:
    """Pods and claims gone before their namespace is deleted, as `envctl destroy` does it: the
    namespace controller would otherwise wait out estimates of their grace period and finalizers."""
    wait = ("--all", "-n", namespace, "--ignore-not-found", "--wait=true", "--timeout=120s")
    admin.run(
        "delete", "deployments.apps,replicasets.apps,jobs.batch", "--cascade=foreground", *wait
    )
    admin.run("delete", "pods,persistentvolumeclaims", *wait)
