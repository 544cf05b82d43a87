"""Personal data in a prompt (English and Japanese forms), described masked: never quoted in full."""

from __future__ import annotations

import re

from ..i18n import N_

EMAIL, PHONE, CARD, ID_NUMBER, STREET_ADDRESS, POSTAL_CODE, ADDRESS = (
    N_("email"), N_("phone number"), N_("card number"), N_("ID number"), N_("street address"), N_("postal code"),
    N_("address"))

# Patterns that begin with a lookbehind defeat the regex engine's fast skip, and each would cost about 1 ms on
# a 32,000-character prompt. So digit patterns only run on small windows around runs of 6+ digits, found by a
# pattern that starts with a plain digit; emails start from each "@".
_DIGIT = re.compile(r"\d")
_MAX_FINDINGS = 20  # a tip shows three and "N more"; a pasted table must not cost a scan per row
_DIGIT_RUN = re.compile(r"\d(?:[ ().\-]{0,2}\d){5,}")
_DIGIT_RUN_ASCII = re.compile(_DIGIT_RUN.pattern, re.ASCII)  # for a view of ASCII alone: the same runs, found faster
_MAX_DIGIT_RUN = 64  # longer runs are tables of numbers, and scanning them costs
_EMAIL_AT = re.compile(r"@(?<=[\w.+%-]@)[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")  # from "@" to the domain's end
_EMAIL_LOCAL = re.compile(r"[\w.+%-]+\Z")
# Digit runs are matched whole: "4111 1111 1111 1112" must not yield a valid 12-digit tail.
_CARD = re.compile(r"(?<![\d-])(?<!\d )\d(?:[ -]?\d){12,18}(?![\d-])(?! \d)")
_SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
_NINO = re.compile(r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
_MY_NUMBER = re.compile(r"(?<![\d-])(?<!\d )\d{4}[ -]?\d{4}[ -]?\d{4}(?![\d-])(?! \d)")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,4}){1,4}(?![\w-])"
    r"|(?<![\w+])\+\d{8,14}(?!\w)")
_DATE_LIKE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")
_STREET = r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|" \
    r"Crescent|Square|Sq|Highway|Hwy)\b"
_STREET_WORD = re.compile(_STREET)
_ADDRESS = re.compile(r"\b\d{1,5}[A-Za-z]?\s+(?:[A-Z][\w'’.-]*\s+){1,3}" + _STREET + r"\.?")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _my_number_ok(digits: str) -> bool:
    # Japan's individual number: 11 digits and a check digit (weights 2..7, 2..6 from the right).
    body, check = digits[:11], int(digits[11])
    total = sum(int(d) * (n + 1 if n <= 6 else n - 5) for n, d in enumerate(reversed(body), start=1))
    rest = total % 11
    return check == (0 if rest <= 1 else 11 - rest)


def _mask_digits(text: str, keep: int) -> str:
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    hidden = set(positions[: max(0, len(positions) - keep)])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(text))


def _mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    host, _, tld = domain.rpartition(".")
    return f"{local[:1]}***@{host[:1]}***.{tld}"


def _phone_like(raw: str) -> bool:
    if not 9 <= sum(ch.isdigit() for ch in raw) <= 15 or _DATE_LIKE.fullmatch(raw):
        return False
    # Space-separated digit groups are usually years or counts, unless written like a phone number.
    return raw[0] in "+(0" or (re.search(r"\d[.-]\d", raw) is not None and len(re.findall(r"\d+", raw)) >= 3)


# Japanese forms. A mobile number may be written without hyphens (09012345678); hyphenated numbers
# (090-1234-5678, 03-1234-5678) are the general phone pattern's.
_JA_MOBILE = re.compile(r"(?<!\d)0[5789]0\d{8}(?!\d)")
_POSTAL = re.compile(r"(〒|郵便番号\s*[:は]?)\s*(\d{3}-?\d{4})(?![\d-])")
# The individual number, named as such: twelve digits, whatever their check digit (a typo is still one).
_MY_NUMBER_NAMED = re.compile(r"(?:マイナンバー|個人番号)\D{0,6}?(\d{4}[ -]?\d{4}[ -]?\d{4})(?![\d-])")
_KANJI_DIGITS = "一二三四五六七八九十〇"
_NUM = rf"[0-9{_KANJI_DIGITS}]{{1,4}}"
_DASH = "[-ー−‐の]"
# The block part of an address: 1丁目2番3号, 一丁目二番地, 1-2-3, 1の2. Searched first (it starts with a digit,
# so the engine skips ahead); the town before it is then read backwards from a short window.
_JA_BLOCK = re.compile(
    rf"{_NUM}丁目(?:{_NUM}(?:番地?|{_DASH}))?(?:{_NUM}号?)?|\d{{1,4}}(?:{_DASH}\d{{1,4}}){{1,2}}(?:号)?")
# A town's name is kanji and katakana (丸の内, 霞ケ関 and 八ヶ岳 take の and ヶ too), so a particle before it (住所は)
# is not taken for part of it.
_TOWN = "[\u4e00-\u9fff々\u30a1-\u30fa\u30fcのヶ]"
_JA_PLACE = re.compile(rf"(?:[\u4e00-\u9fff]{{2,3}}[都道府県])?{_TOWN}{{1,8}}[市区町村郡]{_TOWN}{{0,8}}\Z")
_NUMBERS = re.compile(rf"[0-9{_KANJI_DIGITS}]+")


def _mask_numbers(text: str) -> str:
    return _NUMBERS.sub(lambda m: "*" * len(m.group()), text)


def find(view: str, text: str, *, capitals: bool = True) -> list[tuple[str, str]]:
    """(kind, masked) for what looks like personal data, in text order, e.g. ("card number", "**** **** **** 1111").

    `view`: the prompt with Japanese blanked out (same length), so the English patterns' word boundaries hold
    beside Japanese text; `text`: the prompt itself, for the Japanese forms; `capitals`: False when the prompt has
    no capital letter, so no street name (a search of the whole prompt for nothing).
    """
    found: list[tuple[int, int, str, str]] = []

    def take(start: int, end: int, kind: str, masked: str) -> None:
        if len(found) < _MAX_FINDINGS and all(end <= a or start >= b for a, b, _, _ in found):
            found.append((start, end, kind, masked))

    for m in _EMAIL_AT.finditer(view) if "@" in view else ():
        local = _EMAIL_LOCAL.search(view, max(0, m.start() - 64), m.start())
        if local:
            take(local.start(), m.end(), EMAIL, _mask_email(view[local.start():m.end()]))
        if len(found) >= _MAX_FINDINGS:
            break
    digits_in = _DIGIT.search(view) is not None
    if digits_in and ("〒" in text or "郵便番号" in text):
        for m in _POSTAL.finditer(text):
            take(m.start(), m.end(), POSTAL_CODE, "〒" + _mask_digits(m.group(2), 0))
    if digits_in and ("マイナンバー" in text or "個人番号" in text):
        for m in _MY_NUMBER_NAMED.finditer(text):
            take(m.start(1), m.end(1), ID_NUMBER, _mask_digits(m.group(1), 4))
    for run in (_DIGIT_RUN_ASCII if view.isascii() else _DIGIT_RUN).finditer(view) if digits_in else ():
        if len(found) >= _MAX_FINDINGS:
            break
        if run.end() - run.start() > _MAX_DIGIT_RUN:
            continue
        lo = max(0, run.start() - 4)  # room for "+", "(" and a national-insurance prefix
        window = view[lo:run.end() + 3]
        for m in _SSN.finditer(window):
            take(lo + m.start(), lo + m.end(), ID_NUMBER, _mask_digits(m.group(), 4))
        for m in _CARD.finditer(window):
            digits = re.sub(r"\D", "", m.group())
            if _luhn(digits) and len(set(digits)) > 1:
                take(lo + m.start(), lo + m.end(), CARD, _mask_digits(m.group(), 4))
        for m in _MY_NUMBER.finditer(window):
            if _my_number_ok(re.sub(r"\D", "", m.group())):
                take(lo + m.start(), lo + m.end(), ID_NUMBER, _mask_digits(m.group(), 4))
        for m in _NINO.finditer(window):
            take(lo + m.start(), lo + m.end(), ID_NUMBER, _mask_digits(m.group(), 0))
        for m in _JA_MOBILE.finditer(window):
            take(lo + m.start(), lo + m.end(), PHONE, _mask_digits(m.group(), 2))
        for m in _PHONE.finditer(window):
            if _phone_like(m.group()):
                take(lo + m.start(), lo + m.end(), PHONE, _mask_digits(m.group(), 2))
    if capitals and _STREET_WORD.search(view):
        for m in _ADDRESS.finditer(view):
            take(m.start(), m.end(), STREET_ADDRESS, _mask_digits(" ".join(m.group().split()), 0))
            if len(found) >= _MAX_FINDINGS:
                break
    # Only a prompt naming a town has a Japanese address (the block pattern has no literal to skip ahead to).
    if digits_in and any(ch in text for ch in "市区町村郡"):
        for m in _JA_BLOCK.finditer(text):
            if len(found) >= _MAX_FINDINGS:
                break
            if len(_NUMBERS.findall(m.group())) < 2:
                continue  # "3丁目" alone is a place's name, not an address
            place = _JA_PLACE.search(text, max(0, m.start() - 24), m.start())
            if place:
                take(place.start(), m.end(), ADDRESS, text[place.start():m.start()] + _mask_numbers(m.group()))
    return [(kind, masked) for _, _, kind, masked in sorted(found)]
