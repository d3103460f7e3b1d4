"""Offline checks of rendered manifests: schemas, policies, isolation, capacity, checkov."""
