"""The fault suite's table: one row per case, printed at the end of the run and written
to `artifacts/faults/` as JSON and markdown so it can be quoted."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from devstack.processes import ROOT

ARTIFACTS = ROOT / "artifacts" / "faults"
HEADERS = ("case", "jobs in", "jobs out", "duplicates", "lost", "stuck", "time to recover")


@dataclass
class CaseResult:
    case: str
    jobs_in: int
    jobs_out: int
    duplicates: int
    lost: int
    stuck: int
    recover_seconds: float | None
    detail: str

    def row(self) -> tuple[str, ...]:
        recover = "-" if self.recover_seconds is None else f"{self.recover_seconds:.1f} s"
        return (
            self.case,
            str(self.jobs_in),
            str(self.jobs_out),
            str(self.duplicates),
            str(self.lost),
            str(self.stuck),
            recover,
        )


RESULTS: list[CaseResult] = []


def record(result: CaseResult) -> CaseResult:
    """Keep the result for the table; call before asserting, so failures are in it too."""
    RESULTS[:] = [r for r in RESULTS if r.case != result.case]
    RESULTS.append(result)
    write(RESULTS)
    return result


def text_table(results: list[CaseResult]) -> str:
    rows = [HEADERS, *(r.row() for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(results: list[CaseResult]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(r.row()) + " |" for r in results]
    lines += ["", *(f"- **{r.case}**: {r.detail}" for r in results)]
    return "\n".join(lines) + "\n"


def write(results: list[CaseResult], folder: Path = ARTIFACTS) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "faults.json").write_text(
        json.dumps([asdict(r) for r in results], indent=2) + "\n", encoding="utf-8"
    )
    (folder / "faults.md").write_text(markdown_table(results), encoding="utf-8")
