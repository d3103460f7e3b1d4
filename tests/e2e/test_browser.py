"""The React app in headless Chromium (Playwright) against a real stack.

A real gunicorn web app serves the built frontend (`frontend/dist`), a real worker
process runs the jobs, on the run's Temporal dev server and PostgreSQL. A second web
process whose Temporal address answers nothing shows the UI's "Temporal down" state.
The browser flows live in `frontend/e2e/*.spec.ts`; this test starts the services,
runs them, and fails with Playwright's output if any flow fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.ports import free_port
from devstack.processes import WebProcess
from devstack.stack import Stack, process_env

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
DIST = FRONTEND / "dist"
PLAYWRIGHT = FRONTEND / "node_modules" / ".bin" / "playwright"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ARTIFACTS = ROOT / "artifacts"
PLAYWRIGHT_TIMEOUT_SECONDS = 600


def missing_prerequisites() -> list[str]:
    checks = {
        f"the built frontend ({DIST}/index.html): run `make frontend`": DIST / "index.html",
        f"Playwright ({PLAYWRIGHT}): run `make frontend`": PLAYWRIGHT,
        f"Chromium ({CHROMIUM}): run `make chromium`": CHROMIUM,
    }
    return [what for what, path in checks.items() if not path.exists()]


@pytest.fixture(scope="module")
def prerequisites() -> None:
    missing = missing_prerequisites()
    if not missing:
        return
    message = "browser tests need " + "; ".join(missing)
    if os.environ.get("E2E_REQUIRED") == "1":  # `make test` builds them first, so never skip
        pytest.fail(message)
    pytest.skip(message)


def git_commit() -> str:
    if shutil.which("git") is None:
        return "unknown"
    answer = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return answer.stdout.strip() or "unknown"


@pytest.fixture(scope="module")
def browser_stack(
    prerequisites: None,
    base_env: dict[str, str],
    migrated: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    env = process_env(
        base_env,
        FRONTEND_DIST=str(DIST),
        GIT_COMMIT=git_commit(),
        TEMPORAL_UI_URL="http://127.0.0.1:8233",
    )
    stack = Stack.start(env, tmp_path_factory.mktemp("browser-stack"))
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def temporal_down_web(
    prerequisites: None,
    base_env: dict[str, str],
    migrated: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[WebProcess]:
    """The same app and database, pointed at a Temporal address where nothing listens."""
    env = process_env(
        base_env,
        FRONTEND_DIST=str(DIST),
        TEMPORAL_SERVER_ADDRESS=f"127.0.0.1:{free_port()}",
        TEMPORAL_RPC_TIMEOUT_SECONDS="2",
    )
    web = WebProcess.create(env, tmp_path_factory.mktemp("temporal-down-web"))
    web.start()
    web.wait_healthy()
    yield web
    web.stop()


@pytest.mark.timeout(PLAYWRIGHT_TIMEOUT_SECONDS + 120)
def test_browser_flows_pass_against_the_real_stack(
    browser_stack: Stack, temporal_down_web: WebProcess
) -> None:
    env = {
        **os.environ,
        "E2E_BASE_URL": browser_stack.url,
        "E2E_TEMPORAL_DOWN_URL": temporal_down_web.url,
        "E2E_SCREENSHOT_DIR": str(ARTIFACTS / "screenshots"),
        "CHROMIUM_PATH": str(CHROMIUM),
        "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
    }
    started = time.monotonic()
    result = subprocess.run(
        [str(PLAYWRIGHT), "test"],
        cwd=FRONTEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=PLAYWRIGHT_TIMEOUT_SECONDS,
        check=False,
    )
    output = result.stdout + result.stderr
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "playwright.log").write_text(output, encoding="utf-8")
    print(f"{output}\nplaywright: exit {result.returncode} in {time.monotonic() - started:.1f}s")

    assert result.returncode == 0, (
        f"Playwright failed (exit {result.returncode}); its output:\n{output[-20000:]}\n"
        f"web log:\n{browser_stack.web.log_tail()}\nworker log:\n{browser_stack.worker.log_tail()}"
    )
