"""The floor side (`bench/floor.py`) on the page: its rounds, its row and its note come from
the figures measured, and results from before it was measured render without it."""

from __future__ import annotations

from typing import Any

from bench.report_notes import floor_note
from bench.report_throughput import cpu_rows, reference_rows, throughput_rounds
from bench.sides import FLOOR, FLOOR_PROCESS, TWO_REQUESTS

WEB = "web app"


def throughput(with_floor: bool) -> dict[str, Any]:
    sides = ["api", "sdk", TWO_REQUESTS] + ([FLOOR] if with_floor else [])
    cpu = {side: {WEB: 0.0, FLOOR_PROCESS: 0.0} for side in sides}
    cpu["api"][WEB] = 5.0
    tp: dict[str, Any] = {
        "rounds": {"api": [30.0, 33.0], "sdk": [40.0, 40.0], TWO_REQUESTS: [28.0, 30.0]},
        "pair_ratios": [0.75, 0.825],
        "api_jobs_per_s": 31.5,
        "sdk_jobs_per_s": 40.0,
        "ratio": 0.79,
        "two_request_pair_ratios": [0.7, 0.75],
        "two_request_jobs_per_s": 29.0,
        "two_request_ratio": 0.725,
        "cpu_ms_per_job": cpu,
        "client_cpu_ms_per_job": dict.fromkeys(sides, 1.0),
    }
    if with_floor:
        cpu[FLOOR][FLOOR_PROCESS] = 3.5
        tp["rounds"][FLOOR] = [38.0, 36.0]
        tp.update(floor_pair_ratios=[0.95, 0.9], floor_jobs_per_s=37.0, floor_ratio=0.925)
    return tp


def test_the_floor_has_its_rounds_row_cpu_column_and_note() -> None:
    tp = throughput(with_floor=True)
    rounds = throughput_rounds(tp)
    assert rounds[0].endswith("floor handler: jobs/s | its ratio |")
    assert rounds[2] == "| 1 | 30.0 | 40.0 | 0.75 | 28.0 | 0.70 | 38.0 | 0.95 |"
    assert rounds[-1].endswith("| 37.0 | 0.93 |")
    assert reference_rows(tp)[1] == (
        "| the same through the floor handler (`bench/floor.py`) | 37.0 jobs/s | "
        "40.0 jobs/s (SDK) | 0.93 | - |"
    )
    assert f"| {FLOOR_PROCESS} | 0.0 | 0.0 | 3.5 |" in cpu_rows(tp)
    note = floor_note(tp, per_job_sdk=0.0)
    # the floor's own 3.5 ms, and 3.5 + 1.0 (its caller) - 0 - 1.0 (the SDK's caller)
    assert "ran at 0.93x; its process spent 3.5 ms of CPU per job" in note
    assert "+3.5 ms against the SDK's rounds" in note


def test_results_from_before_the_floor_render_without_it() -> None:
    tp = throughput(with_floor=False)
    assert "floor" not in "\n".join(throughput_rounds(tp) + reference_rows(tp))
    assert cpu_rows(tp)[0] == "| process | app rounds | SDK rounds |"
    assert floor_note(tp, per_job_sdk=0.0) == ""
