"""Kubernetes objects of an environment, built as plain typed data (see `envctl.render`)."""
