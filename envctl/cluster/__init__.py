"""Cluster I/O: kubectl, server-side apply and prune, rollout waits, port-forwards."""
