"""The local stack, shared by the tests, `bench/` and `make openapi`: a throwaway PostgreSQL
(and PgBouncer), the Temporal dev server, the worker and the web app as processes, podman pods,
the local Kubernetes control plane, and the helpers that wait on them. Nothing here imports
`tests`."""
