"""A thin, recording stand-in for `kubectl`, for tests of the orchestration (no cluster here).

Run as a program (through the wrapper `FakeCluster.install` writes and `KUBECTL` names), it:

- appends every invocation to `calls.jsonl`: argv, whether stdin had data, and for `apply`
  the kind/name of each object it carried (never their contents, so never a secret value);
- keeps objects in `state.json`, so apply, get, list and delete agree with one another: an
  apply that changes nothing keeps the resourceVersion, a namespaced object cannot be applied
  before its Namespace exists, deleting a Namespace deletes what is in it;
- fails the calls a test asks it to (`FakeCluster.fail(*argv_prefix)`), e.g. one rollout.

It is not Kubernetes: nothing schedules, and a rollout "succeeds" unless told otherwise.
Tests seed what a cluster would report (nodes, pods, events, log lines) as plain objects.
"""

from __future__ import annotations

import copy
import fcntl
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATE_DIR_ENV = "FAKE_KUBECTL_DIR"
# The names kubectl accepts for each kind envctl uses (plural, plural.group, singular).
KINDS = {
    "Namespace": ("namespaces", "namespace", "ns"),
    "ResourceQuota": ("resourcequotas", "resourcequota"),
    "LimitRange": ("limitranges", "limitrange"),
    "ServiceAccount": ("serviceaccounts", "serviceaccount"),
    "NetworkPolicy": ("networkpolicies.networking.k8s.io", "networkpolicies", "networkpolicy"),
    "DopplerSecret": ("dopplersecrets.secrets.doppler.com", "dopplersecrets", "dopplersecret"),
    "Secret": ("secrets", "secret"),
    "ConfigMap": ("configmaps", "configmap"),
    "PersistentVolumeClaim": ("persistentvolumeclaims", "persistentvolumeclaim", "pvc"),
    "Job": ("jobs.batch", "jobs", "job"),
    "Deployment": ("deployments.apps", "deployments", "deployment"),
    "Service": ("services", "service"),
    "HorizontalPodAutoscaler": ("horizontalpodautoscalers.autoscaling", "hpa"),
    "PodDisruptionBudget": ("poddisruptionbudgets.policy", "poddisruptionbudgets", "pdb"),
    "Ingress": ("ingresses.networking.k8s.io", "ingresses", "ingress"),
    "Node": ("nodes", "node"),
    "Pod": ("pods", "pod"),
    "Event": ("events", "event"),
}
CLUSTER_SCOPED = {"Namespace", "Node"}
SERVER_FIELDS = ("resourceVersion", "uid", "creationTimestamp", "managedFields")


def kind_of(name: str) -> str:
    for kind, names in KINDS.items():
        if name in names:
            return kind
    raise SystemExit(f'error: the server doesn\'t have a resource type "{name}"')


def key(kind: str, namespace: str, name: str) -> str:
    return f"{kind}/{'' if kind in CLUSTER_SCOPED else namespace}/{name}"


class Fake:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.state: dict[str, Any] = json.loads((directory / "state.json").read_text())

    def save(self) -> None:
        (self.directory / "state.json").write_text(json.dumps(self.state, indent=1))

    @property
    def objects(self) -> dict[str, Any]:
        objects: dict[str, Any] = self.state["objects"]
        return objects

    def shown(self, item: dict[str, Any], managed_fields: bool) -> dict[str, Any]:
        item = copy.deepcopy(item)
        if not managed_fields:
            item["metadata"].pop("managedFields", None)
        return item

    # --- commands --------------------------------------------------------------------------

    def apply(self, argv: list[str], stdin: str) -> tuple[int, str, str]:
        manager = next(a.split("=", 1)[1] for a in argv if a.startswith("--field-manager="))
        document = json.loads(stdin)
        items = document["items"] if document.get("kind") == "List" else [document]
        out = []
        for item in items:
            kind, meta = item["kind"], item["metadata"]
            namespace = meta.get("namespace", "")
            if kind not in CLUSTER_SCOPED and key("Namespace", "", namespace) not in self.objects:
                return 1, "", f'Error from server (NotFound): namespaces "{namespace}" not found\n'
            k = key(kind, namespace, meta["name"])
            old = self.objects.get(k)
            new = copy.deepcopy(item)
            if kind == "Namespace":
                new["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = meta[
                    "name"
                ]
            if old is not None:
                if "status" in old:
                    new["status"] = old["status"]
                for field in SERVER_FIELDS:
                    new["metadata"][field] = old["metadata"][field]
                if _content(new) != _content(old):
                    new["metadata"]["resourceVersion"] = self.next_version()
            else:
                self.state["created"] = self.state.get("created", 0) + 1
                new["metadata"].update(
                    resourceVersion=self.next_version(),
                    uid=f"uid-{self.state['created']}",
                    creationTimestamp=self.state.get("now", "2025-01-01T00:00:00Z"),
                    managedFields=[{"manager": manager, "operation": "Apply"}],
                )
            self.objects[k] = new
            out.append(self.shown(new, managed_fields=False))
        self.save()
        # As kubectl prints them: one object alone, several as a List.
        printed = out[0] if len(out) == 1 else {"apiVersion": "v1", "kind": "List", "items": out}
        return 0, json.dumps(printed), ""

    def next_version(self) -> str:
        self.state["rv"] = self.state.get("rv", 0) + 1
        return str(self.state["rv"])

    def get(self, argv: list[str]) -> tuple[int, str, str]:
        words = positional(argv[1:])
        kinds = [kind_of(name) for name in words[0].split(",")]
        namespace = option(argv, "-n")
        everywhere = "--all-namespaces" in argv or "-A" in argv
        managed = "--show-managed-fields" in argv
        if len(words) > 1:  # one object by name
            kind, name = kinds[0], words[1]
            item = self.objects.get(key(kind, namespace or "default", name))
            if item is None:
                if "--ignore-not-found" in argv:
                    return 0, "", ""
                return 1, "", f'Error from server (NotFound): {words[0]} "{name}" not found\n'
            return 0, json.dumps(self.shown(item, managed)), ""
        wanted = dict(pair.split("=", 1) for pair in (option(argv, "-l") or "").split(",") if pair)
        found = [
            self.shown(item, managed)
            for item in self.objects.values()
            if item["kind"] in kinds
            and (
                everywhere
                or item["kind"] in CLUSTER_SCOPED
                or item["metadata"].get("namespace") == (namespace or "default")
            )
            and all(item["metadata"].get("labels", {}).get(k) == v for k, v in wanted.items())
        ]
        return 0, json.dumps({"apiVersion": "v1", "kind": "List", "items": found}), ""

    def delete(self, argv: list[str]) -> tuple[int, str, str]:
        words = positional(argv[1:])
        kind, name = kind_of(words[0]), words[1]
        namespace = option(argv, "-n") or "default"
        k = key(kind, namespace, name)
        if k not in self.objects:
            if "--ignore-not-found" in argv:
                return 0, "", ""
            return 1, "", f'Error from server (NotFound): {words[0]} "{name}" not found\n'
        del self.objects[k]
        if kind == "Namespace":  # what is in a namespace goes with it
            for other in [
                o for o, item in self.objects.items() if item["metadata"].get("namespace") == name
            ]:
                del self.objects[other]
        self.save()
        return 0, f'{words[0].split(".")[0].rstrip("s")} "{name}" deleted\n', ""

    def rollout_status(self, argv: list[str]) -> tuple[int, str, str]:
        target = positional(argv[2:])[0]
        resource_name, name = target.split("/", 1)
        namespace = option(argv, "-n") or "default"
        item = self.objects.get(key(kind_of(resource_name), namespace, name))
        if item is None:
            return 1, "", f'Error from server (NotFound): deployments.apps "{name}" not found\n'
        replicas = item["spec"].get("replicas", 1)
        item["status"] = {
            "replicas": replicas,
            "readyReplicas": replicas,
            "updatedReplicas": replicas,
        }
        self.save()
        return (
            0,
            f'Waiting for deployment "{name}" rollout to finish: 0 of {replicas} updated '
            f"replicas are available...\n"
            f'deployment "{name}" successfully rolled out\n',
            "",
        )

    def wait(self, argv: list[str]) -> tuple[int, str, str]:
        target = positional(argv[1:])[0]
        resource_name, name = target.split("/", 1)
        namespace = option(argv, "-n") or "default"
        k = key(kind_of(resource_name), namespace, name)
        if "--for=delete" in argv:
            # A namespace marked Terminating finishes deleting; anything else never goes away.
            item = self.objects.get(k)
            if item is not None and item.get("status", {}).get("phase") == "Terminating":
                return self.delete(["delete", resource_name, name])
            if item is not None:
                return 1, "", "error: timed out waiting for the condition\n"
            return 0, "", ""
        if k not in self.objects:
            return 1, "", f'Error from server (NotFound): {resource_name} "{name}" not found\n'
        return 0, f"{resource_name}/{name} condition met\n", ""

    def run(self, argv: list[str], stdin: str) -> tuple[int, str, str]:
        for rule in self.state.get("fail", []):
            if argv[: len(rule["argv"])] == rule["argv"]:
                return rule.get("exit", 1), rule.get("stdout", ""), rule.get("stderr", "")
        verb = argv[0] if argv else ""
        if argv[:2] == ["auth", "can-i"]:
            return 0, "yes\n", ""
        if verb == "api-resources":
            group = option(argv, "--api-group") or ""
            names = [n[0] for k, n in KINDS.items() if n[0].endswith("." + group)]
            return 0, "\n".join(names) + ("\n" if names else ""), ""
        if verb == "apply":
            return self.apply(argv, stdin)
        if verb == "get":
            return self.get(argv)
        if verb == "delete":
            return self.delete(argv)
        if argv[:2] == ["rollout", "status"]:
            return self.rollout_status(argv)
        if verb == "wait":
            return self.wait(argv)
        if verb == "logs":
            pod = positional(argv[1:])[0]
            return 0, self.state.get("logs", {}).get(f"{option(argv, '-n')}/{pod}", ""), ""
        return 2, "", f"fake kubectl: unsupported command {argv}\n"


def _content(item: dict[str, Any]) -> dict[str, Any]:
    """An object without the fields the server keeps for itself."""
    item = copy.deepcopy(item)
    for field in SERVER_FIELDS:
        item["metadata"].pop(field, None)
    return item


def option(argv: list[str], name: str) -> str | None:
    for index, arg in enumerate(argv):
        if arg == name and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def positional(args: list[str]) -> list[str]:
    """Arguments that are neither options nor their values."""
    words, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("-n", "-l", "-o", "-f"):
            skip = True
        elif not arg.startswith("-"):
            words.append(arg)
    return words


# --- the test side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    argv: list[str]
    stdin: bool
    objects: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.argv)


class FakeCluster:
    """Set up the stand-in's state, point `KUBECTL` at it, read back what envctl ran."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.state: dict[str, Any] = {"objects": {}, "fail": [], "logs": {}}
        self.save()
        self.executable = directory / "kubectl"
        self.executable.write_text(
            f'#!/bin/sh\nexec "{sys.executable}" "{Path(__file__).resolve()}" "$@"\n'
        )
        self.executable.chmod(0o755)

    def environ(self) -> dict[str, str]:
        return {"KUBECTL": str(self.executable), STATE_DIR_ENV: str(self.directory)}

    def load(self) -> None:
        self.state = json.loads((self.directory / "state.json").read_text())

    def save(self) -> None:
        (self.directory / "state.json").write_text(json.dumps(self.state, indent=1))

    def add(self, item: dict[str, Any]) -> None:
        self.load()
        meta = item["metadata"]
        meta.setdefault("resourceVersion", "0")
        self.state["objects"][key(item["kind"], meta.get("namespace", ""), meta["name"])] = item
        self.save()

    def node(self, name: str, cpu: str = "4", memory: str = "16Gi", **spec: Any) -> None:
        self.add(
            {
                "kind": "Node",
                "metadata": {"name": name},
                "spec": spec,
                "status": {
                    "allocatable": {"cpu": cpu, "memory": memory},
                    "conditions": [{"type": "Ready", "status": "True"}],
                },
            }
        )

    def pod(
        self, namespace: str, name: str, node: str, cpu: str, memory: str, **extra: Any
    ) -> None:
        self.add(
            {
                "kind": "Pod",
                "metadata": {
                    "name": name,
                    "namespace": namespace,
                    "labels": extra.pop("labels", {}),
                },
                "spec": {
                    "nodeName": node,
                    "containers": [
                        {"name": "c", "resources": {"requests": {"cpu": cpu, "memory": memory}}}
                    ],
                },
                "status": extra.pop("status", {"phase": "Running"}),
            }
        )

    def fail(self, *argv: str, exit: int = 1, stderr: str = "", stdout: str = "") -> None:
        self.load()
        self.state["fail"].append(
            {"argv": list(argv), "exit": exit, "stderr": stderr, "stdout": stdout}
        )
        self.save()

    def heal(self) -> None:
        self.load()
        self.state["fail"] = []
        self.save()

    def set_logs(self, namespace: str, pod: str, text: str) -> None:
        self.load()
        self.state["logs"][f"{namespace}/{pod}"] = text
        self.save()

    def objects(
        self, kind: str | None = None, namespace: str | None = None
    ) -> list[dict[str, Any]]:
        self.load()
        return [
            item
            for item in self.state["objects"].values()
            if (kind is None or item["kind"] == kind)
            and (namespace is None or item["metadata"].get("namespace") == namespace)
        ]

    def get(self, kind: str, name: str, namespace: str = "") -> dict[str, Any] | None:
        self.load()
        found: dict[str, Any] | None = self.state["objects"].get(key(kind, namespace, name))
        return found

    def calls(self) -> list[Call]:
        path = self.directory / "calls.jsonl"
        if not path.exists():
            return []
        return [Call(**json.loads(line)) for line in path.read_text().splitlines()]

    def forget_calls(self) -> None:
        (self.directory / "calls.jsonl").unlink(missing_ok=True)


def main() -> int:
    directory = Path(os.environ[STATE_DIR_ENV])
    argv = sys.argv[1:]
    stdin = "" if sys.stdin.isatty() else sys.stdin.read()
    objects: list[str] = []
    if argv[:1] == ["apply"] and stdin:
        document = json.loads(stdin)
        items = document["items"] if document.get("kind") == "List" else [document]
        objects = [f"{item['kind']}/{item['metadata']['name']}" for item in items]
    # Deployments are watched in parallel: one invocation at a time reads and writes the state.
    with (directory / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with (directory / "calls.jsonl").open("a") as log:
            log.write(json.dumps({"argv": argv, "stdin": bool(stdin), "objects": objects}) + "\n")
        code, out, err = Fake(directory).run(argv, stdin)
    sys.stdout.write(out)
    sys.stderr.write(err)
    return code


if __name__ == "__main__":
    sys.exit(main())
