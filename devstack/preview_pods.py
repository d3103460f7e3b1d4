"""The preview's pods, exactly as `envctl render preview` renders them, running under podman.

`render_preview` runs the real CLI and parses its YAML; `PreviewPods` starts every Deployment's
pod (`devstack.pods`), connects the Services, and waits for readiness the way the kubelet
decides it: the startup probe first, then the readiness probe, each at its own period.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import yaml

from devstack.orphans import remove_orphans
from devstack.podman import podman, remove_volume, state
from devstack.pods import SLIRP_HOST_LOOPBACK, Manifest, Pod, PodContext
from devstack.probes import ProbeFailed, wait_for_success

T = TypeVar("T")

ENVCTL = Path(sys.executable).parent / "envctl"


def render_preview(pr: int) -> list[Manifest]:
    rendered = subprocess.run(
        [str(ENVCTL), "render", "preview", "--pr", str(pr)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [item for item in yaml.safe_load_all(rendered) if item]


def of_kind(objects: Sequence[Manifest], kind: str) -> list[Manifest]:
    return [item for item in objects if item["kind"] == kind]


def service_names(objects: Sequence[Manifest]) -> list[str]:
    names = []
    for service in of_kind(objects, "Service"):
        name, namespace = service["metadata"]["name"], service["metadata"]["namespace"]
        names += [name, f"{name}.{namespace}", f"{name}.{namespace}.svc"]
        names.append(f"{name}.{namespace}.svc.cluster.local")
    return names


def target_port(pod: Pod, port: int | str) -> int:
    """A Service's targetPort (a number or a port name) as one of the pod's container ports."""
    for container in pod.containers:
        for entry in container.get("ports", []):
            if port in (entry.get("name"), entry["containerPort"]):
                return int(entry["containerPort"])
    raise LookupError(f"{pod.name}: no container port {port!r}")


@dataclass
class PreviewPods:
    objects: list[Manifest]
    ctx: PodContext
    pods: dict[str, Pod] = field(default_factory=dict)
    # Seconds after the pods were created: "<pod> init done", "<pod> started", "<pod> ready",
    # "<pod>/<container> <probe>" (when that probe first passed).
    timings: dict[str, float] = field(default_factory=dict)
    created: float = 0.0

    @classmethod
    def prepare(
        cls,
        objects: list[Manifest],
        *,
        run_id: str,
        secrets: Mapping[str, Mapping[str, str]],
        images: Mapping[str, str],
    ) -> PreviewPods:
        namespace = of_kind(objects, "Namespace")[0]["metadata"]["name"]
        ctx = PodContext(run_id, namespace, secrets, images, service_names(objects))
        preview = cls(objects, ctx)
        for deployment in of_kind(objects, "Deployment"):
            preview.pods[deployment["metadata"]["name"]] = Pod(deployment, ctx)
        return preview

    def _selected(self, service: Manifest) -> Pod:
        selector = service["spec"]["selector"]
        for pod in self.pods.values():
            if all(pod.labels.get(key) == value for key, value in selector.items()):
                return pod
        raise LookupError(f"Service {service['metadata']['name']} selects no pod")

    def proxy_rules(self, pod: Pod) -> list[str]:
        """`port=host:port` for each Service of another pod, as seen from `pod`."""
        rules = []
        for service in of_kind(self.objects, "Service"):
            target = self._selected(service)
            if target is pod:
                continue  # the pod reaches its own containers on 127.0.0.1
            for port in service["spec"]["ports"]:
                container_port = target_port(target, port["targetPort"])
                listen = int(port["port"])
                if listen in pod.host_ports:
                    raise ValueError(f"{pod.name}: Service port {listen} is also a container port")
                rules.append(f"{listen}={SLIRP_HOST_LOOPBACK}:{target.host_port(container_port)}")
        return rules

    def start(self) -> float:
        """Create every pod and start its containers; the monotonic time the pods were created."""
        remove_orphans()
        for pod in self.pods.values():
            pod.create(self.proxy_rules(pod))
        created = self.created = time.monotonic()

        def boot(pod: Pod) -> None:
            name = pod.deployment["metadata"]["name"]
            pod.run_init_containers()
            self.timings[f"{name} init done"] = time.monotonic() - created
            pod.start_containers()
            self.timings[f"{name} started"] = time.monotonic() - created

        each_at_once(boot, list(self.pods.values()))
        return created

    def recreate(self, name: str) -> Pod:
        """A `Recreate` rollout of one Deployment: the old pod goes with its emptyDirs, then a new
        pod mounts the same claims. It keeps the old host ports, so every Service still routes."""
        old = self.pods[name]
        old.delete()
        new = self.pods[name] = Pod(old.deployment, self.ctx, host_ports=dict(old.host_ports))
        new.create(self.proxy_rules(new))
        new.run_init_containers()
        new.start_containers()
        self.wait_ready(new)
        return new

    def running(self, pod: Pod, container: str, deadline: float) -> bool:
        if time.monotonic() > deadline:
            raise ProbeFailed(f"{pod.name}/{container}: not ready before the deadline")
        status = state(pod.container_id(container))
        if status["Status"] != "running":
            raise ProbeFailed(f"{pod.name}/{container} is {status['Status']}: {status}")
        return True

    def wait_ready(self, pod: Pod, timeout: float = 120) -> dict[str, str]:
        """Every container ready: its startup probe passed, then its readiness probe."""
        deadline = time.monotonic() + timeout
        started = time.monotonic()
        seen: dict[str, str] = {}

        def one(container: Manifest) -> None:
            name = container["name"]
            for kind, gives_up in (("startupProbe", True), ("readinessProbe", False)):
                if kind in container:
                    seen[f"{name} {kind}"] = wait_for_success(
                        container[kind],
                        container,
                        pod.host_port,
                        alive=lambda: self.running(pod, name, deadline),
                        started=started,
                        give_up_after_failures=gives_up,
                    )
                    passed = time.monotonic() - self.created
                    self.timings[f"{pod.deployment['metadata']['name']}/{name} {kind}"] = passed

        each_at_once(one, list(pod.containers))
        return seen

    def wait_all_ready(self, timeout: float = 120) -> None:
        def one(pod: Pod) -> None:
            self.wait_ready(pod, timeout)
            ready = time.monotonic() - self.created
            self.timings[f"{pod.deployment['metadata']['name']} ready"] = ready

        each_at_once(one, list(self.pods.values()))

    def delete(self) -> None:
        for pod in self.pods.values():
            pod.delete()

    def forget_claims(self) -> None:
        """Delete the claim volumes too (the namespace is gone)."""
        names = podman("volume", "ls", "-q", "--filter", f"name={self.ctx.run_id}-pvc-").stdout
        for name in names.split():
            remove_volume(name)


def each_at_once(work: Callable[[T], None], items: list[T]) -> None:
    """Run `work` on every item, each in its own thread; when all are done, raise the first
    item's error, if any."""
    if not items:
        return
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        futures = [pool.submit(work, item) for item in items]
    for future in futures:
        future.result()
