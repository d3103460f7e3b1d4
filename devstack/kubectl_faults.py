"""A fault injector around the real `kubectl`: the only thing between envctl and the API server.

Run as a program (through the shim `KubectlFaults` writes and `KUBECTL` names), it appends every
invocation to `calls.jsonl` (argv, whether stdin had data, for `apply` the kind/name of each
object it carried, never their contents, and when it started), then either answers as a rule
says (a test asked one named call to fail) or runs the real kubectl with the same arguments
and stdin. It simulates no cluster behaviour: every answer that is not an injected fault comes
from the real API server.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FAULTS_DIR_ENV = "KUBECTL_FAULTS_DIR"
REAL_KUBECTL_ENV = "KUBECTL_FAULTS_REAL"


@dataclass(frozen=True)
class Call:
    argv: list[str]
    stdin: bool
    objects: list[str]
    at: float = 0.0  # when it started (time.time()): what envctl did between calls is measurable

    @property
    def text(self) -> str:
        return " ".join(self.argv)


class KubectlFaults:
    """Write the shim, set the rules, read back what envctl ran."""

    def __init__(self, directory: Path, real_kubectl: str | None = None) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.real = real_kubectl or shutil.which("kubectl") or "kubectl"
        self.executable = directory / "kubectl"
        self.executable.write_text(
            f'#!/bin/sh\nexec "{sys.executable}" "{Path(__file__).resolve()}" "$@"\n'
        )
        self.executable.chmod(0o755)
        self._write_rules([])

    def environ(self) -> dict[str, str]:
        return {
            "KUBECTL": str(self.executable),
            FAULTS_DIR_ENV: str(self.directory),
            REAL_KUBECTL_ENV: self.real,
        }

    def _write_rules(self, rules: list[dict[str, Any]]) -> None:
        (self.directory / "rules.json").write_text(json.dumps(rules))

    def fail(self, *argv: str, exit: int = 1, stderr: str = "", stdout: str = "") -> None:
        """Answer every call whose argv starts with `argv` like this, without running it."""
        rules = json.loads((self.directory / "rules.json").read_text())
        rules.append({"argv": list(argv), "exit": exit, "stderr": stderr, "stdout": stdout})
        self._write_rules(rules)

    def heal(self) -> None:
        self._write_rules([])

    def calls(self) -> list[Call]:
        path = self.directory / "calls.jsonl"
        if not path.exists():
            return []
        return [Call(**json.loads(line)) for line in path.read_text().splitlines()]

    def forget_calls(self) -> None:
        (self.directory / "calls.jsonl").unlink(missing_ok=True)


def _applied(argv: list[str], stdin: bytes) -> list[str]:
    if argv[:1] != ["apply"] or not stdin:
        return []
    document = json.loads(stdin)
    items = document["items"] if document.get("kind") == "List" else [document]
    return [f"{item['kind']}/{item['metadata']['name']}" for item in items]


def main() -> int:
    directory = Path(os.environ[FAULTS_DIR_ENV])
    real = os.environ[REAL_KUBECTL_ENV]
    argv = sys.argv[1:]
    stdin = b"" if sys.stdin.isatty() else sys.stdin.buffer.read()
    call = {"argv": argv, "stdin": bool(stdin), "objects": _applied(argv, stdin), "at": time.time()}
    # Rollouts are watched in parallel: appends are serialised so no line is torn.
    with (directory / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with (directory / "calls.jsonl").open("a") as log:
            log.write(json.dumps(call) + "\n")
        rules = json.loads((directory / "rules.json").read_text())
    for rule in rules:
        if argv[: len(rule["argv"])] == rule["argv"]:
            sys.stdout.write(rule["stdout"])
            sys.stderr.write(rule["stderr"])
            return int(rule["exit"])
    if not stdin:  # nothing to hand on: become kubectl, so streamed output stays streamed
        os.execv(real, [real, *argv])  # noqa: S606  (the real kubectl, argv list)
    completed = subprocess.run([real, *argv], input=stdin, check=False)
    return completed.returncode


if __name__ == "__main__":
    sys.exit(main())
