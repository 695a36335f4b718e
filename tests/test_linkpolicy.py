"""Link policy (issue 6): web links only over http(s); local links only inside their own tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from termreader.errors import LinkRefused
from termreader.text.sanitize import is_clean
from termreader.web.linkpolicy import can_open_external, check_local_link, check_web_link


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Example.ORG/a?b=1#frag", "https://example.org/a?b=1#frag"),
        ("HTTP://example.org", "http://example.org/"),
        ("http://example.org:80/x", "http://example.org/x"),
        ("https://example.org:443/x", "https://example.org/x"),
        ("http://example.org:8080/x", "http://example.org:8080/x"),
        ("  https://example.org/\n", "https://example.org/"),
        ("https://[::1]:8443/", "https://[::1]:8443/"),
        ("https://例子.测试/路径", "https://例子.测试/路径"),
    ],
)
def test_web_links_are_normalized(url: str, expected: str) -> None:
    assert check_web_link(url) == expected
    assert can_open_external(url)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "javascript:alert(1)",
        "java\tscript:alert(1)",
        " javascript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox",
        "ftp://example.org/file",
        "mailto:a@example.org",
        "chrome://settings",
        "x-unknown:thing",
        "/relative/path",
        "relative.html",
        "//example.org/protocol-relative",
        "http://",
        "https:///nohost",
        "http://exa mple.org/",
        "http://example.org:99999/",
        "https://example.org/\x1b]2;title\x07",
        "https://example.org/\u202etxt.exe",
    ],
)
def test_other_links_are_refused(url: str) -> None:
    with pytest.raises(LinkRefused) as info:
        check_web_link(url)
    assert "\n" not in str(info.value) and "\x01" not in str(info.value)
    assert not can_open_external(url)


def test_refusal_message_names_the_scheme() -> None:
    with pytest.raises(LinkRefused, match=r"^javascript: links are not followed"):
        check_web_link("javascript:alert(1)")


@given(st.text(max_size=200))
def test_anything_accepted_is_http_and_clean(url: str) -> None:
    try:
        result = check_web_link(url)
    except LinkRefused as error:
        assert "\n" not in str(error)
        return
    assert result.startswith(("http://", "https://"))
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in result)


# --- local links ---------------------------------------------------------------------------------
@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "notes"
    (root / "sub").mkdir(parents=True)
    (root / "index.md").write_text("# Index\n")
    (root / "sub" / "page.md").write_text("# Page\n")
    (root / "my file.md").write_text("# Spaces\n")
    (tmp_path / "outside.md").write_text("secret\n")
    return root


@pytest.mark.parametrize(
    ("target", "relative"),
    [
        ("sub/page.md", "sub/page.md"),
        ("./sub/page.md#section", "sub/page.md"),
        ("sub/../index.md", "index.md"),
        ("my%20file.md", "my file.md"),
        ("my file.md?x=1", "my file.md"),
    ],
)
def test_local_links_inside_the_tree(tree: Path, target: str, relative: str) -> None:
    assert check_local_link(tree / "index.md", target) == (tree / relative).resolve()


def test_local_link_from_a_subfolder_stays_in_that_subfolder(tree: Path) -> None:
    base = tree / "sub" / "page.md"
    with pytest.raises(LinkRefused):
        check_local_link(base, "../index.md")


def test_file_url_and_absolute_path_inside(tree: Path) -> None:
    target = (tree / "sub" / "page.md").resolve()
    assert check_local_link(tree / "index.md", target.as_uri()) == target
    assert check_local_link(tree / "index.md", str(target)) == target


@pytest.mark.parametrize(
    "target",
    [
        "../outside.md",
        "../../../../../../etc/passwd",
        "sub/../../outside.md",
        "%2e%2e/outside.md",
        "/etc/passwd",
        "file:///etc/passwd",
        "file://otherhost/share/x.md",
        "https://example.org/x.md",
        "javascript:alert(1)",
        "",
        "#only-a-fragment",
    ],
)
def test_local_links_outside_the_tree_are_refused(tree: Path, target: str) -> None:
    with pytest.raises(LinkRefused) as info:
        check_local_link(tree / "index.md", target)
    assert "\n" not in str(info.value)


def test_symlink_escaping_the_tree_is_refused(tree: Path) -> None:
    link = tree / "escape.md"
    try:
        os.symlink(tree.parent / "outside.md", link)
    except OSError:
        pytest.skip("symlinks not supported here")
    with pytest.raises(LinkRefused):
        check_local_link(tree / "index.md", "escape.md")


@pytest.mark.parametrize("base", [None, "https://example.org/article"])
def test_web_articles_never_open_local_files(tree: Path, base: str | None) -> None:
    with pytest.raises(LinkRefused, match="only from local articles"):
        check_local_link(base, "index.md")


@pytest.mark.parametrize(
    "url",
    [
        "https://x.test/\udc9b2J",
        "https://x.test/a\ufeffb",
        "https://x.test/a\u2028b",
        "https://x.test/a\u00a0b",
        "https://x.test/a\u3000b",
        "https://x.test/a\x0bb",
    ],
    ids=["lone-surrogate", "bom", "line-separator", "nbsp", "ideographic-space", "vt"],
)
def test_unclean_or_spaced_urls_are_refused(url: str) -> None:
    """Issue 6: a lone surrogate (a C-locale stdout writes U+DC9B as a raw 8-bit CSI) or U+FEFF
    passed the policy, which must only return what sanitize.is_clean accepts; whitespace inside
    a URL is refused too. The refusal is one clean line."""
    with pytest.raises(LinkRefused, match="refused") as info:
        check_web_link(url)
    message = str(info.value)
    assert "\n" not in message and is_clean(message)
    assert not can_open_external(url)


@given(st.text(max_size=200))
def test_accepted_urls_are_clean_and_unspaced(url: str) -> None:
    """Issue 6: what the policy returns is shown and stored as is."""
    try:
        result = check_web_link(url)
    except LinkRefused:
        return
    assert is_clean(result) and not any(c.isspace() for c in result)


def test_plain_space_in_a_link_is_sent_as_percent_20() -> None:
    """Hand-written pages link to "my page.html"; browsers follow it as my%20page.html."""
    from termreader.web.linkpolicy import check_web_link

    assert check_web_link("https://x.test/my page.html") == "https://x.test/my%20page.html"
