"""Hostile terminal payloads shared by the sanitizer, terminal-safety and fuzz tests (issue 6)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Payload:
    """One hostile string.

    Attributes:
        name: Short id for test ids.
        text: The payload as it would sit in a document.
        marker: Text inside the sequence that must vanish with it ("" when nothing must vanish
            beyond the control characters themselves).
        terminated: True when the sequence ends on its own; unterminated string sequences
            swallow the rest of their field, so they go at the end of one.
        keep: Text the payload carries that must survive (the visible part of an OSC 8 link,
            the words between bidi overrides).
    """

    name: str
    text: str
    marker: str = ""
    terminated: bool = True
    keep: str = ""


PAYLOADS: tuple[Payload, ...] = (
    # OSC 0/2: retitle the window or icon (BEL- and ST-terminated, unterminated).
    Payload("osc0-bel", "\x1b]0;PWNED-OSC0\x07", "PWNED-OSC0"),
    Payload("osc2-st", "\x1b]2;PWNED-OSC2\x1b\\", "PWNED-OSC2"),
    Payload("osc1-c1st", "\x1b]1;PWNED-OSC1\x9c", "PWNED-OSC1"),
    Payload("osc2-cut-by-esc", "\x1b]2;PWNED-OSCX\x1b[1m", "PWNED-OSCX"),
    # OSC 8: a hyperlink whose target differs from its text; the text stays, the target goes.
    Payload(
        "osc8-link",
        "\x1b]8;;https://evil.test/PWNED-OSC8\x1b\\click here\x1b]8;;\x1b\\",
        "PWNED-OSC8",
        keep="click here",
    ),
    # OSC 52: write the clipboard (base64 of "PWNED-CLIP"); "?" reads it back on some terminals.
    Payload("osc52-write", "\x1b]52;c;UFdORUQtQ0xJUA==\x07", "UFdORUQtQ0xJUA"),
    Payload("osc52-query", "\x1b]52;c;?\x1b\\after-52", keep="after-52"),
    # CSI: clear the screen, move the cursor, recolour, report the title back (echo-back attacks).
    Payload("csi-clear", "\x1b[2J\x1b[H", "[2J"),
    Payload("csi-sgr", "\x1b[31;1;5mred\x1b[0m", "[31;1;5m", keep="red"),
    Payload("csi-report-title", "\x1b[21t", "[21t"),
    Payload("csi-private-mode", "\x1b[?1049h\x1b[?25l", "[?1049h"),
    # DCS (DECRQSS / sixel), APC (kitty graphics), PM, SOS.
    Payload("dcs", "\x1bP$qPWNED-DCS\x1b\\", "PWNED-DCS"),
    Payload("apc", "\x1b_Ga=T;PWNED-APC\x1b\\", "PWNED-APC"),
    Payload("pm", "\x1b^PWNED-PM\x1b\\", "PWNED-PM"),
    Payload("sos", "\x1bXPWNED-SOS\x1b\\", "PWNED-SOS"),
    # Other escapes: full reset, save cursor, keypad mode.
    Payload("esc-ris", "\x1bc", ""),
    Payload("esc-decsc", "\x1b7\x1b8", ""),
    # 8-bit C1 forms: CSI 0x9b, OSC 0x9d (BEL and ST ends), DCS 0x90, APC 0x9f.
    Payload("c1-csi", "\x9b2J", "2J"),
    Payload("c1-osc-bel", "\x9d0;PWNED-C1OSC\x07", "PWNED-C1OSC"),
    Payload("c1-osc-st", "\x9d2;PWNED-C1OSC2\x9c", "PWNED-C1OSC2"),
    Payload("c1-dcs", "\x90PWNED-C1DCS\x9c", "PWNED-C1DCS"),
    Payload("c1-apc", "\x9fPWNED-C1APC\x9c", "PWNED-C1APC"),
    Payload("c1-nel", "a\x85b", "", keep="ab"),
    # C0 controls and DEL (no NUL: a NUL makes a whole file "binary" for the importers).
    Payload("c0-bell-bs", "x\x07\x08\x08\x08y", "", keep="xy"),
    Payload("c0-vt-ff-so", "x\x0b\x0c\x0e\x0fy", "", keep="xy"),
    Payload("del", "x\x7fy", "", keep="xy"),
    # Bidi overrides and isolates (Trojan Source): the words stay, the direction controls go.
    Payload("bidi-rlo", "\u202eTXET-DESREVER\u202c", keep="TXET-DESREVER"),
    Payload("bidi-lre-rle-lro", "\u202a1\u202b2\u202d3\u202c", keep="123"),
    Payload("bidi-isolates", "\u2066I1\u2067I2\u2068I3\u2069", keep="I1I2I3"),
    # Unterminated string sequences: the rest of the field is swallowed (so: last in a field).
    Payload("osc2-unterminated", "\x1b]2;PWNED-OSCU", "PWNED-OSCU", terminated=False),
    Payload("dcs-unterminated", "\x1bPPWNED-DCSU", "PWNED-DCSU", terminated=False),
    Payload("apc-unterminated", "\x1b_PWNED-APCU", "PWNED-APCU", terminated=False),
    Payload("csi-unterminated", "\x1b[12;", "[12;", terminated=False),
)

#: Payloads safe to put in the middle of a field.
TERMINATED = tuple(p for p in PAYLOADS if p.terminated)
#: Payloads that must go at the end of a field.
UNTERMINATED = tuple(p for p in PAYLOADS if not p.terminated)
#: Every marker that must vanish with its sequence.
MARKERS = tuple(
    p.marker for p in PAYLOADS if p.marker.startswith("PWNED") or p.marker.startswith("UFdO")
)


def all_terminated() -> str:
    """Every terminated payload in one string, separated by spaces."""
    return " ".join(p.text for p in TERMINATED)


def hostile(field: str) -> str:
    """A field value ``field`` wrapped in every payload, ending with an unterminated one."""
    return f"{field} {all_terminated()} {field}-end " + UNTERMINATED[0].text
