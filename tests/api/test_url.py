"""URL normalisation: one canonical form per server, clear refusal of the rest."""

from __future__ import annotations

import pytest

from custom_components.qbitrr.model.url import InvalidUrlError, normalize_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("HTTP://Example.ORG:8080/", "http://example.org:8080"),
        ("example.org", "http://example.org:80"),
        ("https://example.org/qbt/", "https://example.org:443/qbt"),
        ("  http://[::1]:8080  ", "http://[::1]:8080"),
        ("http://bücher.example:8080", "http://bücher.example:8080"),
    ],
)
def test_normalize(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "ftp://host",
        "http://",
        "http://host:0x",
        "http://host:70000",
        "http://user:pw@host",
        "http://host/?a=1",
        "http://" + "h" * 3000,
    ],
)
def test_refused(url: str) -> None:
    with pytest.raises(InvalidUrlError):
        normalize_url(url)
