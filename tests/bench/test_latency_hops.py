"""The hops section puts each API hop beside the raw SDK's and names where the extra went."""

from __future__ import annotations

from bench.latency_hops import HOPS, markdown


def test_each_hop_is_set_against_the_sdk_and_the_extra_is_split() -> None:
    api = dict.fromkeys((name for name, _, _ in HOPS["api"]), 10.0)
    api |= {"request sent -> workflow started": 14.0, "whole job": 330.0}
    sdk = dict.fromkeys((name for name, _, _ in HOPS["sdk"]), 10.0)
    sdk |= {"request sent -> workflow started": 4.0, "whole job": 300.0}
    results = {"command": "make bench", "hops": {"samples": 3, "hops": {"api": api, "sdk": sdk}}}

    text = markdown(results)

    assert "| request sent -> workflow started | 14.0 | 4.0 | +10.0 |" in text
    assert "| row inserted -> workflow started | 10.0 | - | - |" in text
    assert "Of the API job's +30.0 ms" in text
    assert "+10.0 ms before Temporal has the workflow" in text
