"""The web app and its jobs. `app:create_app()` is the WSGI entry point.

Kept import-free: Temporal's workflow sandbox re-imports the `app.jobs` modules, and
must not drag Flask in with them.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from app.factory import create_app

        return create_app
    raise AttributeError(name)
