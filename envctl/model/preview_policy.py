"""Which pull requests get a preview: one decision from the GitHub event, used by `cd`.

- Drafts get none until `ready_for_review`; turning a PR back to draft destroys its preview.
- The `no-preview` label opts a PR out; in opt-in mode only PRs with the `preview` label get one.
  Adding or removing those labels deploys or destroys accordingly.
- Bot authors (dependabot, renovate) are skipped unless the config lets them in.
- Pull requests from forks get none: their workflows get no secrets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from envctl.model.config_services import PreviewSelection

Action = Literal["deploy", "destroy", "skip"]
# Events after which a PR that no longer qualifies may still have a preview to remove.
REMOVING_ACTIONS = {"converted_to_draft", "labeled", "unlabeled"}


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str


def _wants_preview(pr: dict[str, Any], labels: set[str], rules: PreviewSelection) -> str | None:
    """None if the PR qualifies, else why not."""
    author = pr.get("user") or {}
    head_repo = ((pr.get("head") or {}).get("repo") or {}).get("full_name")
    base_repo = ((pr.get("base") or {}).get("repo") or {}).get("full_name")
    if head_repo != base_repo:
        return "a pull request from a fork gets no secrets, so no preview"
    if pr.get("draft"):
        return "draft pull request (a preview comes with ready_for_review)"
    if rules.opt_out_label in labels:
        return f"labelled {rules.opt_out_label}"
    if rules.mode == "opt-in" and rules.opt_in_label not in labels:
        return f"opt-in mode and no {rules.opt_in_label} label"
    login = str(author.get("login", ""))
    if login in rules.skip_authors and rules.opt_in_label not in labels:
        return f"bot author {login} (label {rules.opt_in_label} to get one)"
    return None


def decide(event_name: str, event: dict[str, Any], rules: PreviewSelection) -> Decision:
    if event_name != "pull_request" or "pull_request" not in event:
        return Decision("skip", f"not a pull_request event ({event_name})")
    pr = event["pull_request"]
    action = str(event.get("action", ""))
    labels = {str(label.get("name", "")) for label in pr.get("labels") or []}
    if pr.get("state") == "closed" or action == "closed":
        return Decision("skip", "closed (cleanup_pr destroys the preview)")
    if action in ("labeled", "unlabeled"):
        changed = str((event.get("label") or {}).get("name", ""))
        if changed not in (rules.opt_out_label, rules.opt_in_label):
            return Decision("skip", f"label {changed!r} does not decide previews")
    why_not = _wants_preview(pr, labels, rules)
    if why_not is None:
        return Decision("deploy", "the pull request qualifies for a preview")
    if action in REMOVING_ACTIONS:
        return Decision("destroy", why_not)
    return Decision("skip", why_not)
