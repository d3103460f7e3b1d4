"""Every flag and config value is checked before anything renders."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envctl.model.inputs import (
    InputError,
    parse_pr_number,
    require_cidr,
    require_domain,
    require_image_ref,
    require_image_repository,
    require_namespace_prefix,
    require_sql_identifier,
)


@given(st.integers(min_value=1, max_value=10**9))
def test_any_positive_pr_number_is_accepted_as_text(number: int) -> None:
    assert parse_pr_number(str(number)) == number


@given(st.text().filter(lambda text: not text.strip().isdigit() or not text.isascii()))
def test_text_that_is_not_plain_digits_is_never_a_pr_number(text: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_pr_number(text)
    assert raised.value.field == "--pr"


@pytest.mark.parametrize(
    "raw", ["0", "-3", "1.5", "1e3", "12abc", "", " ", "+4", "0x10", "10000000001"]
)
def test_bad_pr_numbers_name_the_flag_and_what_was_expected(raw: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_pr_number(raw)
    assert str(raised.value).startswith("invalid --pr: expected a positive integer")
    assert repr(raw) in str(raised.value)


@pytest.mark.parametrize(
    "image",
    [
        "ghcr.io/acme/app:1.2.3",
        "ghcr.io/acme/app:sha-3f2a9c1",
        "docker.io/temporalio/ui:2.51.0",
        "localhost:5000/app:dev",
        "app:v1",
        "ghcr.io/acme/app@sha256:" + "a" * 64,
        "ghcr.io/acme/app:1.0@sha256:" + "0" * 64,
    ],
)
def test_pinned_image_references_are_accepted(image: str) -> None:
    assert require_image_ref(image) == image


@pytest.mark.parametrize(
    "image",
    [
        "ghcr.io/acme/app",  # untagged
        "ghcr.io/acme/app:latest",
        "app:latest",
        "app:1;rm -rf /",
        "app:1 && curl x",
        "app:$(id)",
        "app:`id`",
        "app:1\nkind: Pod",
        "app:{x}",
        'app:"1"',
        "app:1#c",
        "Ghcr.io/Acme/App:1",
        "ghcr.io/acme/app@sha256:short",
        "ghcr.io/acme/app:",
        "",
    ],
)
def test_untagged_latest_or_metacharacter_images_are_rejected(image: str) -> None:
    with pytest.raises(InputError) as raised:
        require_image_ref(image, "--image")
    assert "invalid --image: expected an image reference" in str(raised.value)


@pytest.mark.parametrize("domain", ["example.com", "preview-stack.example.co.uk", "a.b"])
def test_domains(domain: str) -> None:
    assert require_domain(domain) == domain


@pytest.mark.parametrize(
    "domain",
    ["localhost", "Example.com", "exa_mple.com", "-a.com", "a..com", "a.com.", "10.0.0.1", ""],
)
def test_invalid_domains_are_rejected(domain: str) -> None:
    with pytest.raises(InputError, match="invalid domain: expected a DNS domain"):
        require_domain(domain)


def test_a_domain_longer_than_dns_allows_is_rejected() -> None:
    with pytest.raises(InputError):
        require_domain(".".join(["a" * 63] * 4) + ".com")


@pytest.mark.parametrize("prefix", ["pr-", "review-", "p"])
def test_namespace_prefixes(prefix: str) -> None:
    assert require_namespace_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix", ["", "PR-", "pr_", "-pr", "a" * 63])
def test_namespace_prefixes_that_cannot_make_a_dns_label_are_rejected(prefix: str) -> None:
    with pytest.raises(InputError, match="namespace_prefix"):
        require_namespace_prefix(prefix)


def test_sql_identifiers_and_cidrs() -> None:
    assert require_sql_identifier("app_pr_12", "db") == "app_pr_12"
    assert require_cidr("10.0.0.0/8", "cidr") == "10.0.0.0/8"
    for bad in ("app-pr", "1app", "app pr", "a" * 64):
        with pytest.raises(InputError):
            require_sql_identifier(bad, "db")
    for bad in ("10.0.0.1/8", "10.0.0.0/33", "ten"):
        with pytest.raises(InputError):
            require_cidr(bad, "cidr")


def test_image_repositories_carry_no_tag() -> None:
    assert require_image_repository("ghcr.io/acme/app") == "ghcr.io/acme/app"
    for bad in ("ghcr.io/acme/app:1", "ghcr.io/acme/app@sha256:" + "a" * 64, "ghcr.io/ac me"):
        with pytest.raises(InputError):
            require_image_repository(bad)
