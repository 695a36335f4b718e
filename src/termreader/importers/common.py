"""Shared pieces of the importers: limits, dates, languages, Markdown escaping, article assembly."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from markdown_it.token import Token

from termreader.models import Article, Link, Related, article_id, now
from termreader.text.outline import (
    BLOCK_PARSER,
    INLINE_PARSER,
    collapse_related,
    names_itself,
    sections_from_markdown,
)
from termreader.text.sanitize import clean, clean_line

log = logging.getLogger(__name__)

#: Largest document an importer accepts (bytes). Bigger inputs fail with ImportFailed.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
#: At most this many inline links and related entries are kept per article.
MAX_LINKS = 500
MAX_RELATED = 500
#: Titles longer than this are cut (a "title" of 100 KB is a parsing accident, not a title).
MAX_TITLE = 300

# Headings/labels that introduce a related-links block, in the languages of the corpus.
RELATED_LABELS = (
    "相关内容",
    "相关文章",
    "相关阅读",
    "相关推荐",
    "相关新闻",
    "相关链接",
    "相关资讯",
    "相关报道",
    "延伸阅读",
    "推荐阅读",
    "猜你喜欢",
    "热门推荐",
    "相關內容",
    "相關文章",
    "延伸閱讀",
    "related",
    "related articles",
    "related posts",
    "related stories",
    "related content",
    "related links",
    "related reading",
    "see also",
    "read more",
    "further reading",
    "more on this topic",
    "more stories",
    "you may also like",
    "lesen sie auch",
    "mehr zum thema",
    "weitere artikel",
    "das könnte sie auch interessieren",
    "voir aussi",
    "à lire aussi",
    "lire aussi",
    "leer más",
    "lee también",
    "関連記事",
    "関連ニュース",
    "관련 기사",
    "관련기사",
)


def label_pattern(labels: Iterable[str]) -> re.Pattern[str]:
    """A line that is one of ``labels`` (any case), with an optional trailing colon."""
    return re.compile(
        r"^\s*(?:" + "|".join(re.escape(label) for label in labels) + r")\s*[:：]?\s*$",
        re.IGNORECASE,
    )


_RELATED_LABEL_RE = label_pattern(RELATED_LABELS)

# Naive times are local times of the article. CJK pages almost always mean their own zone.
_LANGUAGE_OFFSETS = {"zh": 8, "ja": 9, "ko": 9}


def is_related_label(text: str, pattern: re.Pattern[str] = _RELATED_LABEL_RE) -> bool:
    """True when ``text`` is a heading such as "相关内容：", "Related articles" or "See also"
    (or one of the labels of ``pattern``, made by :func:`label_pattern`)."""
    if len(text) > 60:
        return False
    return bool(pattern.match(text.strip().strip("#*_ ").strip()))


# --- languages -------------------------------------------------------------------------------
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_LETTER = re.compile(r"[^\W\d_]")


def guess_language(text: str) -> str:
    """A cheap script-based guess: "zh", "ja", "ko", or "" when the text is not CJK."""
    sample = text[:6000]
    letters = len(_LETTER.findall(sample))
    if not letters:
        return ""
    kana = len(_KANA.findall(sample))
    hangul = len(_HANGUL.findall(sample))
    han = len(_HAN.findall(sample))
    if hangul > letters * 0.2:
        return "ko"
    if kana > letters * 0.05:
        return "ja"
    if han > letters * 0.2:
        return "zh"
    return ""


def language_offset(language: str) -> timezone:
    """The zone assumed for naive times of an article in ``language`` (UTC when unknown)."""
    primary = language.lower().replace("_", "-").split("-")[0]
    hours = _LANGUAGE_OFFSETS.get(primary)
    return timezone(timedelta(hours=hours)) if hours else UTC


# --- dates -----------------------------------------------------------------------------------
_NUMERIC_DATE = re.compile(
    r"""(?P<y>(?:19|20)\d\d)\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?
        (?:(?:\s*T\s*|\s+|\s*(?=\d))(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{2})
            (?:\s*[:：分]\s*(?P<S>\d{2})(?:\.\d+)?)?\s*秒?)?
        \s*(?P<tz>Z|[+-]\d\d:?\d\d|UTC|GMT)?""",
    re.VERBOSE | re.IGNORECASE,
)


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")

# Month names of the languages in the corpus (nominative and genitive forms).
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan januar janvier enero января январь stycznia styczeń",
        "february feb februar février fevrier febrero февраля февраль lutego luty",
        "march mar märz maerz mars marzo марта март marca marzec",
        "april apr avril abril апреля апрель kwietnia kwiecień",
        "may mai mayo мая май maja",
        "june jun juni juin junio июня июнь czerwca czerwiec",
        "july jul juli juillet julio июля июль lipca lipiec",
        "august aug août aout agosto августа август sierpnia sierpień",
        "september sep sept septembre septiembre сентября сентябрь września wrzesień",
        "october oct oktober octobre octubre октября октябрь października październik",
        "november nov novembre noviembre ноября ноябрь listopada listopad",
        "december dec dezember décembre decembre diciembre декабря декабрь grudnia grudzień",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number
_WORDY_DATE = re.compile(
    r"""(?:(?P<d1>\d{1,2})\.?\s+(?:de\s+)?(?P<m1>[^\W\d_]{3,12})\.?\s+(?:de\s+)?(?P<y1>(?:19|20)\d\d)
         |(?P<m2>[^\W\d_]{3,9})\.?\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y2>(?:19|20)\d\d))
        (?:,?\s+(?:à\s+|um\s+|в\s+|at\s+|o\s+)?(?P<H>\d{1,2})[:h](?P<M>\d{2})(?::(?P<S>\d{2}))?)?""",
    re.VERBOSE | re.IGNORECASE,
)


def find_wordy_date(text: str) -> re.Match[str] | None:
    """The first "15 августа 2016, 13:43" / "April 2, 2024" style date whose month is known."""
    for match in _WORDY_DATE.finditer(text):
        if (match["m1"] or match["m2"] or "").lower() in _MONTHS:
            return match
    return None


def _wordy(match: re.Match[str]) -> datetime | None:
    month = _MONTHS[(match["m1"] or match["m2"]).lower()]
    try:
        return datetime(
            int(match["y1"] or match["y2"]),
            month,
            int(match["d1"] or match["d2"]),
            int(match["H"] or 0),
            int(match["M"] or 0),
            int(match["S"] or 0),
        )
    except ValueError:
        return None


def parse_datetime(value: object, *, language: str = "") -> datetime | None:
    """Parse a publish time from front matter, meta tags or a visible date line.

    Accepts datetimes, dates, ISO 8601, ``2024/04/02 18:01``, ``2019年09月09日 18:13:22``,
    RFC 2822 and (through dateutil) English dates such as "April 2, 2024". The result is
    always timezone-aware: a naive time is taken as the article's local time, guessed from its
    ``language`` (zh → UTC+8, ja/ko → UTC+9, else UTC), so ISO output is stable and comparable.
    """
    tz = language_offset(language)
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, date):
        result = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        parsed = _parse_string(value.strip()[:200])
        if parsed is None:
            return None
        result = parsed
    else:
        return None
    if result.tzinfo is None:
        result = result.replace(tzinfo=tz)
    if not 1900 <= result.year <= 2200:
        return None
    return result


def _parse_string(text: str) -> datetime | None:
    if not text:
        return None
    match = _NUMERIC_DATE.search(text)
    if match:
        try:
            result = datetime(
                int(match["y"]),
                int(match["m"]),
                int(match["d"]),
                int(match["H"] or 0),
                int(match["M"] or 0),
                int(match["S"] or 0),
            )
        except ValueError:
            return None
        zone = (match["tz"] or "").upper()
        if zone in ("Z", "UTC", "GMT"):
            result = result.replace(tzinfo=UTC)
        elif zone:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            if offset < timedelta(hours=15):
                result = result.replace(tzinfo=timezone(sign * offset))
        return result
    # Without a four-digit year, dateutil would silently fill in the current one.
    if not _YEAR.search(text):
        return None
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    wordy = find_wordy_date(text)
    if wordy is not None:
        return _wordy(wordy)
    try:
        from dateutil import parser as dateutil_parser

        return dateutil_parser.parse(text, fuzzy=False)
    except Exception:  # noqa: BLE001 - dateutil raises a zoo of types on odd input; no date
        log.debug("no date in %r", text, exc_info=True)
        return None


# --- Markdown --------------------------------------------------------------------------------
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>~|])")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]{1,32};)")
_TRAILING_HASHES = re.compile(r"(#+)\s*$")


def escape_inline(text: str) -> str:
    """Escape ``text`` so Markdown shows it literally inside a paragraph or heading."""
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    return _ENTITY_LIKE.sub(r"\\&", text)


def escape_heading(text: str) -> str:
    """Escape heading text (closing ``#`` runs would otherwise be eaten)."""
    text = escape_inline(text.strip())
    return _TRAILING_HASHES.sub(lambda m: "\\#" * len(m.group(1)), text)


# The outline's guarded parsers: block tokens parsed here can be handed to the outline.
_md = INLINE_PARSER
_md_blocks = BLOCK_PARSER


def is_local_base(base: str) -> bool:
    """True when ``base`` is a file path (links resolve to paths), not a URL."""
    return bool(base) and (base.startswith("/") or bool(re.match(r"^[A-Za-z]:[\\/]", base)))


def resolve_link(href: str, base: str) -> str:
    """Make ``href`` absolute against ``base`` (a URL, or an absolute file path)."""
    href = href.strip()
    if not href or not base or href.startswith("#"):
        return href
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", href) or href.startswith("//"):
        if href.startswith("//") and not is_local_base(base):
            return urljoin(base, href)
        return href
    if is_local_base(base):
        path, _, fragment = href.partition("#")
        path = path.split("?", 1)[0]
        if not path:
            return href
        from urllib.parse import unquote

        resolved = os.path.normpath(os.path.join(os.path.dirname(base), unquote(path)))
        return resolved + (f"#{fragment}" if fragment else "")
    try:
        return urljoin(base, href)
    except ValueError:
        return href


def links_from_markdown(
    body: str,
    base: str = "",
    tokens: Sequence[Token] | None = None,
    env: dict[str, object] | None = None,
) -> list[Link]:
    """The inline links of a Markdown ``body`` in order, with absolute URLs (capped).

    Args:
        body: The Markdown text.
        base: What relative links resolve against (a URL or a file path).
        tokens: Block tokens of ``body`` from a block-only parse, shared with the outline by
            :func:`build_article`; parsed here when omitted.
        env: The environment of that parse (it holds the reference definitions).
    """
    links: list[Link] = []
    if tokens is None or env is None:
        env = {}
        tokens = _md_blocks.parse(body, env)
    # Block pass first; inline parsing (the costly part) only where a link can be.
    for block in tokens:
        if block.type != "inline" or ("[" not in block.content and "<" not in block.content):
            continue
        parsed = _md.parseInline(block.content, env)
        token = parsed[0] if parsed else block
        if not token.children:
            continue
        href: str | None = None
        parts: list[str] = []
        for child in token.children:
            if child.type == "link_open":
                href = str(child.attrs.get("href", ""))
                parts = []
            elif child.type == "link_close" and href is not None:
                url = clean_line(resolve_link(href, base))
                title = clean_line("".join(parts)) or url
                if url:
                    links.append(Link(title=title[:MAX_TITLE], url=url))
                    if len(links) >= MAX_LINKS:
                        return links
                href = None
            elif href is not None and child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif href is not None and child.type == "image":
                parts.append(child.content)
    return links


# --- assembly --------------------------------------------------------------------------------
def host_of(url: str) -> str:
    """The host of an http(s) URL without ``www.``, or "" for paths and other schemes."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname
    return host[4:] if host.startswith("www.") else host


@dataclass
class BlockPass:
    """A block-only markdown-it parse of a body that an importer already made.

    Attributes:
        tokens: The block tokens (inline parsing disabled), without any removed title heading.
        env: The parse environment (reference definitions).
        shift: How many lines the body given to :func:`build_article` lacks before the first
            token, compared with the parsed text (source lines of headings move up by it).
    """

    tokens: list[Token]
    env: dict[str, object]
    shift: int


def build_article(
    *,
    body: str,
    title: str,
    kind: str,
    url: str = "",
    path: Path | None = None,
    source: str = "",
    published: datetime | None = None,
    language: str = "",
    related: Iterable[Related] = (),
    tags: Iterable[str] = (),
    link_base: str = "",
    blocks: BlockPass | None = None,
) -> Article:
    """Assemble a sanitized :class:`Article`: sections, links and related derived here.

    ``url`` is the canonical URL when known (front matter or fetch URL); otherwise ``path``
    (absolute) stands in for it, as the id and as ``Article.url``. ``blocks`` is the importer's
    own block pass over ``body`` (see :class:`BlockPass`), reused when cleaning changed nothing.
    """
    cleaned = clean(body)
    if cleaned != body or not body.strip():
        blocks = None
    body = cleaned.strip("\n") + "\n" if body.strip() else ""
    canonical = clean_line(url)
    identity = canonical
    if not canonical and path is not None:
        # The id hashes the real path (stable identity); the stored path is sanitized like any
        # other text, since file names can carry escape sequences too.
        identity = str(path)
        canonical = clean_line(identity)
    if not source:
        source = host_of(canonical)
    if not source and path is not None:
        source = _folder_source(path)
    base = link_base or canonical
    cleaned_related = [
        Related(
            title=clean_line(entry.title)[:MAX_TITLE],
            url=clean_line(resolve_link(entry.url, base)) or None if entry.url else None,
            count=entry.count,
        )
        for entry in related
    ]
    own_title = clean_line(title)
    collapsed = collapse_related(
        r
        for r in cleaned_related
        if r.title
        and not names_itself(r.title, own_title)
        and not (r.url and canonical and _same_address(r.url, canonical))
    )[:MAX_RELATED]
    language = clean_line(language)[:35] or guess_language(body or title)
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=language_offset(language))
    seen_tags: list[str] = []
    for tag in tags:
        tag = clean_line(tag)[:100]
        if tag and tag not in seen_tags:
            seen_tags.append(tag)
        if len(seen_tags) >= 100:
            break
    # One block pass shared by the outline and the links (rather than a parse of the body for
    # each), or none here when the importer's own pass can stand in for it.
    if blocks is None:
        env: dict[str, object] = {}
        blocks = BlockPass(_md_blocks.parse(body, env), env, 0)
    return Article(
        id=article_id(identity or body[:1000] or title),
        title=clean_line(title)[:MAX_TITLE] or "Untitled",
        url=canonical,
        source=clean_line(source)[:200] or "local",
        published=published,
        fetched=now(),
        language=language,
        body=body,
        kind=kind,
        sections=sections_from_markdown(body, blocks.tokens, line_shift=blocks.shift),
        links=links_from_markdown(body, base, blocks.tokens, blocks.env),
        related=collapsed,
        tags=seen_tags,
    )


def _same_address(a: str, b: str) -> bool:
    """Two addresses of one page (scheme, ``www.``, fragment and a trailing slash aside)."""

    def key(url: str) -> str:
        try:
            parts = urlsplit(url.strip())
        except ValueError:
            return url
        host = parts.netloc.lower().removeprefix("www.")
        return f"{host}{parts.path.rstrip('/')}?{parts.query}"

    return key(a) == key(b)


def _folder_source(path: Path) -> str:
    """The source shown for a local file: its folder's name ("termreader samples" for ours)."""
    from termreader.locations import sample_articles_dir

    try:
        if path.resolve().parent == sample_articles_dir().resolve():
            return "termreader samples"
    except OSError:
        pass
    return path.parent.name or "local"
