"""What a command tells people: stdout, and in GitHub Actions the step summary and outputs.

`$GITHUB_STEP_SUMMARY` gets a markdown table; `$GITHUB_OUTPUT` gets `key=value` lines
(`app_url`, `temporal_ui_url`, ...) for later steps. Both only when the variables are set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
OUTPUT_ENV = "GITHUB_OUTPUT"


@dataclass
class Report:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)

    def text(self) -> list[str]:
        width = max((len(name) for name, _ in self.rows), default=0)
        lines = [self.title]
        lines += [f"  {name:<{width}}  {value}" for name, value in self.rows]
        if self.timings:
            lines.append(
                "  timings: "
                + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in self.timings)
            )
        return lines

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", "| | |", "|---|---|"]
        lines += [f"| {name} | {value} |" for name, value in self.rows]
        if self.timings:
            lines += ["", "| step | seconds |", "|---|---:|"]
            lines += [f"| {name} | {seconds:.1f} |" for name, seconds in self.timings]
        return "\n".join(lines) + "\n\n"


def publish(report: Report, environ: Mapping[str, str], echo: Callable[[str], None]) -> None:
    for line in report.text():
        echo(line)
    summary = environ.get(SUMMARY_ENV)
    if summary:
        with Path(summary).open("a", encoding="utf-8") as handle:
            handle.write(report.markdown())
    outputs = environ.get(OUTPUT_ENV)
    if outputs and report.outputs:
        with Path(outputs).open("a", encoding="utf-8") as handle:
            for key, value in report.outputs.items():
                if "\n" in value or "\r" in value:
                    raise ValueError(f"output {key} must be one line")
                handle.write(f"{key}={value}\n")
