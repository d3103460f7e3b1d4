"""The GitHub side, against a local stand-in of the REST API over real HTTP: one sticky
comment per key (created once, then edited in place), a Deployment with its URL, the PR
state check, and deployments marked inactive on destroy."""

from __future__ import annotations

from pathlib import Path

from devstack.deploy_inputs import COMMIT, IMAGE, NEXT_IMAGE
from envctl.commands.github import GitHub, sticky_marker
from tests.lifecycle.conftest import Lifecycle
from tests.support.github_api import GitHubApi

NEXT_COMMIT = "9e8d7c6" + "1" * 33


def deploy(
    lifecycle: Lifecycle, github: GitHubApi, pr: int, image: str = IMAGE, commit: str = COMMIT
) -> tuple[int, str, str]:
    return lifecycle.run(
        "deploy",
        "preview",
        "--pr",
        str(pr),
        "--image",
        image,
        "--commit",
        commit,
        "--skip-smoke",
        **github.environ(),
    )


def test_deploy_creates_one_sticky_comment_and_a_deployment_then_keeps_them(
    lifecycle: Lifecycle, github: GitHubApi
) -> None:
    github.state.pulls[90] = "open"
    code, out, err = deploy(lifecycle, github, 90)
    assert code == 0, err
    [comment] = github.state.comments.values()
    assert comment["body"].startswith(sticky_marker("preview") + "\n### Preview environment")
    assert "| App | https://pr-90.preview.preview-stack.example.com |" in comment["body"]
    [deployment] = github.state.deployments.values()
    assert (deployment["environment"], deployment["ref"]) == ("pr-90", COMMIT)
    assert deployment["transient_environment"] is True
    [status] = github.state.statuses[deployment["id"]]
    assert status["state"] == "success"
    assert status["environment_url"] == "https://pr-90.preview.preview-stack.example.com"
    assert "PR comment created (#" in " ".join(out.split())

    posts_before = len(github.calls("POST"))
    code, out, err = deploy(lifecycle, github, 90)
    assert code == 0, err
    words = " ".join(out.split())
    assert "PR comment unchanged" in words and "GitHub deployment unchanged" in words
    assert len(github.calls("POST")) == posts_before and github.calls("PATCH") == []


def test_a_new_commit_edits_the_comment_in_place_and_adds_a_deployment(
    lifecycle: Lifecycle, github: GitHubApi
) -> None:
    github.state.pulls[91] = "open"
    assert deploy(lifecycle, github, 91)[0] == 0
    code, _, err = deploy(lifecycle, github, 91, image=NEXT_IMAGE, commit=NEXT_COMMIT)
    assert code == 0, err
    [comment] = github.state.comments.values()
    assert NEXT_IMAGE in comment["body"]
    assert [r.path for r in github.calls("PATCH")] == [
        f"/repos/acme/shop/issues/comments/{comment['id']}"
    ]
    assert [d["ref"] for d in github.state.deployments.values()] == [COMMIT, NEXT_COMMIT]


def test_a_closed_pr_gets_no_preview(lifecycle: Lifecycle, github: GitHubApi) -> None:
    github.state.pulls[92] = "closed"
    code, _out, err = deploy(lifecycle, github, 92)
    assert code == 1
    assert err.startswith("envctl deploy: PR #92 is closed; not deploying")
    assert lifecycle.cluster.calls() == []
    assert not lifecycle.role_exists("app_pr_92")


def test_destroy_marks_the_pr_deployments_inactive(lifecycle: Lifecycle, github: GitHubApi) -> None:
    github.state.pulls[93] = "open"
    assert deploy(lifecycle, github, 93)[0] == 0
    code, out, err = lifecycle.run("destroy", "preview", "--pr", "93", **github.environ())
    assert code == 0, err
    assert "GitHub deployments of pr-93 marked inactive: 1" in out
    [deployment] = github.state.deployments.values()
    assert github.state.statuses[deployment["id"]][0]["state"] == "inactive"


def test_gc_expires_the_preview_of_a_closed_pr(lifecycle: Lifecycle, github: GitHubApi) -> None:
    github.state.pulls[94] = "open"
    assert deploy(lifecycle, github, 94)[0] == 0
    github.state.pulls[94] = "closed"
    code, out, err = lifecycle.run("gc", "--apply", **github.environ())
    assert code == 0, err
    assert "EXPIRE  pr-94  PR #94 is closed" in out
    assert lifecycle.cluster.get("Namespace", "pr-94") is None


def test_the_comment_command_keeps_one_comment_per_key(
    lifecycle: Lifecycle, github: GitHubApi, tmp_path: Path
) -> None:
    body = tmp_path / "review.md"
    body.write_text("## Review\n\nfirst\n")
    env = github.environ()
    code, out, err = lifecycle.run(
        "comment", "--pr", "95", "--key", "review", "--body-file", str(body), **env
    )
    assert code == 0, err
    assert out.startswith("comment review on PR #95: created (id ")
    body.write_text("## Review\n\nsecond\n")
    code, out, _ = lifecycle.run(
        "comment", "--pr", "95", "--key", "review", "--body-file", str(body), **env
    )
    assert "updated" in out
    code, out, _ = lifecycle.run(
        "comment", "--pr", "95", "--key", "review", "--body-file", str(body), **env
    )
    assert "unchanged" in out
    [comment] = github.state.comments.values()
    assert comment["body"] == sticky_marker("review") + "\n## Review\n\nsecond\n"


def test_the_sticky_comment_is_found_beyond_the_first_page(github: GitHubApi) -> None:
    for n in range(150):
        cid = github.state.new_id()
        github.state.comments[cid] = {"id": cid, "issue": 96, "body": f"chatter {n}"}
    client = GitHub.from_environment(github.environ())
    assert client is not None
    written, first_id = client.upsert_comment(96, "preview", "one")
    assert written == "created"
    written, second_id = client.upsert_comment(96, "preview", "two")
    assert (written, second_id) == ("updated", first_id)


def test_the_comment_command_needs_a_token_and_a_repository(
    lifecycle: Lifecycle, tmp_path: Path
) -> None:
    body = tmp_path / "b.md"
    body.write_text("x")
    code, _, err = lifecycle.run(
        "comment", "--pr", "1", "--key", "review", "--body-file", str(body)
    )
    assert code == 2
    assert err.startswith("envctl: invalid GITHUB_TOKEN and GITHUB_REPOSITORY: expected both set")
    code, _, err = lifecycle.run(
        "comment", "--pr", "1", "--key", "Review!", "--body-file", str(body)
    )
    assert code == 2 and err.startswith("envctl: invalid --key:")
    code, _, err = lifecycle.run(
        "comment", "--pr", "1", "--key", "review", "--body-file", str(tmp_path / "nope.md")
    )
    assert code == 2 and err.startswith(
        "envctl: invalid --body-file: expected a readable UTF-8 file"
    )


def test_a_github_failure_is_a_warning_once_the_environment_is_up(
    lifecycle: Lifecycle, github: GitHubApi
) -> None:
    env = {**github.environ(), "GITHUB_TOKEN": "expired"}
    code, out, err = deploy_with(lifecycle, env, 97)
    assert code == 0, err
    assert (
        "warning: could not read the state of PR #97: GET /repos/acme/shop/pulls/97: HTTP 401 Bad credentials"
        in out
    )
    assert "warning: GitHub: GET /repos/acme/shop/issues/97/comments" in out
    assert "deployed preview pr-97: changes applied" in out


def deploy_with(lifecycle: Lifecycle, env: dict[str, str], pr: int) -> tuple[int, str, str]:
    return lifecycle.run(
        "deploy",
        "preview",
        "--pr",
        str(pr),
        "--image",
        IMAGE,
        "--commit",
        COMMIT,
        "--skip-smoke",
        **env,
    )
