"""Fault injection: every case counts jobs in and out; the table is printed at the end."""

from __future__ import annotations

import pytest

from tests.faults.report import ARTIFACTS, RESULTS, text_table


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not RESULTS:
        return
    terminalreporter.section("fault injection")
    terminalreporter.write_line(text_table(RESULTS))
    for result in RESULTS:
        terminalreporter.write_line(f"- {result.case}: {result.detail}")
    terminalreporter.write_line(f"(written to {ARTIFACTS}/faults.json and faults.md)")
