"""The read-path section says which phases a run failed or has not reached yet."""

from __future__ import annotations

from typing import Any

from bench.report_readpath import markdown


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
