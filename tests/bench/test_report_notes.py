"""The HTTP note names where the job read's CPU goes from the figures measured, not a guess."""

from __future__ import annotations

from bench.report_notes import read_cpu


def http(read_web: float, read_postgres: float) -> dict[str, dict[str, float]]:
    return {
        "GET /api/jobs/<id> (authenticated)": {
            "web_cpu_ms_per_request": read_web,
            "postgres_cpu_ms_per_request": read_postgres,
        },
        "bare Flask handler": {"web_cpu_ms_per_request": 0.40, "postgres_cpu_ms_per_request": 0},
    }


def test_a_read_whose_extra_cpu_is_in_the_web_process_says_so() -> None:
    text = read_cpu(http(read_web=1.20, read_postgres=0.10))
    assert "the web app spends 1.20 ms of CPU (+0.80 ms on the bare handler)" in text
    assert "PostgreSQL 0.10 ms: most of the extra is the web process's Python" in text


def test_a_read_whose_extra_cpu_is_in_postgres_names_postgres() -> None:
    assert "most of the extra is PostgreSQL." in read_cpu(http(read_web=0.50, read_postgres=0.9))


def test_results_from_before_the_cpu_split_add_nothing() -> None:
    old = {name: {"requests_per_s": 1.0} for name in http(0, 0)}
    assert read_cpu(old) == ""
