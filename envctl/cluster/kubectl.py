"""Every call envctl makes to a cluster goes through `kubectl`, run as a subprocess.

Why kubectl and not the Python client: it is on every GitHub runner and understands every
kubeconfig auth plugin (exec credentials for EKS, GKE, AKS, OIDC) without envctl knowing them.
Secret material is only ever passed on stdin, never in argv, files or logs. `KUBECTL` names
another executable (tests point it at a fault injector around the real kubectl).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from envctl.manifests.base import Manifest
from envctl.manifests.kinds import resource

KUBECTL_ENV = "KUBECTL"
FIELD_MANAGER = "envctl"


_KLOG_LINE = re.compile(r"^[IWEF]\d{4} ")  # client-go's internal logging, e.g. discovery retries


def _reason(stderr: str) -> str:
    """The lines of kubectl's stderr a person needs: its own last words, not client-go's log."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    own = [line for line in lines if not _KLOG_LINE.match(line) and not line.startswith("Warning:")]
    return " | ".join((own or lines)[-2:]) or "no output"


class KubectlError(Exception):
    """kubectl failed; the message carries its exit code and the last lines of its stderr."""

    def __init__(self, args: Sequence[str], returncode: int, stderr: str) -> None:
        self.returncode = returncode
        self.stderr = stderr
        shown = " ".join(args[:3])
        super().__init__(f"kubectl {shown} failed (exit {returncode}): {_reason(stderr)}")


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def object_key(item: Manifest) -> tuple[str, str, str]:
    """(kind, namespace, name): how envctl tells objects apart."""
    meta = item["metadata"]
    return item["kind"], meta.get("namespace", ""), meta["name"]


def selector(labels: dict[str, str]) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


def items_of(document: Manifest) -> list[Manifest]:
    """A `List` (or one object) as printed by `kubectl ... -o json`."""
    if document.get("kind", "").endswith("List") and "items" in document:
        return list(document["items"])
    return [document] if document else []


class Kubectl:
    def __init__(self, executable: str | None = None) -> None:
        self.executable = executable or os.environ.get(KUBECTL_ENV) or "kubectl"

    def run(
        self,
        *args: str,
        stdin: bytes | None = None,
        check: bool = True,
        timeout: float | None = None,
    ) -> Result:
        try:
            completed = subprocess.run(  # noqa: S603  (argv list, no shell)
                [self.executable, *args],
                input=stdin if stdin is not None else b"",
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except FileNotFoundError:
            raise self._not_found(args) from None
        except subprocess.TimeoutExpired:
            raise KubectlError(args, 124, f"no answer within {timeout:.0f}s") from None
        result = Result(
            completed.returncode,
            completed.stdout.decode(errors="replace"),
            completed.stderr.decode(errors="replace"),
        )
        if check and result.returncode != 0:
            raise KubectlError(args, result.returncode, result.stderr)
        return result

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        """Start kubectl with its output as text pipes, for callers that read as it runs."""
        try:
            return subprocess.Popen(  # noqa: S603  (argv list, no shell)
                [self.executable, *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
            )
        except FileNotFoundError:
            raise self._not_found(args) from None

    def _not_found(self, args: Sequence[str]) -> KubectlError:
        return KubectlError(
            args, 127, f"{self.executable}: not found; install kubectl or set {KUBECTL_ENV}"
        )

    def json(self, *args: str, timeout: float | None = None) -> Manifest:
        text = self.run(*args, "-o", "json", timeout=timeout).stdout
        document: Manifest = json.loads(text) if text.strip() else {}
        return document

    def can_i(self, verb: str, what: str, namespace: str | None = None) -> bool:
        """True if allowed, False if the cluster says no; KubectlError if it cannot be asked."""
        args = ["auth", "can-i", verb, what, "--request-timeout=15s"]
        if namespace:
            args += ["-n", namespace]
        result = self.run(*args, check=False, timeout=30)
        answer = result.stdout.strip()
        if answer in ("yes", "no"):
            return answer == "yes"
        raise KubectlError(args, result.returncode, result.stderr)

    def has_api_group(self, group: str) -> bool:
        result = self.run("api-resources", f"--api-group={group}", "-o", "name", timeout=30)
        return bool(result.stdout.strip())

    def get(self, kind: str, name: str, namespace: str | None = None) -> Manifest | None:
        args = ["get", resource(kind), name, "--ignore-not-found"]
        if namespace:
            args += ["-n", namespace]
        document = self.json(*args)
        return document or None

    def list_objects(
        self,
        kinds: Sequence[str],
        *,
        namespace: str | None = None,
        labels: dict[str, str] | None = None,
        all_namespaces: bool = False,
        managed_fields: bool = False,
    ) -> list[Manifest]:
        args = ["get", ",".join(resource(kind) for kind in kinds)]
        if all_namespaces:
            args.append("--all-namespaces")
        elif namespace:
            args += ["-n", namespace]
        if labels:
            args += ["-l", selector(labels)]
        if managed_fields:
            args.append("--show-managed-fields")
        return items_of(self.json(*args))

    def apply(self, objects: Sequence[Manifest]) -> list[Manifest]:
        """Server-side apply as field manager `envctl`; the objects travel on stdin."""
        document = {"apiVersion": "v1", "kind": "List", "items": list(objects)}
        result = self.run(
            "apply",
            "--server-side",
            f"--field-manager={FIELD_MANAGER}",
            "--force-conflicts",
            "-f",
            "-",
            "-o",
            "json",
            stdin=json.dumps(document).encode(),
        )
        return items_of(json.loads(result.stdout)) if result.stdout.strip() else []

    def delete(
        self, kind: str, name: str, namespace: str | None = None, timeout_seconds: int = 60
    ) -> None:
        self._delete([resource(kind), name], namespace, timeout_seconds)

    def delete_all(
        self, kinds: Sequence[str], namespace: str, timeout_seconds: int, cascade: str
    ) -> None:
        """Every object of these kinds in the namespace, waiting until they are gone; with
        `cascade="foreground"` an owner is gone only once its pods are."""
        what = ",".join(resource(kind) for kind in kinds)
        self._delete([what, "--all", f"--cascade={cascade}"], namespace, timeout_seconds)

    def _delete(self, what: list[str], namespace: str | None, timeout_seconds: int) -> None:
        args = [
            "delete",
            *what,
            "--ignore-not-found",
            "--wait=true",
            f"--timeout={timeout_seconds}s",
        ]
        if namespace:
            args += ["-n", namespace]
        self.run(*args, timeout=timeout_seconds + 30)

    def wait_job_complete(self, name: str, namespace: str, timeout_seconds: int) -> Result:
        return self.run(
            "wait",
            "--for=condition=complete",
            f"{resource('Job')}/{name}",
            "-n",
            namespace,
            f"--timeout={timeout_seconds}s",
            check=False,
            timeout=timeout_seconds + 30,
        )

    def wait_created(self, kind: str, name: str, namespace: str, timeout_seconds: int) -> bool:
        """Wait until the object exists; False if it is still missing at the timeout."""
        args = ["wait", "--for=create", f"{resource(kind)}/{name}", "-n", namespace]
        result = self.run(
            *args, f"--timeout={timeout_seconds}s", check=False, timeout=timeout_seconds + 30
        )
        if result.returncode == 0:
            return True
        if "timed out" in result.stderr:
            return False
        raise KubectlError(args, result.returncode, result.stderr)

    def wait_deleted(self, kind: str, name: str, timeout_seconds: int) -> bool:
        """Wait until the object is gone; False if it is still there at the timeout."""
        result = self.run(
            "wait",
            "--for=delete",
            f"{resource(kind)}/{name}",
            f"--timeout={timeout_seconds}s",
            check=False,
            timeout=timeout_seconds + 30,
        )
        if result.returncode == 0 or "not found" in result.stderr:
            return True
        if "timed out" in result.stderr:
            return False
        raise KubectlError(["wait", "--for=delete", name], result.returncode, result.stderr)

    def logs(self, pod: str, namespace: str, tail: int) -> str:
        result = self.run(
            "logs",
            pod,
            "-n",
            namespace,
            "--all-containers=true",
            "--prefix=true",
            f"--tail={tail}",
            check=False,
            timeout=60,
        )
        return result.stdout if result.returncode == 0 else result.stderr

    def stream(self, *args: str, on_line: Callable[[str], None], timeout_seconds: float) -> Result:
        """Run and hand every output line to `on_line` as it comes (rollout status)."""
        process = self.spawn(*args)
        killer = threading.Timer(timeout_seconds + 30, process.kill)
        killer.start()
        stderr: list[str] = []
        drain = threading.Thread(target=lambda: stderr.extend(process.stderr or []))
        drain.start()
        lines: list[str] = []
        try:
            for line in process.stdout or []:
                lines.append(line)
                on_line(line.rstrip("\n"))
            returncode = process.wait()
        finally:
            killer.cancel()
            drain.join()
        return Result(returncode, "".join(lines), "".join(stderr))
