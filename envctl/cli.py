"""The `envctl` command line: render, validate and explain every environment; deploy,
destroy, expire and list them; smoke-test a running stack; post a sticky PR comment.

Each command turns its flags into an `Environment` through `environment_from_flags`, so every
command takes the same flags with the same checks. Bad input ends with one line naming the
field and what was expected, and exit code 2; a lifecycle step that fails ends with what went
wrong (and, for a rollout, the pods' events and logs) and exit code 1.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from app.temporal_address import RULE_DESCRIPTIONS
from envctl.checks.validate import run_checks
from envctl.cluster.kubectl import Kubectl
from envctl.cluster.progress import progress_for
from envctl.commands.deploy import DeployOptions, deploy
from envctl.commands.destroy import DestroyOptions, destroy
from envctl.commands.gc import gc as collect_garbage
from envctl.commands.github import GitHub, GitHubError, require_comment_key
from envctl.commands.histories import export_from_environment
from envctl.commands.listing import environment_rows, table
from envctl.commands.report import SUMMARY_ENV, publish
from envctl.commands.smoke import SmokeFailed, smoke_test
from envctl.commands.tools import CommandFailed, Tools
from envctl.commands.worker_rollout import versioned_rollout
from envctl.manifests.container_env import container_address, temporal_clients
from envctl.manifests.render import build_objects, to_yaml, write_files
from envctl.model.config import ConfigError, load_config
from envctl.model.environment import Environment, build_environment, parse_deployed_at, parse_kind
from envctl.model.inputs import (
    InputError,
    parse_duration,
    parse_pr_number,
    require_commit,
    require_dns_subdomain,
    require_domain,
    require_host_port,
    require_image_ref,
    require_namespace_prefix,
    require_sql_identifier,
    require_temporal_namespace,
)
from envctl.model.preview_policy import decide
from envctl.pooler_cli import pooler_app

USAGE_ERROR = 2
CHECK_FAILED = 1

app = typer.Typer(
    name="envctl",
    help="Render, check, deploy, destroy and expire every environment (preview, "
    "permanent-preview, production) on Kubernetes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(pooler_app)

EnvArgument = Annotated[
    str,
    typer.Argument(
        metavar="ENV", help="preview, permanent-preview or production.", show_default=False
    ),
]
PrOption = Annotated[
    str | None, typer.Option("--pr", metavar="N", help="Pull-request number (previews only).")
]
ImageOption = Annotated[
    str | None,
    typer.Option("--image", metavar="REF", help="App image, pinned: repo:tag or repo@sha256:..."),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", metavar="PATH", help="Config file [default: deploy/envctl.toml]."),
]
DomainOption = Annotated[str | None, typer.Option("--domain", help="Overrides `domain`.")]
PrefixOption = Annotated[
    str | None, typer.Option("--namespace-prefix", help="Overrides `namespace_prefix`.")
]
IngressClassOption = Annotated[
    str | None, typer.Option("--ingress-class", help="Overrides `ingress_class`.")
]
IssuerOption = Annotated[str | None, typer.Option("--tls-issuer", help="Overrides `tls_issuer`.")]
SecretsModeOption = Annotated[
    str | None, typer.Option("--secrets-mode", help="doppler or plain; overrides `secrets_mode`.")
]


@contextmanager
def user_errors() -> Iterator[None]:
    """Bad input or config: one readable message on stderr, exit 2, no traceback."""
    try:
        yield
    except (InputError, ConfigError) as error:
        typer.echo(f"envctl: {error}", err=True)
        raise typer.Exit(USAGE_ERROR) from None


def config_overrides(
    domain: str | None,
    namespace_prefix: str | None,
    ingress_class: str | None,
    tls_issuer: str | None,
    secrets_mode: str | None,
) -> dict[str, Any]:
    """Flags that replace config keys, each checked under the flag's own name."""
    if domain is not None:
        require_domain(domain, "--domain")
    if namespace_prefix is not None:
        require_namespace_prefix(namespace_prefix, "--namespace-prefix")
    if ingress_class is not None:
        require_dns_subdomain(ingress_class, "--ingress-class")
    if tls_issuer:
        require_dns_subdomain(tls_issuer, "--tls-issuer")
    if secrets_mode is not None and secrets_mode not in ("doppler", "plain"):
        raise InputError("--secrets-mode", "'doppler' or 'plain'", secrets_mode)
    return {
        "domain": domain,
        "namespace_prefix": namespace_prefix,
        "ingress_class": ingress_class,
        "tls_issuer": tls_issuer,
        "secrets_mode": secrets_mode,
    }


def environment_from_flags(
    env_name: str,
    pr: str | None,
    *,
    image: str | None = None,
    deployed_at: str | None = None,
    config_path: Path | None = None,
    overrides: dict[str, Any] | None = None,
    commit: str | None = None,
) -> Environment:
    """Check every flag, then load the config; nothing renders before this succeeds."""
    kind = parse_kind(env_name)
    pr_number = parse_pr_number(pr) if pr is not None else None
    if image is not None:
        require_image_ref(image, "--image")
    when = parse_deployed_at(deployed_at) if deployed_at is not None else None
    config = load_config(config_path, overrides)
    return build_environment(kind, pr_number, config, image=image, deployed_at=when, commit=commit)


@app.command()
def render(
    env_name: EnvArgument,
    pr: PrOption = None,
    image: ImageOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="DIR", help="Write one file per object into DIR (empty or new)."
        ),
    ] = None,
    deployed_at: Annotated[
        str | None,
        typer.Option(
            "--deployed-at",
            metavar="TIME",
            help="ISO 8601 time for the namespace's deployed-at label "
            "[default: 1970-01-01T00:00:00Z, so render is deterministic].",
        ),
    ] = None,
    config: ConfigOption = None,
    domain: DomainOption = None,
    namespace_prefix: PrefixOption = None,
    ingress_class: IngressClassOption = None,
    tls_issuer: IssuerOption = None,
    secrets_mode: SecretsModeOption = None,
) -> None:
    """Print the environment's manifests as YAML in apply order, or write them into DIR."""
    with user_errors():
        if out is not None and out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise InputError("--out", "a new or empty directory", str(out))
        overrides = config_overrides(
            domain, namespace_prefix, ingress_class, tls_issuer, secrets_mode
        )
        env = environment_from_flags(
            env_name,
            pr,
            image=image,
            deployed_at=deployed_at,
            config_path=config,
            overrides=overrides,
        )
    objects = build_objects(env)
    if out is None:
        typer.echo(to_yaml(objects), nl=False)
        return
    paths = write_files(objects, out)
    typer.echo(f"wrote {len(paths)} files to {out}", err=True)


@app.command()
def validate(
    env_name: EnvArgument,
    pr: PrOption = None,
    image: ImageOption = None,
    skip_checkov: Annotated[
        bool, typer.Option("--skip-checkov", help="Skip checkov (for a quick local loop).")
    ] = False,
    config: ConfigOption = None,
    domain: DomainOption = None,
    namespace_prefix: PrefixOption = None,
    ingress_class: IngressClassOption = None,
    tls_issuer: IssuerOption = None,
    secrets_mode: SecretsModeOption = None,
) -> None:
    """Run every check (schemas, policies, isolation, checkov) offline; exit 1 on any failure."""
    with user_errors():
        overrides = config_overrides(
            domain, namespace_prefix, ingress_class, tls_issuer, secrets_mode
        )
        env = environment_from_flags(
            env_name, pr, image=image, config_path=config, overrides=overrides
        )
    typer.echo(f"envctl validate {env.kind.value} (namespace {env.namespace}, image {env.image})")
    failed = 0
    total = 0
    for result in run_checks(env, with_checkov=not skip_checkov):
        total += 1
        failed += 0 if result.ok else 1
        for line in result.lines():
            typer.echo(line)
    if failed:
        typer.echo(f"{failed} of {total} checks failed")
        raise typer.Exit(CHECK_FAILED)
    typer.echo(f"all {total} checks passed")


@app.command()
def address(
    env_name: EnvArgument,
    pr: PrOption = None,
    container: Annotated[
        str,
        typer.Option(
            "--container", metavar="NAME", help="web, migrate or python-worker [default: web]."
        ),
    ] = "web",
    setting: Annotated[
        str | None,
        typer.Option(
            "--setting",
            metavar="HOST:PORT",
            help="TEMPORAL_SERVER_ADDRESS as the secret gives it "
            "[default: TEMPORAL_SERVER_ADDRESS from envctl's own environment, else unset].",
        ),
    ] = None,
    config: ConfigOption = None,
    namespace_prefix: PrefixOption = None,
) -> None:
    """Print the Temporal address a container resolves, and the rule that gave it."""
    with user_errors():
        overrides = config_overrides(None, namespace_prefix, None, None, None)
        env = environment_from_flags(env_name, pr, config_path=config, overrides=overrides)
        value = setting if setting is not None else os.environ.get("TEMPORAL_SERVER_ADDRESS")
        objects = build_objects(env)
        resolved = container_address(env, objects, container, value)
        if resolved is None:
            names = sorted({spec["name"] for spec in temporal_clients(env, objects)})
            raise InputError("--container", f"one of {', '.join(names)}", container)
    typer.echo(resolved.address)
    typer.echo(f"rule: {resolved.rule.value} ({RULE_DESCRIPTIONS[resolved.rule]})")
    shown = "unset" if value is None or not value.strip() else value.strip()
    typer.echo(f"container: {container}; TEMPORAL_SERVER_ADDRESS from the secret: {shown}")


def lifecycle_tools() -> Tools:
    return Tools(
        kubectl=Kubectl(),
        environ=os.environ,
        echo=typer.echo,
        progress=lambda: progress_for(sys.stdout),
        smoke=smoke_test,
        worker_rollout=versioned_rollout,
    )


@contextmanager
def command_errors(command: str) -> Iterator[None]:
    """Bad input: exit 2 (as `user_errors`); a failed step: what and why, exit 1."""
    with user_errors():
        try:
            yield
        except CommandFailed as error:
            typer.echo(f"envctl {command}: {error}", err=True)
            if error.details:
                typer.echo(error.details, err=True)
            summary = os.environ.get(SUMMARY_ENV)
            if summary:
                with Path(summary).open("a", encoding="utf-8") as handle:
                    handle.write(
                        f"### envctl {command} failed\n\n```\n{error}\n{error.details}\n```\n"
                    )
            raise typer.Exit(CHECK_FAILED) from None


TimeoutOption = Annotated[
    str,
    typer.Option("--timeout", metavar="DURATION", help="Overall limit: seconds, or 90s, 10m."),
]


@app.command(name="deploy")
def deploy_command(
    env_name: EnvArgument,
    pr: PrOption = None,
    image: ImageOption = None,
    commit: Annotated[
        str | None,
        typer.Option("--commit", metavar="SHA", help="The commit the image was built from."),
    ] = None,
    timeout: TimeoutOption = "10m",
    rotate_db_password: Annotated[
        bool,
        typer.Option(
            "--rotate-db-password", help="Give the database role a new password (pods restart)."
        ),
    ] = False,
    db_template: Annotated[
        str | None,
        typer.Option(
            "--db-template",
            metavar="NAME",
            help="Create a new database as a clone of this seed database.",
        ),
    ] = None,
    skip_smoke: Annotated[
        bool, typer.Option("--skip-smoke", help="Do not smoke-test the environment.")
    ] = False,
    skip_worker_versions: Annotated[
        bool,
        typer.Option(
            "--skip-worker-versions",
            help="Production: do not make the new worker build current in Temporal.",
        ),
    ] = False,
    config: ConfigOption = None,
    domain: DomainOption = None,
    namespace_prefix: PrefixOption = None,
    ingress_class: IngressClassOption = None,
    tls_issuer: IssuerOption = None,
    secrets_mode: SecretsModeOption = None,
) -> None:
    """Provision, apply, wait for the rollout, smoke-test and report. Idempotent."""
    with command_errors("deploy"):
        if image is None:
            raise InputError(
                "--image", "the image to deploy, pinned: repo:tag or repo@sha256:...", None
            )
        options = DeployOptions(
            commit=require_commit(commit) if commit is not None else None,
            timeout_seconds=parse_duration(timeout, "--timeout", bare_seconds=True),
            rotate_db_password=rotate_db_password,
            db_template=(
                require_sql_identifier(db_template, "--db-template") if db_template else None
            ),
            smoke=not skip_smoke,
            worker_versions=not skip_worker_versions,
        )
        overrides = config_overrides(
            domain, namespace_prefix, ingress_class, tls_issuer, secrets_mode
        )
        env = environment_from_flags(
            env_name,
            pr,
            image=image,
            config_path=config,
            overrides=overrides,
            commit=options.commit,
        )
        report = deploy(env, options, lifecycle_tools())
        publish(report, os.environ, typer.echo)


@app.command(name="destroy")
def destroy_command(
    env_name: EnvArgument,
    pr: PrOption = None,
    destroy_production: Annotated[
        bool,
        typer.Option("--destroy-production", help="Required to destroy production."),
    ] = False,
    timeout: TimeoutOption = "5m",
    config: ConfigOption = None,
    namespace_prefix: PrefixOption = None,
) -> None:
    """Delete the namespace (and wait), then the database and role. Idempotent."""
    with command_errors("destroy"):
        options = DestroyOptions(
            destroy_production=destroy_production,
            timeout_seconds=parse_duration(timeout, "--timeout", bare_seconds=True),
        )
        overrides = config_overrides(None, namespace_prefix, None, None, None)
        env = environment_from_flags(env_name, pr, config_path=config, overrides=overrides)
        report = destroy(env, options, lifecycle_tools())
        publish(report, os.environ, typer.echo)


@app.command(name="gc")
def gc_command(
    ttl: Annotated[
        str, typer.Option("--ttl", metavar="DURATION", help="Idle time before a preview expires.")
    ] = "3d",
    apply: Annotated[
        bool, typer.Option("--apply", help="Destroy the expired previews (default: report).")
    ] = False,
    config: ConfigOption = None,
    namespace_prefix: PrefixOption = None,
) -> None:
    """Find previews whose PR is closed or idle longer than --ttl; --apply destroys them."""
    with command_errors("gc"):
        seconds = parse_duration(ttl, "--ttl")
        overrides = config_overrides(None, namespace_prefix, None, None, None)
        loaded = load_config(config, overrides)
        failures = collect_garbage(
            loaded, ttl_seconds=seconds, apply=apply, tools=lifecycle_tools()
        )
        if failures:
            raise CommandFailed(f"{failures} preview(s) could not be destroyed (see above)")


@app.command(name="list")
def list_command() -> None:
    """A table of the environments envctl manages: kind, PR, age, image, readiness, URLs."""
    with command_errors("list"):
        tools = lifecycle_tools()
        try:
            rows = environment_rows(tools.kubectl, datetime.now(UTC))
        except Exception as error:  # KubectlError, or an answer we cannot read
            raise CommandFailed(f"cannot list environments: {error}") from None
        for line in table(rows):
            typer.echo(line)


def _http_url(value: str, field: str) -> str:
    if (
        not value.startswith(("http://", "https://"))
        or len(value) > 2000
        or any(ch.isspace() for ch in value)
    ):
        raise InputError(field, "an http:// or https:// URL", value)
    return value


@app.command(name="smoke")
def smoke_command(
    url: Annotated[str, typer.Option("--url", help="The web app's base URL.")],
    temporal_ui_url: Annotated[
        str | None, typer.Option("--temporal-ui-url", help="The Temporal UI's URL.")
    ] = None,
    timeout: TimeoutOption = "180",
    commit: Annotated[
        str | None,
        typer.Option("--commit", metavar="SHA", help="Wait until /api/env reports this commit."),
    ] = None,
) -> None:
    """Ready, an echo job through web -> temporal-server -> worker and back, the Temporal UI."""
    with command_errors("smoke"):
        seconds = parse_duration(timeout, "--timeout", bare_seconds=True)
        _http_url(url, "--url")
        if temporal_ui_url is not None:
            _http_url(temporal_ui_url, "--temporal-ui-url")
        typer.echo(f"envctl smoke {url}")
        try:
            result = smoke_test(
                url,
                temporal_ui_url,
                timeout_seconds=seconds,
                expect_commit=commit,
                run_job=True,
                say=typer.echo,
            )
        except SmokeFailed as error:
            raise CommandFailed(str(error)) from None
        typer.echo(f"smoke test passed: {len(result.checks)} checks in {result.seconds:.1f}s")


@app.command(name="preview-decision")
def preview_decision_command(
    event: Annotated[
        Path,
        typer.Option("--event", metavar="FILE", help="The GitHub event JSON ($GITHUB_EVENT_PATH)."),
    ],
    config: ConfigOption = None,
) -> None:
    """Print deploy, destroy or skip for this pull-request event, and why; with GITHUB_OUTPUT
    set, write `action=...` there for the next jobs."""
    with user_errors():
        try:
            body = json.loads(event.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            raise InputError("--event", "a GitHub event JSON file", str(event)) from None
        if not isinstance(body, dict):
            raise InputError("--event", "a GitHub event JSON file (an object)", str(event))
        rules = load_config(config).previews
    decision = decide(os.environ.get("GITHUB_EVENT_NAME", "pull_request"), body, rules)
    typer.echo(f"{decision.action}: {decision.reason}")
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with Path(output).open("a", encoding="utf-8") as handle:
            handle.write(f"action={decision.action}\n")


@app.command(name="comment")
def comment_command(
    pr: Annotated[str, typer.Option("--pr", metavar="N", help="Pull-request number.")],
    key: Annotated[str, typer.Option("--key", help="Which sticky comment: one per key and PR.")],
    body_file: Annotated[Path, typer.Option("--body-file", metavar="FILE", help="Markdown body.")],
) -> None:
    """Create or update the PR's sticky comment for KEY (found by a hidden marker)."""
    with command_errors("comment"):
        number = parse_pr_number(pr)
        require_comment_key(key)
        try:
            body = body_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise InputError("--body-file", "a readable UTF-8 file", str(body_file)) from None
        github = GitHub.from_environment(os.environ)
        if github is None:
            raise InputError(
                "GITHUB_TOKEN and GITHUB_REPOSITORY",
                "both set (GitHub Actions sets GITHUB_REPOSITORY; pass secrets.GITHUB_TOKEN)",
                None,
            )
        try:
            written, comment_id = github.upsert_comment(number, key, body)
        except GitHubError as error:
            raise CommandFailed(str(error)) from None
        typer.echo(f"comment {key} on PR #{number}: {written} (id {comment_id})")


@app.command(name="histories")
def histories_command(
    env_name: EnvArgument,
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Write the files into DIR (new or empty).")
    ],
    pr: PrOption = None,
    since: Annotated[
        str, typer.Option("--since", metavar="DURATION", help="Closed within this long: 90m, 7d.")
    ] = "7d",
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=10_000, help="At most this many histories.")
    ] = 200,
    address: Annotated[
        str | None,
        typer.Option(
            "--address",
            metavar="HOST:PORT",
            help="Temporal frontend to read [default: port-forward to the environment's "
            "temporal-server Service].",
        ),
    ] = None,
    temporal_namespace: Annotated[
        str, typer.Option("--temporal-namespace", help="The Temporal namespace.")
    ] = "default",
    config: ConfigOption = None,
    namespace_prefix: PrefixOption = None,
) -> None:
    """Export recent closed workflow histories of the app's job types, for replay."""
    with command_errors("histories"):
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise InputError("--out", "a new or empty directory", str(out))
        seconds = parse_duration(since, "--since")
        if address is not None:
            require_host_port(address, "--address")
        require_temporal_namespace(temporal_namespace, "--temporal-namespace")
        overrides = config_overrides(None, namespace_prefix, None, None, None)
        env = environment_from_flags(env_name, pr, config_path=config, overrides=overrides)
        exported = export_from_environment(
            env,
            out,
            address=address,
            temporal_namespace=temporal_namespace,
            since_seconds=seconds,
            limit=limit,
            kubectl=Kubectl(),
        )
        for path in exported.paths:
            typer.echo(f"  {path}")
        others = ", ".join(f"{name} x{count}" for name, count in sorted(exported.skipped.items()))
        typer.echo(
            f"exported {len(exported.paths)} closed histories from {env.namespace} to {out}"
            + (f" (not the app's job types, skipped: {others})" if others else "")
        )


def main() -> None:
    app()
