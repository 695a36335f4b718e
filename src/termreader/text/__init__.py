"""Text that comes from outside: sanitising, decoding, Markdown and plain-text helpers."""
