"""Regenerate the README screenshots (docs/screenshots/*.svg) from the sample library.

Run from a checkout::

    /work/venv/bin/python scripts/screenshots.py [--out docs/screenshots]

The app runs headless on a fresh copy of the sample library (no network, no user data), opens a
Chinese sample article and saves SVGs at 120×40 and 80×24, dark and light.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (file name, terminal size, theme, keys pressed after the article opens)
SHOTS: list[tuple[str, tuple[int, int], str, list[str]]] = [
    ("main-120x40-dark.svg", (120, 40), "textual-dark", ["right_square_bracket"] * 2),
    ("main-120x40-light.svg", (120, 40), "textual-light", ["right_square_bracket"] * 2),
    ("narrow-80x24-dark.svg", (80, 24), "textual-dark", ["right_square_bracket"]),
    ("library-80x24-dark.svg", (80, 24), "textual-dark", ["L"]),
    ("related-80x24-dark.svg", (80, 24), "textual-dark", ["r"]),
]

CJK_TITLE = "在终端里高效阅读"
"""The sample shown: the first whose title starts with this (else the first Chinese one)."""


async def shoot(out: Path, library_home: Path) -> list[Path]:
    from termreader.config import Settings
    from termreader.library.seeding import open_seeded
    from termreader.ui.app import TermreaderApp

    written: list[Path] = []
    for name, size, theme, keys in SHOTS:
        library = open_seeded(library_home / name.removesuffix(".svg"))  # a fresh one each
        articles = library.list()
        chosen = next((a for a in articles if a.title.startswith(CJK_TITLE)), None)
        chosen = chosen or next((a for a in articles if a.language.startswith("zh")), articles[0])
        settings = Settings(theme=theme, show_outline=size[0] >= 120)
        app = TermreaderApp(library, settings=settings)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            screen = app.main_screen
            assert screen is not None
            screen.open_article(chosen.id)
            screen.reader.focus()
            await pilot.pause()
            for key in keys:
                await pilot.press(key)
            await pilot.pause(0.3)
            app.save_screenshot(filename=name, path=str(out))
        written.append(out / name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # Isolate from the user's library and config.
        os.environ["TERMREADER_HOME"] = str(Path(tmp) / "library")
        os.environ["TERMREADER_CONFIG"] = str(Path(tmp) / "config.toml")
        written = asyncio.run(shoot(args.out, Path(tmp) / "library"))
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
