"""The python-worker: runs the app's jobs on Temporal. `python temporal_server.py`."""

import sys

from app.worker.main import main

if __name__ == "__main__":
    sys.exit(main())
