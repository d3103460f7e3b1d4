"""`docs/benchmarks.png`: latency, throughput, HTTP rates and footprint of one run."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_results(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 2, figsize=(12, 8))
    latency = results["latency"]["raw_ms"]
    ax = axes[0][0]
    for side, label in (("api", "app (HTTP API)"), ("sdk", "raw SDK")):
        values = sorted(latency[side])
        ax.plot(values, [(n + 1) / len(values) for n in range(len(values))], label=label)
    ax.set_xlabel("echo job latency (ms)")
    ax.set_ylabel("fraction of jobs")
    ax.set_title("Job latency, cumulative")
    ax.legend()

    tp = results["throughput"]
    ax = axes[0][1]
    ax.bar(["app (HTTP API)", "raw SDK"], [tp["api_jobs_per_s"], tp["sdk_jobs_per_s"]])
    ax.set_ylabel("jobs/s")
    ax.set_title(f"Throughput: {tp['jobs']} echo jobs, {tp['concurrency']} at a time")

    http = results["http"]
    names = ["bare Flask handler", "GET /api/health", "GET /api/jobs/<id> (authenticated)"]
    ax = axes[1][0]
    ax.bar(
        ["bare Flask", "/api/health", "/api/jobs/<id>"], [http[n]["requests_per_s"] for n in names]
    )
    ax.set_ylabel("requests/s")
    ax.set_title("HTTP under wrk (same gunicorn settings)")

    ax = axes[1][1]
    idle = results["idle_footprint"]
    labels = ["web app", "worker", "dev server"]
    x = range(len(labels))
    peaks = tp["peak_rss_mib"]
    ax.bar([i - 0.2 for i in x], [v["rss_mib"] for v in idle.values()], 0.4, label="idle")
    ax.bar(
        [i + 0.2 for i in x],
        [peaks.get(f"{n} [api]", 0) for n in idle],
        0.4,
        label="peak, app load",
    )
    ax.set_xticks(list(x), labels)
    ax.set_ylabel("RSS incl. children (MiB)")
    ax.set_title("Footprint")
    ax.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
