"""What a local deploy is given: image references, a made-up Doppler token, and the committed
envctl config with the preview kinds' database pointed at a local PostgreSQL. Shared by the
lifecycle tests and `make bench-deploy`."""

from __future__ import annotations

import re

from envctl.model.config import REPO_CONFIG_PATH

IMAGE = "ghcr.io/example/preview-stack:3f2a9c1"
NEXT_IMAGE = "ghcr.io/example/preview-stack:9e8d7c6"
COMMIT = "3f2a9c1" + "0" * 33
DOPPLER_TOKEN = "dp.st.preview.FAKE-TOKEN-VALUE-0123456789"


def config_text(port: int) -> str:
    """The committed config, with both preview kinds' database at 127.0.0.1:<port>."""
    sections = re.split(r"(?m)^(?=\[)", REPO_CONFIG_PATH.read_text(encoding="utf-8"))
    changed = []
    for section in sections:
        if section.startswith(("[environments.preview]", "[environments.permanent_preview]")):
            section = re.sub(r'database_cidr = "[^"]*"', 'database_cidr = "127.0.0.1/32"', section)
            section = re.sub(r"database_port = \d+", f"database_port = {port}", section)
        changed.append(section)
    return "".join(changed)
