"""Keys kept out of everything shown or stored: the keys this process was given, and key-shaped text.

A server may echo the caller's key in an error message (some gateways do), so redaction cannot rely on knowing
where a key might appear: every piece of text that is shown, logged, exported or written to the history passes
through `redact`. The keys themselves are remembered here as they are read (config, environment, a backend's own
key), once per process, so no caller has to carry them around.
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[redacted]"
LOCAL_ENGINE_KEY = "sora-tui-local"  # the local engine wants *a* bearer key; this one is not a secret
MIN_SECRET = 8  # shorter "keys" (the local engine takes any) would blank out ordinary words

# Key-shaped text whatever its origin: OpenAI-style keys and bearer tokens. At a word boundary and long enough that
# a prompt's "risk-averse" or "desk-lamp" is never touched.
_KEYISH = r"\bsk-[A-Za-z0-9_\-]{16,}|\bBearer\s+[A-Za-z0-9_\-.=+/]{8,}"
# Field names that hold a secret whatever their value (a request extra, a server's raw object).
_SECRET_NAMES = re.compile(r"api[_-]?key|authorization|secret|password", re.IGNORECASE)

_known: list[str] = []  # longest first, so a key that contains another is replaced whole
_pattern: re.Pattern[str] = re.compile(_KEYISH)
_bytes_pattern: re.Pattern[bytes] = re.compile(_KEYISH.encode())


def remember(*secrets: str | None) -> None:
    """Keys to redact from now on in this process (empty and very short values are ignored)."""
    global _known, _pattern, _bytes_pattern
    fresh = [s.strip() for s in secrets
             if s and len(s.strip()) >= MIN_SECRET and s.strip() not in _known and s.strip() != LOCAL_ENGINE_KEY]
    if not fresh:
        return
    _known = sorted({*_known, *fresh}, key=len, reverse=True)
    alternatives = "|".join(re.escape(s) for s in _known)
    _pattern = re.compile(f"{alternatives}|{_KEYISH}")
    _bytes_pattern = re.compile(f"{alternatives}|{_KEYISH}".encode())


def redact(text: str) -> str:
    """`text` with every known key and key-shaped token replaced by [redacted]."""
    if not text:
        return text
    return _pattern.sub(REDACTED, text)


def needs_scrub(raw: bytes) -> bool:
    """Whether a serialised document holds a key or a field named like one (a quick test before walking it)."""
    return _bytes_pattern.search(raw) is not None or _SECRET_NAMES.search(raw.decode("utf-8", "replace")) is not None


def scrub(value: Any) -> Any:
    """A copy of a JSON-like value with keys redacted from its strings and secret-named fields' values replaced."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: (REDACTED if isinstance(k, str) and _SECRET_NAMES.search(k) and v not in (None, "")
                    else scrub(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    return value
