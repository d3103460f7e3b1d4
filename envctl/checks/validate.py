"""`envctl validate`: every check of issue 3 over one rendered environment, offline.

Checks: render determinism, kubernetes-validate --strict for each supported minor, the policy
checks, isolation against a neighbouring preview, and checkov. Each yields a `CheckResult`;
the command prints one line per check and fails if any problem is found.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from envctl.checks.checkov import CHECKOV_VERSION, CheckovError, run_checkov
from envctl.checks.isolation import isolation_problems
from envctl.checks.policy import policy_checks
from envctl.checks.schema import SUPPORTED_KUBERNETES_VERSIONS, SchemaToolError, schema_problems
from envctl.manifests.base import Manifest
from envctl.manifests.render import build_objects, to_yaml, write_files
from envctl.manifests.workloads import containers, pod_specs
from envctl.model.environment import Environment, EnvironmentKind, build_environment

MAX_SHOWN_PROBLEMS = 10


@dataclass(frozen=True)
class CheckResult:
    name: str
    detail: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        status = "ok  " if self.ok else "FAIL"
        lines = [f"{status}  {self.name:<42} {self.detail}"]
        lines += [f"      - {problem}" for problem in self.problems[:MAX_SHOWN_PROBLEMS]]
        if len(self.problems) > MAX_SHOWN_PROBLEMS:
            lines.append(f"      ... and {len(self.problems) - MAX_SHOWN_PROBLEMS} more")
        return lines


def render_check(env: Environment, objects: list[Manifest]) -> CheckResult:
    """Two renders give the same bytes, and the YAML reads back as the same data."""
    text = to_yaml(objects)
    problems = []
    if to_yaml(build_objects(env)) != text:
        problems.append("two renders of the same inputs differ")
    if [item for item in yaml.safe_load_all(text)] != objects:
        problems.append("the YAML does not read back as the rendered data")
    return CheckResult(
        "render", f"{len(objects)} objects, {len(text.splitlines())} lines", problems
    )


def neighbour(env: Environment) -> Environment:
    """Another environment to check isolation against: the next preview, or preview 1."""
    pr = env.pr_number + 1 if env.pr_number is not None else 1
    return build_environment(
        EnvironmentKind.PREVIEW, pr, env.config, image=env.image, deployed_at=env.deployed_at
    )


def isolation_check(env: Environment, objects: list[Manifest]) -> CheckResult:
    other = neighbour(env)
    problems = isolation_problems(objects, build_objects(other))
    return CheckResult(
        f"isolation vs {other.namespace}", "no shared objects, no crossing selectors", problems
    )


def checkov_check(objects: list[Manifest]) -> CheckResult:
    name = f"checkov {CHECKOV_VERSION}"
    with tempfile.TemporaryDirectory(prefix="envctl-checkov-") as directory:
        write_files(objects, Path(directory))
        try:
            report = run_checkov(Path(directory))
        except CheckovError as error:
            return CheckResult(name, "did not run", [str(error)])
    problems = list(report.failures)
    if report.parsing_errors:
        problems.append(f"{report.parsing_errors} files checkov could not parse")
    return CheckResult(name, report.summary, problems)


def run_checks(env: Environment, *, with_checkov: bool = True) -> Iterator[CheckResult]:
    objects = build_objects(env)
    yield render_check(env, objects)
    for version in SUPPORTED_KUBERNETES_VERSIONS:
        try:
            problems = schema_problems(objects, version)
        except SchemaToolError as error:
            problems = [str(error)]
        yield CheckResult(
            f"kubernetes-validate --strict {version}", f"{len(objects)} objects", problems
        )
    checks: dict[str, Callable[[list[Manifest]], list[str]]] = policy_checks(env.image)
    workloads = list(pod_specs(objects))
    container_count = sum(len(list(containers(pod))) for _, pod in workloads)
    scope = f"{len(objects)} objects, {container_count} containers in {len(workloads)} workloads"
    for name, check in checks.items():
        yield CheckResult(name, scope, check(objects))
    yield isolation_check(env, objects)
    if with_checkov:
        yield checkov_check(objects)
