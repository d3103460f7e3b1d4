"""Wait for an environment to roll out, within one deadline; explain a failure.

Every Deployment is watched at once with `kubectl rollout status` (its lines feed the progress
display); Jobs with `kubectl wait --for=condition=complete`. When something fails, the events
and last log lines of its pods that are not ready are collected for the person reading the log.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from envctl.cluster.kubectl import Kubectl, KubectlError
from envctl.cluster.progress import Progress
from envctl.manifests.base import Manifest
from envctl.manifests.kinds import resource

LOG_TAIL_LINES = 40
MAX_PODS_EXPLAINED = 3
MAX_EVENTS = 20


@dataclass(frozen=True)
class Waited:
    name: str
    ok: bool
    seconds: float
    detail: str


class RolloutFailed(Exception):
    """Something did not become ready; `diagnostics` holds events and logs."""

    def __init__(self, failed: list[Waited], diagnostics: str) -> None:
        self.failed = failed
        self.diagnostics = diagnostics
        names = ", ".join(f"{w.name} ({w.detail})" for w in failed)
        super().__init__(f"not ready: {names}")


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def remaining(self) -> int:
        return max(int(self.end - time.monotonic()), 1)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _show(progress: Progress, name: str, line: str) -> None:
    # The closing "successfully rolled out" line is shown by `finish`, with the time taken.
    if line.strip() and "successfully rolled out" not in line:
        progress.update(name, line.strip())


def _watch_deployment(
    kubectl: Kubectl, item: Manifest, deadline: Deadline, progress: Progress
) -> Waited:
    name = f"deployment/{item['metadata']['name']}"
    started = time.monotonic()
    progress.update(name, "waiting")
    try:
        result = kubectl.stream(
            "rollout",
            "status",
            f"{resource('Deployment')}/{item['metadata']['name']}",
            "-n",
            item["metadata"]["namespace"],
            f"--timeout={deadline.remaining()}s",
            on_line=lambda line: _show(progress, name, line),
            timeout_seconds=deadline.remaining(),
        )
        ok, detail = (
            result.returncode == 0,
            _last_line(result.stdout if result.returncode == 0 else result.stderr or result.stdout),
        )
    except OSError as error:
        ok, detail = False, str(error)
    seconds = time.monotonic() - started
    progress.finish(name, ok, f"{detail} ({seconds:.1f}s)")
    return Waited(name, ok, seconds, detail)


def wait_for_deployments(
    kubectl: Kubectl, deployments: list[Manifest], deadline: Deadline, progress: Progress
) -> list[Waited]:
    outcomes: list[Waited] = []
    lock = threading.Lock()

    def watch(item: Manifest) -> None:
        outcome = _watch_deployment(kubectl, item, deadline, progress)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=watch, args=(item,)) for item in deployments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    progress.close()
    return sorted(outcomes, key=lambda w: w.name)


def wait_for_jobs(
    kubectl: Kubectl, jobs: list[Manifest], deadline: Deadline, progress: Progress
) -> list[Waited]:
    outcomes = []
    for item in jobs:
        name = f"job/{item['metadata']['name']}"
        started = time.monotonic()
        progress.update(name, "waiting for completion")
        result = kubectl.wait_job_complete(
            item["metadata"]["name"], item["metadata"]["namespace"], deadline.remaining()
        )
        ok = result.returncode == 0
        detail = _last_line(result.stdout if ok else result.stderr or result.stdout)
        seconds = time.monotonic() - started
        progress.finish(name, ok, f"{detail} ({seconds:.1f}s)")
        outcomes.append(Waited(name, ok, seconds, detail))
    progress.close()
    return outcomes


def missing_managed_secrets(
    kubectl: Kubectl,
    doppler_secrets: list[Manifest],
    deadline: Deadline,
    say: Callable[[str], None],
) -> list[str]:
    """Wait for the Secret the Doppler operator writes from each DopplerSecret: the pods read it
    and cannot start before it exists. Returns what is still missing at the deadline."""
    missing = []
    for item in doppler_secrets:
        name, namespace = item["metadata"]["name"], item["metadata"]["namespace"]
        managed = item["spec"]["managedSecret"]["name"]
        say(f"waiting for the Doppler operator to write Secret {managed} (DopplerSecret {name})")
        if not kubectl.wait_created("Secret", managed, namespace, deadline.remaining()):
            missing.append(f"Secret {managed} (DopplerSecret {name})")
    return missing


def _ready(pod: Manifest) -> bool:
    conditions = pod.get("status", {}).get("conditions", [])
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _pod_selector(item: Manifest) -> dict[str, str]:
    labels: dict[str, str] = item["spec"].get("selector", {}).get("matchLabels") or {}
    return labels or dict(item["spec"]["template"]["metadata"]["labels"])


def _event_line(event: Manifest) -> str:
    involved = event.get("involvedObject", {})
    count = event.get("count") or 1
    when = event.get("lastTimestamp") or event.get("eventTime") or ""
    return (
        f"    {when:<20} {event.get('type', ''):<8} {event.get('reason', ''):<22} "
        f"{involved.get('kind', '').lower()}/{involved.get('name', '')}: "
        f"{event.get('message', '').strip()}" + (f" (x{count})" if count > 1 else "")
    )


def explain(kubectl: Kubectl, namespace: str, workloads: list[Manifest]) -> str:
    """Events and last log lines of the workloads' pods that are not ready."""
    out: list[str] = []
    events: list[Manifest] = []
    try:
        events = kubectl.list_objects(["Event"], namespace=namespace)
    except KubectlError as error:
        out.append(f"  (events unavailable: {error})")
    for item in workloads:
        name = item["metadata"]["name"]
        try:
            pods = kubectl.list_objects(["Pod"], namespace=namespace, labels=_pod_selector(item))
        except KubectlError as error:
            out.append(f"  {item['kind'].lower()}/{name}: pods unavailable: {error}")
            continue
        failing = [pod for pod in pods if not _ready(pod)][:MAX_PODS_EXPLAINED]
        names = {pod["metadata"]["name"] for pod in failing}
        related = [
            event
            for event in events
            if event.get("involvedObject", {}).get("name") in names
            or event.get("involvedObject", {}).get("name", "") == name
            or event.get("involvedObject", {}).get("name", "").startswith(name + "-")
        ]
        related.sort(key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""))
        out.append(f"  {item['kind'].lower()}/{name}: {len(failing)} pod(s) not ready")
        if related:
            out.append("  events:")
            out += [_event_line(event) for event in related[-MAX_EVENTS:]]
        for pod in failing:
            pod_name = pod["metadata"]["name"]
            out.append(f"  last {LOG_TAIL_LINES} log lines of pod/{pod_name} (all containers):")
            logs = kubectl.logs(pod_name, namespace, LOG_TAIL_LINES).rstrip()
            out += ["    " + line for line in (logs.splitlines() or ["(no logs)"])]
    return "\n".join(out)
