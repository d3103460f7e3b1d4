"""Containers of rendered manifests, run by podman the way their pod spec says.

What a kubelet would supply is supplied here: Secret values (through podman's inherited
environment, never on a command line), fieldRefs, ConfigMap volumes and emptyDirs. Host
networking is the one difference: several servers share 127.0.0.1, so a test may add
environment variables that move ports (and nothing else of the rendered env).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Manifest = dict[str, Any]
ROOT = Path(__file__).resolve().parents[2]
CONTAINERS_CONF = ROOT / "containers" / "containers.conf"


def find_object(objects: list[Manifest], kind: str, name_prefix: str) -> Manifest:
    found = [
        o for o in objects if o["kind"] == kind and o["metadata"]["name"].startswith(name_prefix)
    ]
    assert len(found) == 1, f"expected one {kind} named {name_prefix}*, found {len(found)}"
    return found[0]


def pod_spec(workload: Manifest) -> Manifest:
    spec: Manifest = workload["spec"]["template"]["spec"]
    return spec


def only_container(workload: Manifest) -> Manifest:
    containers: list[Manifest] = pod_spec(workload)["containers"]
    assert len(containers) == 1, [c["name"] for c in containers]
    return containers[0]


@dataclass(frozen=True)
class PodInputs:
    """What the cluster would provide: Secret values, fieldRefs and ConfigMaps by name."""

    secrets: Mapping[tuple[str, str], str] = field(default_factory=dict)
    fields: Mapping[str, str] = field(default_factory=dict)
    config_maps: Mapping[str, Manifest] = field(default_factory=dict)


def resolved_env(container: Manifest, inputs: PodInputs) -> dict[str, str]:
    env: dict[str, str] = {}
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
            continue
        source = item["valueFrom"]
        if "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            env[item["name"]] = inputs.secrets[(ref["name"], ref["key"])]
        else:
            env[item["name"]] = inputs.fields[source["fieldRef"]["fieldPath"]]
    return env


def podman_env() -> dict[str, str]:
    return {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}


@dataclass
class RenderedContainer:
    """One rendered container, runnable with podman (`run` waits, `start` does not)."""

    name: str
    workload: Manifest
    inputs: PodInputs
    work_dir: Path
    extra_env: Mapping[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def container(self) -> Manifest:
        return only_container(self.workload)

    @property
    def env(self) -> dict[str, str]:
        return {**resolved_env(self.container, self.inputs), **self.extra_env}

    @property
    def log_path(self) -> Path:
        return self.work_dir / f"{self.name}.log"

    def _volume_args(self) -> list[str]:
        volumes = {v["name"]: v for v in pod_spec(self.workload).get("volumes", [])}
        args: list[str] = []
        for item in self.container.get("volumeMounts", []):
            volume = volumes[item["name"]]
            if "emptyDir" in volume:
                args += ["--tmpfs", f"{item['mountPath']}:rw,mode=1777"]
            else:
                data = self.inputs.config_maps[volume["configMap"]["name"]]["data"]
                folder = self.work_dir / "volumes" / item["name"]
                folder.mkdir(parents=True, exist_ok=True)
                for key, text in data.items():
                    (folder / key).write_text(text)
                args += ["-v", f"{folder}:{item['mountPath']}:ro"]
        return args

    def podman_args(self) -> list[str]:
        container = self.container
        security = container.get("securityContext", {})
        args = ["podman", "run", "--rm", "--name", self.name, "--pull", "never"]
        args += ["--network", "host", "--cap-drop", "all"]
        if "runAsUser" in security:
            args += ["--user", f"{security['runAsUser']}:{security.get('runAsGroup', 0)}"]
        if security.get("readOnlyRootFilesystem"):
            args.append("--read-only")
        if security.get("allowPrivilegeEscalation") is False:
            args += ["--security-opt", "no-new-privileges"]
        args += self._volume_args()
        for name in self.env:
            args += ["--env", name]  # the value comes from podman's own environment
        if "command" in container:
            # Kubernetes' `command` replaces the image's ENTRYPOINT and CMD alike.
            args += ["--entrypoint", json.dumps(container["command"])]
        return [*args, container["image"], *container.get("args", [])]

    def run(self, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run to completion, as a Job's pod does; output and exit code come back."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        return subprocess.run(
            self.podman_args(),
            env={**podman_env(), **self.env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.podman_args(),
            env={**podman_env(), **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def failure_lines(self, chars: int = 400) -> list[str]:
        """The log's fatal and error entries, each cut short: a fatal entry's stack trace is
        long enough to push its own message out of a tail."""
        marks = ('"level":"fatal"', '"level":"panic"', '"level":"error"')
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [line[:chars] for line in lines if any(mark in line for mark in marks)]

    def stop(self, grace_seconds: int = 30) -> None:
        """As Kubernetes stops a pod: SIGTERM, then SIGKILL after the grace period."""
        if self.process is None:
            return
        subprocess.run(
            ["podman", "stop", "--time", str(grace_seconds), self.name],
            env=podman_env(),
            capture_output=True,
            check=False,
        )
        self.process.wait(timeout=grace_seconds + 30)
        self.process = None
