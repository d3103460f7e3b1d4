"""The database layer: per-environment roles and databases, the pooler, password verifiers."""
