"""make bench-deploy: envctl deploy, redeploy and destroy timed against a real API server.

The local control plane (cluster/up.sh, or ENVCTL_TEST_KUBECONFIG's cluster) and a real
PostgreSQL playing the shared preview server. Each round deploys a new preview (start to every
rollout complete; the smoke test needs real pods, so it is skipped), redeploys it unchanged,
redeploys a new image, and destroys it. The baseline, run in the same script on the same server,
is what a bare script would do: `kubectl apply --server-side` of the same rendered manifests and
`kubectl rollout status` of each Deployment, so the ratio is envctl's own cost (pre-flight,
database, ordering, prune, checks). The Doppler operator's stand-in writes the managed Secret.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from pathlib import Path

from bench.sections import write_section
from devstack.deploy_inputs import DOPPLER_TOKEN, IMAGE, NEXT_IMAGE, config_text
from devstack.doppler_operator import DopplerOperator
from devstack.kube_cluster import Admin, KubeServer
from devstack.kubectl_faults import KubectlFaults
from devstack.postgres import PostgresServer

ENVCTL = Path(sys.executable).with_name("envctl")
SEED_CD_DEPLOY = "3-4 min"  # the seed's cd/deploy workflow, as the issue quotes it


def timed(run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


class Bench:
    def __init__(self, server: KubeServer, postgres: PostgresServer, scratch: Path) -> None:
        self.admin = Admin(server.kubeconfig)
        self.scratch = scratch
        self.config = scratch / "envctl.toml"
        self.config.write_text(config_text(postgres.port), encoding="utf-8")
        self.environ = {
            **os.environ,
            "KUBECONFIG": str(server.kubeconfig),
            "KUBECTL": shutil.which("kubectl") or "kubectl",
            "ENVCTL_DATABASE_ADMIN_URL": postgres.url(),
            "ENVCTL_DOPPLER_TOKEN": DOPPLER_TOKEN,
            "CI": "true",
        }

    def envctl(self, *args: str, **extra: str) -> None:
        completed = subprocess.run(
            [str(ENVCTL), *args, "--config", str(self.config)],
            env={**self.environ, **extra},
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise SystemExit(
                f"envctl {' '.join(args)} failed:\n{completed.stdout}{completed.stderr}"
            )

    def deploy(self, pr: str, image: str = IMAGE, **extra: str) -> None:
        self.envctl("deploy", "preview", "--pr", pr, "--image", image, "--skip-smoke", **extra)

    def bare_apply(self, pr: int) -> float:
        """The baseline: the same manifests, applied and waited for by kubectl alone."""
        out = self.scratch / f"render-{pr}"
        self.envctl_render(pr, out)
        namespace = f"pr-{pr}"

        def run() -> None:
            self.admin.run("apply", "--server-side", "--field-manager=bare", "-f", str(out))
            for name in ("temporal", "web"):
                self.admin.run("rollout", "status", f"deployment/{name}", "-n", namespace)

        seconds = timed(run)
        self.admin.run("delete", "namespace", namespace, "--wait=true")
        return seconds

    def envctl_render(self, pr: int, out: Path) -> None:
        subprocess.run(
            [
                str(ENVCTL),
                "render",
                "preview",
                "--pr",
                str(pr),
                "--image",
                IMAGE,
                "--secrets-mode",
                "plain",
                "--out",
                str(out),
            ],
            check=True,
            capture_output=True,
        )

    def kubectl_calls_per_deploy(self, pr: str) -> tuple[int, int, float]:
        """Calls of a first deploy and of a redeploy, and the redeploy's seconds before its
        first kubectl call (the subprocess's start-up: imports, config, render)."""
        faults = KubectlFaults(self.scratch / "calls")
        extra = faults.environ()
        self.deploy(pr, **extra)
        first = len(faults.calls())
        faults.forget_calls()
        started = time.time()
        self.deploy(pr, **extra)
        calls = faults.calls()
        self.envctl("destroy", "preview", "--pr", pr)
        return first, len(calls), calls[0].at - started


def table(rows: list[tuple[str, list[float], str]], base: float) -> list[str]:
    lines = [
        "| step | median | min | max | goal | ratio to the baseline |",
        "|---|---|---|---|---|---|",
    ]
    for name, seconds, goal in rows:
        median = statistics.median(seconds)
        lines.append(
            f"| {name} | {median:.1f} s | {min(seconds):.1f} s | {max(seconds):.1f} s | "
            f"{goal} | {median / base:.2f}x |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(prog="make bench-deploy")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-deploy-") as tmp, ExitStack() as cleanup:
        scratch = Path(tmp)
        started = time.perf_counter()
        server = KubeServer.for_session(scratch / "cluster")
        cleanup.callback(server.stop)  # whatever fails next, the cluster is stopped
        cluster_up = time.perf_counter() - started
        # Not under the 0700 scratch folder: PostgreSQL runs as its own user.
        postgres = PostgresServer.create(
            Path(tempfile.gettempdir()) / f"pg-bench-deploy-{uuid.uuid4().hex[:8]}"
        )
        cleanup.callback(postgres.destroy)
        postgres.start()
        bench = Bench(server, postgres, scratch)
        operator = DopplerOperator(bench.admin)
        operator.start()
        cleanup.callback(operator.stop)
        return report(bench, args.rounds, cluster_up, server)


def report(bench: Bench, rounds: int, cluster_up: float, server: KubeServer) -> int:
    deploy: list[float] = []
    redeploy: list[float] = []
    new_image: list[float] = []
    destroy: list[float] = []
    bare: list[float] = []
    for round_number in range(rounds):
        pr = str(300 + round_number)
        bare.append(bench.bare_apply(400 + round_number))
        deploy.append(timed(partial(bench.deploy, pr)))
        redeploy.append(timed(partial(bench.deploy, pr)))
        new_image.append(timed(partial(bench.deploy, pr, NEXT_IMAGE)))
        destroy.append(timed(partial(bench.envctl, "destroy", "preview", "--pr", pr)))
        print(
            f"round {round_number + 1}: deploy {deploy[-1]:.1f}s, redeploy {redeploy[-1]:.1f}s, "
            f"new image {new_image[-1]:.1f}s, destroy {destroy[-1]:.1f}s, bare {bare[-1]:.1f}s"
        )
    calls_first, calls_again, start_up = bench.kubectl_calls_per_deploy("399")
    text = table(
        [
            ("deploy (new preview, to every rollout complete)", deploy, "<= 30 s"),
            ("redeploy, same inputs (nothing changes)", redeploy, "<= 10 s"),
            ("redeploy, new image (2 Deployments roll)", new_image, "-"),
            ("destroy (namespace finalized, database dropped)", destroy, "-"),
            ("baseline: bare `kubectl apply` + `rollout status`", bare, "-"),
        ],
        statistics.median(bare),
    )
    where = (
        "the local control plane (cluster/up.sh)"
        if server.directory
        else "ENVCTL_TEST_KUBECONFIG's cluster"
    )
    markdown = "\n".join(
        [
            "## Deploy, redeploy, destroy on a real API server (`make bench-deploy`)",
            "",
            f"`envctl` as a subprocess against {where}: kube-apiserver, controller-manager and "
            "scheduler built from source, kwok nodes, so pods are Ready as soon as the "
            "controllers and the scheduler have done their part (no image pull, no container "
            "start). A real PostgreSQL as the shared preview server; the Doppler operator's "
            f"stand-in writes `app-secrets`. {rounds} rounds, smoke test skipped (it needs "
            f"running pods). Bringing the cluster up took {cluster_up:.0f} s (binaries cached).",
            "",
            *text,
            "",
            f"kubectl calls: {calls_first} for a first deploy, {calls_again} for a redeploy of "
            "the same inputs (counted through the fault injector's call log, no faults set). "
            f"That redeploy's first kubectl call came {start_up:.1f} s after envctl was started "
            "(Python start-up, config, render).",
            "",
            f"For comparison, the seed's cd/deploy took {SEED_CD_DEPLOY} per deploy. Goals: "
            "deploy <= 30 s, redeploy <= 10 s.",
        ]
    )
    write_section("deploy", markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
