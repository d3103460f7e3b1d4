"""The throughput section's tables: each round of the app, the SDK and the reference sides,
and the CPU each process spent per job. Only the standard library, so tests read it without
the bench's own packages."""

from __future__ import annotations

from typing import Any

from bench.sides import FLOOR, TWO_REQUESTS

# The throughput's reference sides, when a run measured them: (key prefix, side, the rounds
# table's heading, the summary row's label).
REFERENCES = (
    (
        "two_request",
        TWO_REQUESTS,
        "app in two requests",
        "the same, started then waited for in two requests",
    ),
    ("floor", FLOOR, "floor handler", "the same through the floor handler (`bench/floor.py`)"),
)


def _references(tp: dict[str, Any]) -> list[tuple[str, list[float], str, str]]:
    return [
        (key, tp["rounds"][side], heading, label)
        for key, side, heading, label in REFERENCES
        if side in tp["rounds"]
    ]


def throughput_rounds(tp: dict[str, Any]) -> list[str]:
    """Each round's pair and, beside it, the reference sides' rounds next to the same SDK
    round: the app started and waited for in two requests (`POST /api/jobs`, then the job's
    long poll), and the floor handler (`bench/floor.py`)."""
    references = _references(tp)
    head = "| round | app jobs/s | SDK jobs/s | ratio |"
    head += "".join(f" {heading}: jobs/s | its ratio |" for _, _, heading, _ in references)
    lines = [head, "|---|---|---|---|" + "---|---|" * len(references)]
    rounds = zip(tp["rounds"]["api"], tp["rounds"]["sdk"], tp["pair_ratios"], strict=True)
    for n, (api, sdk, pair) in enumerate(rounds):
        beside = "".join(
            f" {values[n]:.1f} | {tp[f'{key}_pair_ratios'][n]:.2f} |"
            for key, values, _, _ in references
        )
        lines.append(f"| {n + 1} | {api:.1f} | {sdk:.1f} | {pair:.2f} |{beside}")
    median = f"| median | {tp['api_jobs_per_s']:.1f} | {tp['sdk_jobs_per_s']:.1f} | "
    median += f"{tp['ratio']:.2f} |"
    median += "".join(
        f" {tp[f'{key}_jobs_per_s']:.1f} | {tp[f'{key}_ratio']:.2f} |"
        for key, _, _, _ in references
    )
    return [*lines, median]


def retried_note(tp: dict[str, Any]) -> str:
    """How often a web process's long polls were at their limit (`app/api/long_polls.py`),
    so a caller waited a second before asking again."""
    retried = tp.get("retry_after_answers")
    if retried is None:
        return ""
    return (
        f" Answers with `Retry-After` (long polls at their limit): {retried['api']} in the "
        f"app's rounds, {retried.get(TWO_REQUESTS, 0)} in the two-request rounds."
    )


def reference_rows(tp: dict[str, Any]) -> list[str]:
    return [
        f"| {label} | {tp[f'{key}_jobs_per_s']:.1f} jobs/s | "
        f"{tp['sdk_jobs_per_s']:.1f} jobs/s (SDK) | {tp[f'{key}_ratio']:.2f} | - |"
        for key, _, _, label in _references(tp)
    ]


def cpu_rows(tp: dict[str, Any]) -> list[str]:
    """CPU per job by process: the app's and the SDK's rounds, and the floor's if measured."""
    cpu = tp["cpu_ms_per_job"]
    sides = ["api", "sdk"] + ([FLOOR] if FLOOR in cpu else [])
    lines = [
        "| process | app rounds | SDK rounds |" + (" floor rounds |" if FLOOR in cpu else ""),
        "|---|---|---|" + ("---|" if FLOOR in cpu else ""),
    ]
    for name in cpu["api"]:
        lines.append(f"| {name} |" + "".join(f" {cpu[side][name]:.1f} |" for side in sides))
    return lines


def client_row(tp: dict[str, Any]) -> list[str]:
    """The load generator's own CPU: the bench's HTTP client (aiohttp) on the app's side,
    the SDK client on the other. Absent from runs before it was measured."""
    client = tp.get("client_cpu_ms_per_job")
    if client is None:
        return []
    floor = f" {client[FLOOR]:.1f} |" if FLOOR in client else ""
    return [
        f"| load generator (this bench: aiohttp / the SDK client) | {client['api']:.1f} | "
        f"{client['sdk']:.1f} |{floor}"
    ]
