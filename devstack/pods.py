"""One rendered Deployment's pod, run under podman the way the kubelet runs it.

From the pod template, unchanged: each container's command and args, env and envFrom (later
sources win, `env` over `envFrom`), image, securityContext (uid/gid from the container or the
pod, fsGroup as a supplementary group, runAsNonRoot refused for uid 0, read-only root with no
extra tmpfs, capabilities, no-new-privileges, seccomp), memory and CPU limits (cgroup: memory
limit without swap, CFS quota from the CPU limit, shares from the request), ports,
terminationGracePeriodSeconds, init containers one after the other to completion before the
containers, volumes. An emptyDir is a podman volume deleted with the pod, owned root:fsGroup
with mode 2775 as the kubelet makes it; a persistentVolumeClaim is a podman volume named after
the claim that outlives the pod. The pod has its own network namespace (slirp4netns), as in
Kubernetes, so two pods may use the same port; each container port is published on 127.0.0.1.

What the caller substitutes (`PodContext`), and nothing else: Secret values, the downward-API
namespace, Service names resolving to 127.0.0.1 (a `service_proxy` in the pod's namespace
forwards each Service port to its pod), and the image reference (pull policy: never pull).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from devstack.orphans import owner_label
from devstack.podman import ROOT, podman, remove_pod, remove_volume, volume_mountpoint
from devstack.ports import free_port

Manifest = dict[str, Any]
SLIRP_HOST_LOOPBACK = "10.0.2.2"  # the host's 127.0.0.1, seen from a slirp4netns namespace


@dataclass(frozen=True)
class PodContext:
    run_id: str
    namespace: str
    secrets: Mapping[str, Mapping[str, str]]
    images: Mapping[str, str]
    service_names: Sequence[str]


def _mebibytes(quantity: str) -> int:
    units = {"Mi": 1, "Gi": 1024}
    return int(quantity[:-2]) * units[quantity[-2:]]


def _millicores(quantity: str) -> int:
    return int(quantity[:-1]) if quantity.endswith("m") else int(float(quantity) * 1000)


@dataclass
class Pod:
    deployment: Manifest
    ctx: PodContext
    host_ports: dict[int, int] = field(default_factory=dict)
    proxy: subprocess.Popen[str] | None = None

    def __post_init__(self) -> None:
        for container in self.containers:
            for port in container.get("ports", []):
                if int(port["containerPort"]) not in self.host_ports:  # a replacement keeps them
                    self.host_ports[int(port["containerPort"])] = free_port()

    @property
    def name(self) -> str:
        return f"{self.ctx.run_id}-{self.deployment['metadata']['name']}"

    @property
    def spec(self) -> Manifest:
        spec: Manifest = self.deployment["spec"]["template"]["spec"]
        return spec

    @property
    def labels(self) -> Mapping[str, str]:
        labels: Mapping[str, str] = self.deployment["spec"]["template"]["metadata"]["labels"]
        return labels

    @property
    def containers(self) -> list[Manifest]:
        containers: list[Manifest] = self.spec["containers"]
        return containers

    def container(self, name: str) -> Manifest:
        return next(c for c in self.containers if c["name"] == name)

    def container_id(self, name: str) -> str:
        return f"{self.name}-{name}"

    def host_port(self, container_port: int) -> int:
        return self.host_ports[container_port]

    def volume_name(self, volume: Manifest) -> str:
        if "persistentVolumeClaim" in volume:
            return f"{self.ctx.run_id}-pvc-{volume['persistentVolumeClaim']['claimName']}"
        return f"{self.name}-{volume['name']}"

    # --- lifecycle ------------------------------------------------------------------------

    def create(self, proxy_rules: Sequence[str]) -> None:
        """The pod (its network namespace), its volumes and the Service proxy; no container yet."""
        args = ["pod", "create", "--name", self.name, "--hostname", self.name]
        args += ["--label", owner_label()]
        args += ["--network", "slirp4netns:allow_host_loopback=true"]
        for container_port, host_port in self.host_ports.items():
            args += ["-p", f"127.0.0.1:{host_port}:{container_port}"]
        for service in self.ctx.service_names:
            args += ["--add-host", f"{service}:127.0.0.1"]
        podman(*args)
        for volume in self.spec.get("volumes", []):
            self._create_volume(volume)
        podman("pod", "start", self.name)
        if proxy_rules:
            self._start_proxy(proxy_rules)

    def _create_volume(self, volume: Manifest) -> None:
        if "emptyDir" not in volume and "persistentVolumeClaim" not in volume:
            raise NotImplementedError(f"volume {volume['name']}: only emptyDir and PVCs are run")
        name = self.volume_name(volume)
        if podman("volume", "exists", name, check=False).returncode == 0:
            return  # a claim's volume from an earlier pod keeps its data
        podman("volume", "create", "--label", owner_label(), name)
        mountpoint = volume_mountpoint(name)
        fs_group = self.spec.get("securityContext", {}).get("fsGroup")
        if fs_group is not None:
            os.chown(mountpoint, 0, int(fs_group))
            mountpoint.chmod(0o2775)

    def _start_proxy(self, rules: Sequence[str]) -> None:
        infra = podman("pod", "inspect", "--format", "{{.InfraContainerID}}", self.name).stdout
        pid = podman("inspect", "--format", "{{.State.Pid}}", infra.strip()).stdout.strip()
        command = [f"--net=/proc/{pid}/ns/net", sys.executable, "-m", "devstack.service_proxy"]
        self.proxy = subprocess.Popen(
            ["nsenter", *command, *rules], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        assert self.proxy.stdout is not None
        if self.proxy.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{self.name}: the Service proxy did not start")

    def run_init_containers(self, timeout: float = 180) -> None:
        for container in self.spec.get("initContainers", []):
            result = self._run(container, detach=False, timeout=timeout)
            if result.returncode != 0:
                raise RuntimeError(
                    f"{self.name}: init container {container['name']} exited "
                    f"{result.returncode}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
                )

    def start_containers(self, only: Sequence[str] | None = None) -> None:
        for container in self.containers:
            if only is None or container["name"] in only:
                self._run(container, detach=True)

    def restart_container(self, name: str) -> None:
        """What the kubelet does when a container dies: a new one, in the same pod and volumes."""
        podman("rm", "-f", "-t", str(self.grace_seconds), self.container_id(name), timeout=90)
        self._run(self.container(name), detach=True)

    @property
    def grace_seconds(self) -> int:
        return int(self.spec.get("terminationGracePeriodSeconds", 30))

    def delete(self) -> None:
        """The pod and its emptyDirs; claim volumes stay, as PersistentVolumeClaims do."""
        if self.proxy is not None:
            self.proxy.terminate()
            self.proxy.wait(10)
        remove_pod(self.name, self.grace_seconds)
        for volume in self.spec.get("volumes", []):
            if "emptyDir" in volume:
                remove_volume(self.volume_name(volume))

    # --- one container --------------------------------------------------------------------

    def environment(self, container: Manifest) -> dict[str, str]:
        env: dict[str, str] = {}
        for source in container.get("envFrom", []):
            env.update(self._secret(source["secretRef"]["name"]))
        for entry in container.get("env", []):
            source = entry.get("valueFrom", {})
            if "value" in entry:
                env[entry["name"]] = str(entry["value"])
            elif source.get("fieldRef", {}).get("fieldPath") == "metadata.namespace":
                env[entry["name"]] = self.ctx.namespace
            elif "secretKeyRef" in source:
                env[entry["name"]] = self._secret(source["secretKeyRef"]["name"])[
                    source["secretKeyRef"]["key"]
                ]
            else:
                raise NotImplementedError(f"env {entry['name']}: {source}")
        return env

    def _secret(self, name: str) -> Mapping[str, str]:
        if name not in self.ctx.secrets:
            raise LookupError(f"{self.name}: the test gives no values for Secret {name!r}")
        return self.ctx.secrets[name]

    def run_arguments(self, container: Manifest) -> list[str]:
        pod_security = self.spec.get("securityContext", {})
        security = {**pod_security, **container.get("securityContext", {})}
        uid, gid = int(security.get("runAsUser", 0)), int(security.get("runAsGroup", 0))
        if security.get("runAsNonRoot") and uid == 0:
            raise ValueError(f"{container['name']}: runAsNonRoot with uid 0 (kubelet refuses)")
        args = ["--pod", self.name, "--name", self.container_id(container["name"])]
        args += ["--pull", "never", "--restart", "no", "--user", f"{uid}:{gid}"]
        args += ["--stop-timeout", str(self.grace_seconds)]
        if "fsGroup" in pod_security:
            args += ["--group-add", str(pod_security["fsGroup"])]
        if security.get("readOnlyRootFilesystem"):
            args += ["--read-only", "--read-only-tmpfs=false"]
        capabilities = security.get("capabilities", {})
        args += [f"--cap-drop={cap.lower()}" for cap in capabilities.get("drop", [])]
        args += [f"--cap-add={cap.lower()}" for cap in capabilities.get("add", [])]
        if security.get("allowPrivilegeEscalation") is False:
            args += ["--security-opt", "no-new-privileges"]
        if security.get("privileged"):
            args += ["--privileged"]
        if security.get("seccompProfile", {}).get("type") == "Unconfined":
            args += ["--security-opt", "seccomp=unconfined"]
        resources = container.get("resources", {})
        limits, requests = resources.get("limits", {}), resources.get("requests", {})
        if "memory" in limits:
            memory = f"{_mebibytes(limits['memory'])}m"
            args += ["--memory", memory, "--memory-swap", memory]
        if "cpu" in limits:
            args += ["--cpus", f"{_millicores(limits['cpu']) / 1000:g}"]
        if "cpu" in requests:
            args += ["--cpu-shares", str(max(_millicores(requests["cpu"]) * 1024 // 1000, 2))]
        volumes = {volume["name"]: volume for volume in self.spec.get("volumes", [])}
        for mount in container.get("volumeMounts", []):
            options = "nocopy,ro" if mount.get("readOnly") else "nocopy"
            source = self.volume_name(volumes[mount["name"]])
            args += ["-v", f"{source}:{mount['mountPath']}:{options}"]
        if "workingDir" in container:
            args += ["--workdir", container["workingDir"]]
        command = container.get("command")
        if command:
            args += ["--entrypoint", command[0]]
        image = self.ctx.images[container["image"]]
        return [*args, image, *(command or [])[1:], *container.get("args", [])]

    def _run(
        self, container: Manifest, *, detach: bool, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        with tempfile.NamedTemporaryFile("w", prefix="pod-env-", delete=True) as env_file:
            for name, value in self.environment(container).items():
                env_file.write(f"{name}={value}\n")
            env_file.flush()
            mode = ["-d"] if detach else []
            args = ["run", *mode, "--env-file", env_file.name, *self.run_arguments(container)]
            return podman(*args, check=detach, timeout=timeout)
