"""Checks for every value that comes from a flag or the config file, before anything renders.

Each check raises `InputError`, whose message names the field, says what was expected and
shows what was given, so `envctl` can print one line instead of a traceback.
"""

from __future__ import annotations

import ipaddress
import re

from app.temporal_address import is_dns_label

MAX_DOMAIN_LENGTH = 253
# A reference is `[registry[:port]/]path[:tag][@sha256:digest]`; nothing else may appear in it.
_IMAGE_CHARS = re.compile(r"^[a-z0-9._/:@-]+$", re.IGNORECASE)
_IMAGE_PATH = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_REGISTRY = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?$", re.IGNORECASE)
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")
_SQL_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_PR_NUMBER = re.compile(r"^[0-9]+$")
MAX_PR_NUMBER = 10**9


class InputError(ValueError):
    """A value given to envctl is wrong; the message says which, and what was expected."""

    def __init__(self, field: str, expected: str, got: object) -> None:
        self.field = field
        self.expected = expected
        self.got = got
        super().__init__(f"invalid {field}: expected {expected}, got {_shown(got)}")


def _shown(value: object) -> str:
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def parse_pr_number(raw: str | int, field: str = "--pr") -> int:
    """A pull-request number: a positive integer written in plain decimal digits."""
    text = str(raw).strip()
    if not _PR_NUMBER.match(text) or int(text) < 1 or int(text) > MAX_PR_NUMBER:
        raise InputError(field, f"a positive integer (1 to {MAX_PR_NUMBER})", raw)
    return int(text)


def require_dns_label(value: str, field: str) -> str:
    if not is_dns_label(value):
        raise InputError(
            field,
            "a DNS-1123 label: at most 63 lowercase letters, digits or '-', "
            "starting and ending with a letter or digit",
            value,
        )
    return value


def require_dns_subdomain(value: str, field: str) -> str:
    labels = value.split(".")
    if len(value) > MAX_DOMAIN_LENGTH or not all(is_dns_label(label) for label in labels):
        raise InputError(
            field, "a DNS-1123 subdomain: dot-separated DNS labels, at most 253 characters", value
        )
    return value


def require_domain(value: str, field: str = "domain") -> str:
    """A public DNS name with at least two labels, e.g. `example.com`."""
    labels = value.split(".")
    if (
        len(labels) < 2
        or len(value) > MAX_DOMAIN_LENGTH
        or not all(is_dns_label(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise InputError(
            field,
            "a DNS domain such as 'example.com': two or more lowercase DNS labels, "
            "at most 253 characters",
            value,
        )
    return value


def require_namespace_prefix(value: str, field: str = "namespace_prefix") -> str:
    """The prefix before the PR number; `<prefix>1` must itself be a DNS label."""
    if not value or not is_dns_label(value + "1"):
        raise InputError(
            field, "lowercase letters, digits or '-', starting with a letter (e.g. 'pr-')", value
        )
    return value


def require_sql_identifier(value: str, field: str) -> str:
    if not _SQL_IDENTIFIER.match(value):
        raise InputError(field, "a SQL identifier: [a-z_][a-z0-9_]*, at most 63 characters", value)
    return value


def require_cidr(value: str, field: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise InputError(field, "a CIDR block such as '10.20.0.0/16'", value) from None
    return str(network)


def require_image_ref(value: str, field: str = "--image") -> str:
    """An image reference pinned by a tag other than `latest`, or by a sha256 digest."""
    expected = (
        "an image reference 'registry/path:tag' or 'registry/path@sha256:<digest>' "
        "with a tag other than 'latest' and no shell or YAML metacharacters"
    )
    if not value or len(value) > 512 or not _IMAGE_CHARS.match(value):
        raise InputError(field, expected, value)
    name, _, digest = value.partition("@")
    if digest and not _DIGEST.match(digest):
        raise InputError(field, expected, value)
    tag = ""
    last_slash = name.rfind("/")
    if ":" in name[last_slash + 1 :]:
        name, _, tag = name.rpartition(":")
        if not _TAG.match(tag) or tag == "latest":
            raise InputError(field, expected, value)
    if not tag and not digest:
        raise InputError(field, expected, value)
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        if not _REGISTRY.match(parts[0]):
            raise InputError(field, expected, value)
        parts = parts[1:]
    if not parts or not all(_IMAGE_PATH.match(part) for part in parts):
        raise InputError(field, expected, value)
    return value


def require_image_repository(value: str, field: str = "image_repository") -> str:
    """A repository without tag or digest; `envctl` appends the tag."""
    if "@" in value or ":" in value.split("/")[-1]:
        raise InputError(field, "an image repository without tag or digest", value)
    require_image_ref(f"{value}:x", field)
    return value


_DURATION = re.compile(r"^([0-9]{1,6})([smhd])$")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")


def parse_duration(raw: str, field: str, *, bare_seconds: bool = False) -> int:
    """A positive duration in seconds from `3d`, `12h`, `90m` or `45s` (or `180` if allowed)."""
    text = raw.strip()
    if bare_seconds and text.isdigit():
        text += "s"
    match = _DURATION.match(text)
    seconds = int(match.group(1)) * _DURATION_UNITS[match.group(2)] if match else 0
    if seconds <= 0:
        example = "180, 90s, 10m" if bare_seconds else "3d, 12h or 90m"
        raise InputError(
            field, f"a positive duration: a number and a unit s, m, h or d, such as {example}", raw
        )
    return seconds


def require_commit(value: str, field: str = "--commit") -> str:
    """A git commit SHA: 7 to 40 lowercase hex digits."""
    if not _COMMIT.match(value):
        raise InputError(field, "a git commit SHA: 7 to 40 lowercase hexadecimal digits", value)
    return value


_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?$")
_TEMPORAL_NAMESPACE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")


def require_host_port(value: str, field: str) -> str:
    """`host:port`, e.g. `127.0.0.1:7233` or `temporal.example.com:7233`."""
    host, _, port = value.rpartition(":")
    if not _HOST.match(host) or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(field, "HOST:PORT, e.g. 127.0.0.1:7233", value)
    return value


def require_temporal_namespace(value: str, field: str) -> str:
    if not _TEMPORAL_NAMESPACE.match(value):
        raise InputError(field, "a Temporal namespace: letters, digits, '.', '_' or '-'", value)
    return value
