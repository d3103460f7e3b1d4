"""A stand-in for the Doppler operator, because Doppler is a hosted service that cannot run here.

It does the one thing deploy relies on: for every DopplerSecret on the (real) API server it
writes the managed Secret the spec names, as the operator does after fetching the config. It
watches through the real kubectl and touches nothing else. Tests that need the operator absent
mark themselves `without_doppler_operator`.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
from typing import Any

from devstack.kube_cluster import Admin

FETCHED = {"APP_SECRET_KEY": "from-the-doppler-stand-in", "LOG_LEVEL": "INFO"}


class DopplerOperator:
    def __init__(self, admin: Admin) -> None:
        self.admin = admin
        self.process: subprocess.Popen[str] | None = None
        self.thread: threading.Thread | None = None
        self.written: list[str] = []

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.admin.kubectl,
                "--kubeconfig",
                str(self.admin.kubeconfig),
                "get",
                "dopplersecrets.secrets.doppler.com",
                "--all-namespaces",
                "--watch",
                "-o",
                "json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.thread = threading.Thread(target=self._follow, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
        if self.thread is not None:
            self.thread.join(timeout=10)

    def _follow(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        text = ""
        for line in self.process.stdout:  # one pretty-printed JSON object after another
            text += line
            try:
                item = json.loads(text)
            except json.JSONDecodeError:
                continue
            text = ""
            with contextlib.suppress(Exception):  # a namespace going away under us
                self._write(item)

    def _write(self, item: dict[str, Any]) -> None:
        if item["metadata"].get("deletionTimestamp"):
            return
        managed = item["spec"]["managedSecret"]
        namespace = managed.get("namespace") or item["metadata"]["namespace"]
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": managed["name"], "namespace": namespace},
            "type": managed.get("type", "Opaque"),
            "stringData": FETCHED,
        }
        created = self.admin.create(secret, check=False)
        if created.returncode == 0:
            self.written.append(f"{namespace}/{managed['name']}")
