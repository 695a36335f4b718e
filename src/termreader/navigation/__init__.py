"""Where the reader goes: back/forward history and link resolution (no Textual)."""
