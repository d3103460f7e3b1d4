"""The lifecycle commands (deploy, destroy, gc, list, histories) and what they report."""
