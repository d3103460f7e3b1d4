"""The sides of the throughput rounds, named apart from `bench/jobs.py` so the report reads
them without the bench's HTTP client."""

# `api_echo` without the wait on start: two requests a job.
TWO_REQUESTS = "api_two_requests"
# A Flask handler that only runs the workflow through the app's client (`bench/floor.py`): what
# any Flask app in front of Temporal costs, before the app's own work.
FLOOR = "floor"
FLOOR_PROCESS = "floor handler (bench/floor.py)"
