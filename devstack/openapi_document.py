"""The OpenAPI document as the backend serves it, and the frontend's committed copy.

The React app's API types are generated from `frontend/src/api/openapi.json`. Run
`python -m devstack.openapi_document` (or `make openapi`) after changing the API
to refresh the copy; `test_openapi_copy.py` fails while the two differ.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from app.factory import create_app
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
COMMITTED_COPY = ROOT / "frontend" / "src" / "api" / "openapi.json"


def served_document() -> str:
    """`GET /api/openapi.json` from a throwaway app, as stable, diffable JSON."""
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(_env_file=None, app_env="development", data_dir=Path(data_dir))
        response = create_app(settings).test_client().get("/api/openapi.json")
        assert response.status_code == 200, response.get_data(as_text=True)
        return json.dumps(response.get_json(), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    COMMITTED_COPY.write_text(served_document(), encoding="utf-8")
    print(f"wrote {COMMITTED_COPY.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
