"""What every `envctl` command shares: the flags, declared once, and how errors end a command.

`config_flags` adds `--config` and the config overrides to a command (and, when it acts on one
environment, ENV, `--pr` and `--image`) and hands it one `ConfigFlags`, so each flag has one
declaration, one help text and one check. Bad input ends with one line naming the field and
what was expected, and exit code 2; a lifecycle step that fails ends with what went wrong and
exit code 1.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from envctl.cluster.kubectl import Kubectl
from envctl.cluster.progress import progress_for
from envctl.commands.report import SUMMARY_ENV
from envctl.commands.smoke import smoke_test
from envctl.commands.tools import CommandFailed, Tools
from envctl.model.config import Config, ConfigError, load_config
from envctl.model.environment import Environment, build_environment, parse_deployed_at, parse_kind
from envctl.model.inputs import (
    InputError,
    parse_pr_number,
    require_dns_subdomain,
    require_domain,
    require_image_ref,
    require_namespace_prefix,
)

USAGE_ERROR = 2
CHECK_FAILED = 1

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
TimeoutOption = Annotated[
    str,
    typer.Option("--timeout", metavar="DURATION", help="Overall limit: seconds, or 90s, 10m."),
]

# Flags that replace a top-level config key: key -> (typer option, check under the flag's name).
_OVERRIDES: dict[str, tuple[Any, Callable[[str], object]]] = {
    "domain": (
        typer.Option("--domain", help="Overrides `domain`."),
        lambda value: require_domain(value, "--domain"),
    ),
    "namespace_prefix": (
        typer.Option("--namespace-prefix", help="Overrides `namespace_prefix`."),
        lambda value: require_namespace_prefix(value, "--namespace-prefix"),
    ),
    "ingress_class": (
        typer.Option("--ingress-class", help="Overrides `ingress_class`."),
        lambda value: require_dns_subdomain(value, "--ingress-class"),
    ),
    "tls_issuer": (
        typer.Option("--tls-issuer", help="Overrides `tls_issuer`."),
        lambda value: value == "" or require_dns_subdomain(value, "--tls-issuer"),
    ),
    "secrets_mode": (
        typer.Option("--secrets-mode", help="doppler or plain; overrides `secrets_mode`."),
        lambda value: _secrets_mode(value),
    ),
}
ALL_OVERRIDES = tuple(_OVERRIDES)
PREFIX_ONLY = ("namespace_prefix",)

# What picks the environment a command acts on (`ConfigFlags.environment`).
_SELECTION: dict[str, Any] = {"env_name": EnvArgument, "pr": PrOption, "image": ImageOption}
ENVIRONMENT = ("env_name", "pr")
ENVIRONMENT_AND_IMAGE = (*ENVIRONMENT, "image")


def _secrets_mode(value: str) -> None:
    if value not in ("doppler", "plain"):
        raise InputError("--secrets-mode", "'doppler' or 'plain'", value)


@dataclass(frozen=True)
class ConfigFlags:
    """`--config`, the override flags and the environment's ENV, `--pr` and `--image`."""

    path: Path | None = None
    overrides: dict[str, str | None] | None = None
    env_name: str | None = None
    pr: str | None = None
    image: str | None = None

    def load(self) -> Config:
        return load_config(self.path, self.overrides)

    def environment(
        self, *, deployed_at: str | None = None, commit: str | None = None
    ) -> Environment:
        """Check every flag, then load the config; nothing renders before this succeeds."""
        if self.env_name is None:
            raise TypeError("config_flags(selects=...) gave this command no ENV")
        kind = parse_kind(self.env_name)
        pr_number = parse_pr_number(self.pr) if self.pr is not None else None
        if self.image is not None:
            require_image_ref(self.image, "--image")
        when = parse_deployed_at(deployed_at) if deployed_at is not None else None
        config = load_config(self.path, self.overrides)
        return build_environment(
            kind, pr_number, config, image=self.image, deployed_at=when, commit=commit
        )


Command = TypeVar("Command", bound=Callable[..., None])


def _with_selection(
    kept: list[inspect.Parameter], selects: tuple[str, ...]
) -> list[inspect.Parameter]:
    """ENV first; --pr and --image lead the command's own flags that have a default."""
    chosen = [
        inspect.Parameter(
            name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=inspect.Parameter.empty if name == "env_name" else None,
            annotation=_SELECTION[name],
        )
        for name in selects
    ]
    required = [p for p in chosen if p.default is inspect.Parameter.empty]
    optional = [p for p in chosen if p.default is not inspect.Parameter.empty]
    split = next((i for i, p in enumerate(kept) if p.default is not p.empty), len(kept))
    return [*required, *kept[:split], *optional, *kept[split:]]


def config_flags(
    overrides: tuple[str, ...] = ALL_OVERRIDES, *, selects: tuple[str, ...] = ()
) -> Callable[[Command], Command]:
    """Give the command `--config`, these override flags and what `selects` names
    (ENVIRONMENT or ENVIRONMENT_AND_IMAGE), as one `flags: ConfigFlags`."""

    def decorate(command: Command) -> Command:
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name != "flags"]
        kept = _with_selection(own, selects)
        added = [
            inspect.Parameter(
                "config", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=ConfigOption
            ),
            *(
                inspect.Parameter(
                    key,
                    inspect.Parameter.KEYWORD_ONLY,
                    default=None,
                    annotation=Annotated[str | None, _OVERRIDES[key][0]],
                )
                for key in overrides
            ),
        ]

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            path = kwargs.pop("config")
            given = {key: kwargs.pop(key) for key in overrides}
            chosen = {name: kwargs.pop(name) for name in selects}
            with user_errors():
                for key, value in given.items():
                    if value is not None:
                        _OVERRIDES[key][1](value)
            command(*args, flags=ConfigFlags(path, given, **chosen), **kwargs)

        parameters = kept + added
        wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        return wrapper  # type: ignore[return-value]

    return decorate


def require_new_or_empty(out: Path) -> None:
    """`--out` names a directory envctl may fill: one that is new, or empty."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError("--out", "a new or empty directory", str(out))


@contextmanager
def user_errors() -> Iterator[None]:
    """Bad input or config: one readable message on stderr, exit 2, no traceback."""
    try:
        yield
    except (InputError, ConfigError) as error:
        typer.echo(f"envctl: {error}", err=True)
        raise typer.Exit(USAGE_ERROR) from None


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


def versioned_rollout(env: Environment, tools: Tools, within: float) -> str:
    # Imported on use: the Temporal client costs seconds of start-up, and only production needs it.
    from envctl.commands.worker_rollout import versioned_rollout as rollout

    return rollout(env, tools, within)


def lifecycle_tools() -> Tools:
    return Tools(
        kubectl=Kubectl(),
        environ=os.environ,
        echo=typer.echo,
        progress=lambda: progress_for(sys.stdout),
        smoke=smoke_test,
        worker_rollout=versioned_rollout,
    )
