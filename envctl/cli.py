"""The `envctl` command line: render, validate and explain every environment.

Each command turns its flags into an `Environment` through `environment_from_flags`, so a
later command (deploy, destroy, gc, list: issue 5) takes the same flags with the same checks.
Bad input ends with one line naming the field and what was expected, and exit code 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from app.temporal_address import RULE_DESCRIPTIONS
from envctl.config import ConfigError, load_config
from envctl.inputs import (
    InputError,
    parse_pr_number,
    require_dns_subdomain,
    require_domain,
    require_image_ref,
    require_namespace_prefix,
)
from envctl.model import Environment, build_environment, parse_deployed_at, parse_kind
from envctl.render import build_objects, to_yaml, write_files
from envctl.validate import run_checks

USAGE_ERROR = 2
CHECK_FAILED = 1

app = typer.Typer(
    name="envctl",
    help="Render and check every environment (preview, permanent-preview, production) "
    "as Kubernetes manifests.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

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
) -> Environment:
    """Check every flag, then load the config; nothing renders before this succeeds."""
    kind = parse_kind(env_name)
    pr_number = parse_pr_number(pr) if pr is not None else None
    if image is not None:
        require_image_ref(image, "--image")
    when = parse_deployed_at(deployed_at) if deployed_at is not None else None
    config = load_config(config_path, overrides)
    return build_environment(kind, pr_number, config, image=image, deployed_at=when)


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
    config: ConfigOption = None,
    namespace_prefix: PrefixOption = None,
) -> None:
    """Print the Temporal address the environment's app resolves, and the rule that gave it."""
    with user_errors():
        overrides = config_overrides(None, namespace_prefix, None, None, None)
        env = environment_from_flags(env_name, pr, config_path=config, overrides=overrides)
    resolved = env.temporal_address
    typer.echo(resolved.address)
    typer.echo(f"rule: {resolved.rule.value} ({RULE_DESCRIPTIONS[resolved.rule]})")


def main() -> None:
    app()
