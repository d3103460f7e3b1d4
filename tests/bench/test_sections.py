"""Benchmark targets share docs/benchmarks.md without erasing one another's sections."""

from __future__ import annotations

from pathlib import Path

from bench.sections import sections, write_page, write_section


def test_a_section_survives_the_page_being_rewritten(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    write_page("# Benchmarks\n\nfirst run\n", page)
    write_section("deploy", "## Deploy\n\n| deploy | 12 s |", page)
    write_page("# Benchmarks\n\nsecond run\n", page)

    text = page.read_text(encoding="utf-8")
    assert "second run" in text and "first run" not in text
    assert "| deploy | 12 s |" in sections(text)["deploy"]


def test_writing_a_section_replaces_only_that_section(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    write_page("# Benchmarks\n\nbody\n", page)
    write_section("boot", "boot 1", page)
    write_section("deploy", "deploy 1", page)
    write_section("boot", "boot 2", page)

    found = sections(page.read_text(encoding="utf-8"))
    assert set(found) == {"boot", "deploy"}
    assert "boot 2" in found["boot"] and "boot 1" not in found["boot"]
    assert "deploy 1" in found["deploy"]
    assert page.read_text(encoding="utf-8").startswith("# Benchmarks\n\nbody\n")
