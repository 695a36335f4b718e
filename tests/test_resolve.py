"""Link and related-entry resolution (termreader.navigation.resolve), against a small fake library."""

from __future__ import annotations

from pathlib import Path

import pytest

from termreader.errors import NotFound
from termreader.models import Article, Related
from termreader.navigation.resolve import (
    find_by_title,
    normalize_title,
    resolve_link,
    resolve_related,
)


class FakeLibrary:
    """The few Library methods resolution uses, over a list of articles."""

    def __init__(self, *articles: Article) -> None:
        self.articles = list(articles)

    def by_url(self, url: str) -> Article | None:
        url = url.split("#")[0]
        return next((a for a in self.articles if a.url == url), None)

    def by_title(self, title: str) -> list[Article]:
        key = " ".join(title.split()).casefold()
        return [a for a in self.articles if " ".join(a.title.split()).casefold() == key]

    def resolve(self, ref: str) -> Article:
        for article in self.articles:
            if ref in (article.id, article.url):
                return article
        raise NotFound(ref)

    def list(self, query: str | None = None, *, unread: bool | None = None) -> list[Article]:
        return list(self.articles)


WEB = Article(id="w1", title="Web page", url="https://example.org/blog/post")
OTHER = Article(id="w2", title="Other post", url="https://example.org/blog/other")
LOCAL = Article(id="f1", title="本地文章（一）", url="/samples/local.md")
SIBLING = Article(id="f2", title="Sibling", url="/samples/sibling.md")
LIB = FakeLibrary(WEB, OTHER, LOCAL, SIBLING)


@pytest.fixture
def local(tmp_path: Path) -> tuple[Article, Article, FakeLibrary]:
    """Two local articles in one folder (real files: local links are resolved on disk)."""
    folder = (tmp_path / "notes").resolve()
    folder.mkdir()
    for name in ("local.md", "sibling.md", "unlisted.md"):
        (folder / name).write_text("# x\n", encoding="utf-8")
    here = Article(id="f1", title="Here", url=str(folder / "local.md"))
    there = Article(id="f2", title="There", url=str(folder / "sibling.md"))
    return here, there, FakeLibrary(here, there)


def test_fragment_is_an_in_article_anchor() -> None:
    target = resolve_link("#part-2", LIB, WEB)
    assert (target.kind, target.anchor) == ("anchor", "part-2")


def test_own_url_with_fragment_is_an_anchor() -> None:
    target = resolve_link("https://example.org/blog/post#%E4%B8%80", LIB, WEB)
    assert (target.kind, target.anchor) == ("anchor", "一")


def test_relative_link_found_in_library_by_url() -> None:
    target = resolve_link("other#intro", LIB, WEB)
    assert target.kind == "article" and target.article is OTHER and target.anchor == "intro"


def test_unknown_web_link_needs_fetch() -> None:
    target = resolve_link("/new", LIB, WEB)
    assert (target.kind, target.url) == ("fetch", "https://example.org/new")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd"])
def test_dangerous_schemes_refused(url: str) -> None:
    target = resolve_link(url, LIB, WEB)
    assert target.kind == "refused" and target.message


def test_relative_file_link_between_local_articles(local) -> None:
    here, there, library = local
    target = resolve_link("sibling.md#part", library, here)
    assert target.kind == "article" and target.article is there and target.anchor == "part"


def test_local_file_outside_library_is_imported(local) -> None:
    here, _, library = local
    target = resolve_link("unlisted.md", library, here)
    assert target.kind == "import" and target.url.endswith("unlisted.md")


def test_missing_local_file_is_missing_not_fetched(local) -> None:
    here, _, library = local
    assert resolve_link("nowhere.md", library, here).kind == "missing"


def test_local_link_outside_the_folder_is_refused(local) -> None:
    here, _, library = local
    assert resolve_link("../../../etc/passwd", library, here).kind == "refused"


def test_web_article_never_opens_local_files() -> None:
    assert resolve_link("file:///etc/passwd", LIB, WEB).kind == "refused"


def test_related_without_url_resolves_by_normalized_title() -> None:
    target = resolve_related(Related("本地文章(一)"), LIB, WEB)
    assert target.kind == "article" and target.article is LOCAL


def test_related_without_match_is_missing_with_message() -> None:
    target = resolve_related(Related("Nothing like this"), LIB, WEB)
    assert target.kind == "missing"
    assert "Nothing like this" in target.message


def test_related_with_url_prefers_url() -> None:
    target = resolve_related(Related("Web page", "https://example.org/blog/other"), LIB, LOCAL)
    assert target.article is OTHER


def test_related_title_never_resolves_to_current_article() -> None:
    assert find_by_title(LIB, "Web page", exclude="w1") is None


def test_normalize_title_folds_width_case_and_punctuation() -> None:
    assert normalize_title("Hello,  World!") == normalize_title("hello world")
    assert normalize_title("ＡＢＣ（一）") == normalize_title("abc(一)")
    assert normalize_title("一、二") != normalize_title("一二三")


def test_title_matches_a_library_title_with_subtitle() -> None:
    library = FakeLibrary(
        Article(id="s1", title="终端阅读指南：键位与大纲"),
        Article(id="s2", title="Walking — notes from a trip"),
        Article(id="s3", title="Twice: one"),
        Article(id="s4", title="Twice: two"),
    )
    assert find_by_title(library, "终端阅读指南").id == "s1"
    assert find_by_title(library, "Walking: other subtitle").id == "s2"
    assert find_by_title(library, "Twice") is None, "ambiguous short titles do not resolve"
