"""wrk's summary read into figures: timeouts and non-2xx answers are counted, not fatal."""

from __future__ import annotations

import pytest

from bench.wrk import WrkFailed, mean_of_rounds, parse, trouble

# A real wrk 4.1.0 summary against a server that answered some requests slowly or with 500.
WITH_TIMEOUTS = """\
Running 4s test @ http://127.0.0.1:41267/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    43.50ms    6.00ms  49.43ms   97.95%
    Req/Sec    49.42     21.07   120.00     76.81%
  Latency Distribution
     50%   43.99ms
     75%   44.08ms
     90%   46.14ms
     99%    1.48s
  344 requests in 4.01s, 38.56KB read
  Socket errors: connect 0, read 1, write 0, timeout 3
  Non-2xx or 3xx responses: 9
Requests/sec:     85.81
Transfer/sec:      9.62KB
"""


def test_a_socket_timeout_is_a_counted_figure() -> None:
    figures = parse(WITH_TIMEOUTS)

    assert figures["requests_per_s"] == 85.81
    assert figures["p50_ms"] == pytest.approx(43.99)
    assert figures["p99_ms"] == pytest.approx(1480.0)
    assert (figures["requests"], figures["timeouts"]) == (344, 3)
    assert (figures["socket_errors"], figures["non_2xx"]) == (1, 9)
    assert trouble(figures) == " (3 timeouts, 1 socket errors, 9 non-2xx)"


def test_a_clean_run_counts_nothing_wrong() -> None:
    clean = "\n".join(
        line
        for line in WITH_TIMEOUTS.splitlines()
        if "Socket" not in line and "Non-2xx" not in line
    )
    figures = parse(clean)

    assert (figures["timeouts"], figures["socket_errors"], figures["non_2xx"]) == (0, 0, 0)
    assert trouble(figures) == ""


def test_output_without_a_rate_is_a_failure() -> None:
    with pytest.raises(WrkFailed, match="no rate"):
        parse("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_rounds_sum_the_counts_and_average_the_rest() -> None:
    one, two = parse(WITH_TIMEOUTS), parse(WITH_TIMEOUTS.replace("85.81", "14.19"))

    merged = mean_of_rounds([one, two])

    assert merged["requests_per_s"] == pytest.approx(50.0)
    assert (merged["timeouts"], merged["requests"]) == (6, 688)
