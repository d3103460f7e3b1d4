"""The `envctl` command line: render, validate and explain every environment; deploy,
destroy, expire and list them; smoke-test a running stack; post a sticky PR comment.

The commands live beside this file by what they touch (`manifests`, `lifecycle`, `ci`,
`pooler`); `options` holds the flags they share and how their errors end.
"""

from __future__ import annotations

import typer

from envctl.cli import ci, lifecycle, manifests
from envctl.cli.pooler import pooler_app

app = typer.Typer(
    name="envctl",
    help="Render, check, deploy, destroy and expire every environment (preview, "
    "permanent-preview, production) on Kubernetes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(manifests.render)
app.command()(manifests.validate)
app.command()(manifests.address)
app.command(name="deploy")(lifecycle.deploy_command)
app.command(name="destroy")(lifecycle.destroy_command)
app.command(name="gc")(lifecycle.gc_command)
app.command(name="list")(lifecycle.list_command)
app.command(name="smoke")(ci.smoke_command)
app.command(name="preview-decision")(ci.preview_decision_command)
app.command(name="comment")(ci.comment_command)
app.command(name="histories")(lifecycle.histories_command)
app.add_typer(pooler_app)


def main() -> None:
    app()
