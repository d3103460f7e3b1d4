"""The read-path section says which phases a run failed or has not reached yet."""

from __future__ import annotations

from typing import Any

from bench.report_readpath import markdown, throughput_verdict


def _latency(api_ms: float, sdk_ms: float) -> dict[str, Any]:
    return {
        "api": {"p50_ms": api_ms, "p99_ms": api_ms * 2},
        "sdk": {"p50_ms": sdk_ms, "p99_ms": sdk_ms * 2},
        "ratio_p50": api_ms / sdk_ms,
        "ratio_p99": api_ms / sdk_ms,
    }


def test_a_failed_phase_and_one_not_reached_are_named() -> None:
    results = {
        "machine": {"cores": "2"},
        "command": "make bench",
        "asked": ["latency", "http", "list"],
        "phase_seconds": {"latency": 60.0, "http": 1.0},
        "failed": {"http": "WrkFailed: wrk exited 1"},
        "load_1min": {"latency": {"min": 1.0, "mean": 2.5, "max": 4.0}},
        "latency": _latency(210.0, 200.0),
    }

    text = markdown(results)

    assert "| echo job latency p50 | 210.0 ms | 200.0 ms (raw SDK) | 1.05 |" in text
    assert "Failed in this run: **http** (WrkFailed: wrk exited 1)." in text
    assert "Not yet measured when this was written: list." in text
    assert "1-minute load average 1.0-4.0; mean by phase: latency 2.5" in text


def test_a_complete_run_reports_nothing_missing() -> None:
    results = {
        "machine": {"cores": "2"},
        "command": "make bench",
        "asked": ["latency"],
        "phase_seconds": {"latency": 60.0},
        "failed": {},
        "latency": _latency(100.0, 100.0),
    }

    text = markdown(results)

    assert "Failed in this run" not in text and "Not yet measured" not in text


def _throughput(api: list[float], sdk: list[float]) -> dict[str, Any]:
    pairs = [app / raw for app, raw in zip(api, sdk, strict=True)]
    return {"rounds": {"api": api, "sdk": sdk}, "pair_ratios": pairs}


def test_a_throughput_goal_the_round_pairs_straddle_is_unsettled_either_way() -> None:
    # Median pair 0.97 and 0.86, but in both some pair falls on the goal's other side.
    above = throughput_verdict(_throughput([35.8, 35.6, 34.1], [37.1, 34.6, 36.9]))
    below = throughput_verdict(_throughput([33.0, 32.0, 33.2], [38.2, 37.3, 34.4]))
    assert above == "**unsettled** (round pairs 0.92-1.03)"
    assert below == "**unsettled** (round pairs 0.86-0.97)"


def test_the_machine_slowing_between_pairs_does_not_unsettle_the_throughput_goal() -> None:
    # Every app round is within 4% of the SDK round beside it, though the slowest app
    # round is a quarter slower than the fastest SDK round.
    assert throughput_verdict(_throughput([30.0, 40.0], [31.0, 41.0])) == "met"


def test_rounds_all_on_one_side_of_the_throughput_goal_settle_it() -> None:
    assert throughput_verdict(_throughput([30.0, 31.0, 30.5], [40.0, 39.0, 41.0])) == "**missed**"
    assert throughput_verdict(_throughput([40.0, 41.0, 40.5], [40.0, 39.0, 41.0])) == "met"
