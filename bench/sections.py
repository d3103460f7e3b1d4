"""Named sections of `docs/benchmarks.md` that separate benchmark targets own.

`make bench` writes the page; other targets (`make bench-deploy`, …) each own one section
between `<!-- section:NAME -->` and `<!-- /section:NAME -->`. Rewriting the page keeps every
section, so no target erases another's figures.
"""

from __future__ import annotations

import re
from pathlib import Path

BENCHMARKS_PAGE = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
# Generated prose is one paragraph per line; markdownlint checks the page for all else.
LINT_NOTE = "<!-- markdownlint-disable-file MD013 -->"
_SECTION = re.compile(r"<!-- section:([a-z0-9-]+) -->\n.*?<!-- /section:\1 -->\n", re.DOTALL)


def sections(page: str) -> dict[str, str]:
    """Each named section's whole block, markers included."""
    return {match.group(1): match.group(0) for match in _SECTION.finditer(page)}


def without_sections(page: str) -> str:
    return _SECTION.sub("", page).rstrip("\n") + "\n"


def block(name: str, markdown: str) -> str:
    return f"<!-- section:{name} -->\n{markdown.strip()}\n<!-- /section:{name} -->\n"


def write_page(body: str, path: Path = BENCHMARKS_PAGE) -> None:
    """Write `body` as the page, keeping the sections it had."""
    kept = sections(path.read_text(encoding="utf-8")) if path.exists() else {}
    parts = [body.rstrip("\n") + "\n", *(kept[name] for name in sorted(kept))]
    path.write_text("\n".join(parts), encoding="utf-8")


def write_section(name: str, markdown: str, path: Path = BENCHMARKS_PAGE) -> None:
    """Replace (or add) one section, leaving the rest of the page as it was."""
    page = path.read_text(encoding="utf-8") if path.exists() else f"# Benchmarks\n\n{LINT_NOTE}\n"
    kept = sections(page)
    kept[name] = block(name, markdown)
    parts = [without_sections(page), *(kept[key] for key in sorted(kept))]
    path.write_text("\n".join(parts), encoding="utf-8")
