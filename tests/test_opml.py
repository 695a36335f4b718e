"""OPML import and export: the subscription lists other feed readers write and read."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termreader.errors import ImportFailed, TermreaderError
from termreader.web.opml import OpmlFeed, export_opml, parse_opml

OPML_2 = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My feeds</title></head>
  <body>
    <outline text="Tech" title="Tech">
      <outline type="rss" text="Cloudflare" title="The Cloudflare Blog" xmlUrl="https://blog.cloudflare.com/rss/" htmlUrl="https://blog.cloudflare.com/"/>
      <outline type="rss" text="LWN" xmlUrl="https://lwn.net/headlines/rss"/>
    </outline>
    <outline type="rss" text="\xe5\x87\xb9\xe5\x87\xb8\xe5\xae\x9e\xe9\xaa\x8c\xe5\xae\xa4" xmlUrl="https://aotu.io/atom.xml"/>
    <outline type="rss" text="dup" xmlUrl="https://lwn.net/headlines/rss"/>
    <outline type="rss" text="evil" xmlUrl="javascript:alert(1)"/>
    <outline type="rss" text="local" xmlUrl="file:///etc/passwd"/>
  </body>
</opml>"""

OPML_1 = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<opml version="1.0"><head><title>old</title></head><body>
<outline text="Caf\xe9" xmlurl="http://example.org/feed.xml" type="rss"/>
</body></opml>"""


def test_parse_opml_2_with_categories() -> None:
    feeds = parse_opml(OPML_2)
    assert [(f.url, f.title, f.category) for f in feeds] == [
        ("https://blog.cloudflare.com/rss/", "The Cloudflare Blog", "Tech"),
        ("https://lwn.net/headlines/rss", "LWN", "Tech"),
        ("https://aotu.io/atom.xml", "凹凸实验室", ""),
    ]


def test_parse_opml_1_latin1_and_lowercase_attribute() -> None:
    assert parse_opml(OPML_1) == [OpmlFeed("http://example.org/feed.xml", "Café", "")]


def test_round_trip() -> None:
    feeds = parse_opml(OPML_2)
    text = export_opml(feeds)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert parse_opml(text.encode("utf-8")) == feeds


def test_export_escapes_markup_in_titles() -> None:
    text = export_opml([OpmlFeed("https://ex.org/f?a=1&b=2", 'A <b>"bold"</b> & co')])
    assert parse_opml(text.encode()) == [
        OpmlFeed("https://ex.org/f?a=1&b=2", 'A <b>"bold"</b> & co')
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not xml at all",
        b"<rss version='2.0'><channel/></rss>",
        b"<opml version='2.0'><head/></opml>",
        b"""<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>
<opml version="2.0"><body><outline text="&b;" xmlUrl="https://ex.org/"/></body></opml>""",
        b"""<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&x;" xmlUrl="https://ex.org/"/></body></opml>""",
    ],
    ids=["empty", "text", "rss", "no-body", "entities", "xxe"],
)
def test_bad_or_hostile_opml_is_one_line_import_failed(data: bytes) -> None:
    with pytest.raises(ImportFailed) as info:
        parse_opml(data)
    assert "\n" not in str(info.value)


# --- the commands ------------------------------------------------------------------------------
def test_cli_import_export_unsubscribe(tmp_path, capsys) -> None:  # noqa: ANN001
    from termreader.cli.main import main

    home = str(tmp_path / "lib")
    source = tmp_path / "feeds.opml"
    source.write_bytes(OPML_2)
    assert main(["--library", home, "import-opml", str(source)]) == 0
    assert capsys.readouterr().out.startswith("3 new subscriptions (3 feeds in feeds.opml)")
    assert main(["--library", home, "import-opml", str(source)]) == 0  # idempotent
    assert capsys.readouterr().out.startswith("0 new subscriptions")

    assert main(["--library", home, "export-opml"]) == 0
    exported = capsys.readouterr().out
    assert {f.url for f in parse_opml(exported.encode())} == {f.url for f in parse_opml(OPML_2)}
    target = tmp_path / "out.opml"
    assert main(["export-opml", str(target), "--library", home]) == 0
    assert {f.title for f in parse_opml(target.read_bytes())} == {
        "The Cloudflare Blog",
        "LWN",
        "凹凸实验室",
    }

    assert main(["--library", home, "unsubscribe", "https://lwn.net/headlines/rss"]) == 0
    capsys.readouterr()
    assert main(["--library", home, "subscriptions"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and not any("lwn" in line for line in lines)

    assert main(["--library", home, "unsubscribe", "https://lwn.net/headlines/rss"]) == 1
    err = capsys.readouterr().err
    assert err == "termreader: not subscribed to https://lwn.net/headlines/rss\n"


def test_cli_errors_are_one_line(tmp_path, capsys) -> None:  # noqa: ANN001
    from termreader.cli.main import main

    home = str(tmp_path / "lib")
    bad = tmp_path / "bad.opml"
    bad.write_bytes(b"<rss/>")
    assert main(["--library", home, "import-opml", str(bad)]) == 1
    assert (
        capsys.readouterr().err == f"termreader: {bad}: not an OPML file: root element is <rss>\n"
    )
    assert main(["--library", home, "import-opml", str(tmp_path / "missing.opml")]) == 1
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["--library", home, "subscribe", "javascript:alert(1)"]) == 1
    assert (
        capsys.readouterr().err
        == "termreader: javascript: links are not followed: javascript:alert(1)\n"
    )
    assert main(["--library", home, "sync", "--concurrency", "0"]) == 1
    assert main(["--library", home, "sync", "--json"]) == 0  # nothing to do is fine
    assert '"added": 0' in capsys.readouterr().out


def test_web_modules_do_not_import_textual() -> None:
    import subprocess
    import sys

    code = (
        "import sys, termreader.cli.web, termreader.web.sync, termreader.web.fetch, termreader.web.feeds,"
        " termreader.web.opml, termreader.web.linkpolicy; import termreader.cli.main;"
        " termreader.cli.main.build_parser(); print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=1000))
def test_arbitrary_bytes_raise_only_import_failed(data: bytes) -> None:
    for document in (data, b"<opml><body>" + data + b"</body></opml>"):
        try:
            feeds = parse_opml(document)
        except ImportFailed as error:
            assert "\n" not in str(error)
        else:
            assert all(f.url.startswith(("http://", "https://")) for f in feeds)


@pytest.mark.parametrize(
    "encoding",
    [b"nope", b"rot13", b"base64", b"utf-16", b"x" * 300, b"\xff\xfe"],
    ids=["unknown", "rot13", "base64", "utf-16", "long", "non-ascii"],
)
def test_unknown_or_unusable_encoding_is_import_failed(encoding: bytes) -> None:
    """Issue 6: an unknown encoding in the XML declaration raised LookupError (a traceback in
    ``termreader import-opml``); it is a one-line ImportFailed like any other bad file."""
    with pytest.raises(ImportFailed, match="^not an OPML file") as info:
        parse_opml(b'<?xml version="1.0" encoding="' + encoding + b'"?><opml/>')
    assert "\n" not in str(info.value)


_XML_BITS = st.sampled_from(
    [
        b'<?xml version="1.0" encoding="',
        b'"?>',
        b"<opml>",
        b"<body>",
        b'<outline xmlUrl="https://e.test/f" text="t"/>',
        b"</body></opml>",
        b"<!DOCTYPE opml [",
        b'<!ENTITY a "x">',
        b"]>",
        b"&a;",
        b"nope",
        b"utf-16",
        b"latin-1",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(rb"\A[A-Za-z0-9_.:-]{0,16}\Z"),
    st.lists(st.one_of(_XML_BITS, st.binary(max_size=20)), max_size=12).map(b"".join),
)
def test_arbitrary_xmlish_bytes_raise_only_project_errors(encoding: bytes, tail: bytes) -> None:
    """Issue 6: parse_opml raises nothing but TermreaderError subclasses (its ImportFailed),
    whatever the bytes, including declarations naming unknown or unusable encodings."""
    data = b'<?xml version="1.0" encoding="' + encoding + b'"?>' + tail
    try:
        feeds = parse_opml(data)
    except TermreaderError as error:
        assert isinstance(error, ImportFailed) and "\n" not in str(error)
    else:
        assert all(f.url.startswith(("http://", "https://")) for f in feeds)
