"""`make review`: the automated review posted on every pull request, as markdown.

1. What the change does to the rendered manifests of every environment kind (against BASE).
2. Models changed without a migration (alembic's autogenerate comparison finds a difference).
3. The dependency audit (scripts/audit_dependencies.sh).
4. Workflow determinism: the committed histories (tests/histories) and those exported from
   the permanent preview (`envctl histories`, `--histories DIR`) replayed on this code.
"""

from __future__ import annotations

import argparse
import difflib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RENDERS = (
    ("preview --pr 123", ["preview", "--pr", "123"]),
    ("permanent-preview", ["permanent-preview"]),
    ("production", ["production"]),
)
RENDER = "from envctl.cli import main; main()"


def render(source: Path, args: list[str]) -> str | None:
    """Render with the envctl code in `source`; None when that tree has no envctl."""
    if not (source / "envctl" / "render.py").is_file():
        return None
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            RENDER,
            "render",
            *args,
            "--config",
            str(source / "deploy/envctl.toml"),
        ],
        cwd=source,
        env={**os.environ, "PYTHONPATH": str(source)},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        return f"# render failed: {result.stderr.strip()}\n"
    return result.stdout


def manifest_section(base: str) -> list[str]:
    lines = ["## Rendered manifests", ""]
    with tempfile.TemporaryDirectory() as folder:
        base_tree = Path(folder) / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "--quiet", str(base_tree), base],
            cwd=ROOT,
            check=True,
        )
        try:
            for title, args in RENDERS:
                before = render(base_tree, args)
                after = render(ROOT, args) or ""
                if before is None:
                    lines.append(
                        f"- `{title}`: new ({after.count(chr(10))} lines; no envctl at base)"
                    )
                    continue
                diff = list(
                    difflib.unified_diff(
                        before.splitlines(), after.splitlines(), "base", "head", lineterm="", n=2
                    )
                )
                if not diff:
                    lines.append(f"- `{title}`: unchanged")
                    continue
                lines += [
                    f"<details><summary><code>{title}</code>: changed</summary>",
                    "",
                    "```diff",
                ]
                lines += diff[:400] + (["... (diff truncated)"] if len(diff) > 400 else [])
                lines += ["```", "</details>"]
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT, check=False
            )
    return lines


def migration_section() -> list[str]:
    code = (
        "import tempfile, pathlib\n"
        "from alembic.autogenerate import compare_metadata\n"
        "from alembic.migration import MigrationContext\n"
        "from sqlalchemy import create_engine\n"
        "from app.db import Base\n"
        "from app.migrate import upgrade\n"
        "path = pathlib.Path(tempfile.mkdtemp()) / 'review.db'\n"
        "engine = create_engine(f'sqlite:///{path}')\n"
        "upgrade(engine)\n"
        "with engine.connect() as connection:\n"
        "    diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)\n"
        "print('\\n'.join(repr(d) for d in diff))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    lines = ["## Database migrations", ""]
    if result.returncode != 0:
        return [*lines, "The migration check failed to run:", "```", result.stderr[-2000:], "```"]
    if result.stdout.strip():
        return [
            *lines,
            "**Models changed without a migration.** Differences between the models and the "
            "migrated schema:",
            "```",
            result.stdout.strip(),
            "```",
        ]
    return [*lines, "Models and migrations agree."]


def audit_section() -> list[str]:
    result = subprocess.run(
        [str(ROOT / "scripts" / "audit_dependencies.sh")], cwd=ROOT, capture_output=True, text=True
    )
    verdict = "passed" if result.returncode == 0 else "**found problems**"
    return [
        "## Dependency audit",
        "",
        f"The audit {verdict}:",
        "```",
        (result.stdout + result.stderr).strip(),
        "```",
    ]


def determinism_section(exported: Path | None) -> list[str]:
    """Replay with the PR's workflows: a failure means running workflows would get stuck."""
    roots = [ROOT / "tests" / "histories"]
    note = "No histories were exported from the permanent preview (`--histories` not given)."
    if exported is not None:
        files = list(exported.rglob("*.json")) if exported.is_dir() else []
        note = f"{len(files)} histories exported from the permanent preview (`{exported}`)."
        roots += [exported] if files else []
    result = subprocess.run(
        [sys.executable, "-m", "app.worker.replay", *map(str, roots)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    verdict = (
        "Every history replays on this code."
        if result.returncode == 0
        else "**Non-deterministic change**: these histories no longer replay; running workflows "
        "would fail on the new workers. Guard the change with `workflow.patched` "
        "(docs/changing-workflows.md)."
    )
    return ["## Workflow determinism", "", note, verdict, "```", result.stdout.strip(), "```"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True, help="git ref to compare with, e.g. origin/main")
    parser.add_argument("--out", type=Path, default=ROOT / "artifacts" / "review.md")
    parser.add_argument("--histories", type=Path, help="histories exported by envctl histories")
    args = parser.parse_args()
    sections = [
        "# Automated review",
        "",
        *manifest_section(args.base),
        "",
        *migration_section(),
        "",
        *audit_section(),
        "",
        *determinism_section(args.histories),
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(sections), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
