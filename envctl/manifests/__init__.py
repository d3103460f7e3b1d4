"""Kubernetes objects of an environment, built as plain typed data (`envctl.manifests.render`)."""
