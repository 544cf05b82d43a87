"""What a prompt asks the local renderer for: palette, weather particles, camera move, ambience — keyword tables."""

from __future__ import annotations

import re
from dataclasses import dataclass

RGB = tuple[int, int, int]

# time of day -> (sky top, sky horizon, ground)
TIMES: dict[str, tuple[RGB, RGB, RGB]] = {
    "night": ((8, 10, 32), (28, 34, 78), (14, 18, 30)),
    "midnight": ((4, 6, 22), (20, 24, 60), (10, 12, 24)),
    "dusk": ((44, 32, 92), (214, 112, 98), (42, 36, 60)),
    "twilight": ((36, 30, 96), (150, 96, 150), (36, 34, 58)),
    "sunset": ((72, 46, 118), (250, 128, 60), (70, 44, 40)),
    "golden": ((120, 110, 170), (255, 190, 90), (110, 86, 48)),
    "dawn": ((96, 104, 168), (252, 170, 150), (70, 74, 70)),
    "sunrise": ((110, 130, 196), (255, 176, 112), (76, 80, 60)),
    "morning": ((120, 176, 232), (214, 232, 246), (86, 126, 70)),
    "noon": ((60, 130, 230), (170, 210, 250), (90, 140, 70)),
    "day": ((70, 140, 230), (180, 215, 250), (92, 142, 72)),
    "afternoon": ((90, 150, 220), (220, 220, 200), (110, 140, 70)),
    "fog": ((150, 156, 162), (196, 200, 204), (120, 124, 126)),
    "storm": ((40, 44, 56), (96, 102, 116), (44, 50, 48)),
}
TIME_WORDS: dict[str, str] = {
    "night": "night", "nighttime": "night", "moonlit": "night", "moonlight": "night", "midnight": "midnight",
    "dusk": "dusk", "twilight": "twilight", "evening": "dusk", "sunset": "sunset", "golden hour": "golden",
    "golden": "golden", "dawn": "dawn", "sunrise": "sunrise", "morning": "morning", "noon": "noon",
    "midday": "noon", "daylight": "day", "day": "day", "afternoon": "afternoon", "fog": "fog", "foggy": "fog",
    "mist": "fog", "misty": "fog", "overcast": "fog", "storm": "storm", "stormy": "storm", "thunderstorm": "storm",
}
COLOURS: dict[str, RGB] = {
    "red": (220, 40, 40), "crimson": (180, 20, 50), "orange": (250, 140, 30), "yellow": (250, 220, 50),
    "gold": (240, 190, 60), "green": (50, 180, 80), "emerald": (30, 160, 100), "teal": (20, 150, 150),
    "cyan": (40, 220, 230), "blue": (40, 90, 230), "navy": (20, 30, 100), "purple": (140, 60, 200),
    "violet": (150, 80, 220), "magenta": (220, 50, 180), "pink": (250, 130, 180), "white": (240, 240, 240),
    "black": (20, 20, 24), "grey": (128, 128, 128), "gray": (128, 128, 128), "brown": (130, 80, 40),
    "neon": (255, 40, 200), "silver": (200, 205, 215),
}
PARTICLES: dict[str, str] = {
    "rain": "rain", "rainy": "rain", "raining": "rain", "drizzle": "rain", "downpour": "rain", "thunderstorm": "rain",
    "snow": "snow", "snowy": "snow", "snowing": "snow", "snowfall": "snow", "blizzard": "snow", "snowflakes": "snow",
    "petals": "petals", "cherry blossom": "petals", "cherry blossoms": "petals", "sakura": "petals", "blossoms": "petals",
    "leaves": "leaves", "autumn": "leaves", "fall foliage": "leaves",
    "fireflies": "sparks", "sparks": "sparks", "embers": "sparks", "fireworks": "sparks", "stars": "stars",
}
# ambience words -> sound bed
AMBIENCE: dict[str, str] = {
    "rain": "rain", "storm": "rain", "drizzle": "rain", "wind": "wind", "windy": "wind", "breeze": "wind",
    "sea": "waves", "ocean": "waves", "waves": "waves", "beach": "waves", "surf": "waves",
    "gulls": "birds", "seagulls": "birds", "birds": "birds", "birdsong": "birds", "chirping": "birds",
    "city": "traffic", "traffic": "traffic", "street": "traffic", "fire": "crackle", "campfire": "crackle",
}


@dataclass(frozen=True)
class Camera:
    """A camera move over the clip: offsets are fractions of the frame, zoom a scale factor at the end."""

    name: str
    dx: float = 0.0  # horizontal travel of the view over the clip (+ = to the right)
    dy: float = 0.0  # vertical travel (+ = down)
    zoom: float = 1.0  # scale at the end (start is 1.0)


_CAMERA_PATTERNS: list[tuple[str, Camera]] = [
    (r"\b(zoom|push|dolly)(ing|s)?[- ]in\b|\bpush(es|ing)? forward\b", Camera("zoom in", zoom=1.35)),
    (r"\b(zoom|pull|dolly)(ing|s)?[- ](out|back)\b|\bpull(s|ing)? away\b", Camera("zoom out", zoom=0.75)),
    (r"\b(pan|dolly|truck|track)(s|ing)?( slowly| gently)? (to the )?left\b|\bfrom right to left\b", Camera("pan left", dx=-0.35)),
    (r"\b(pan|dolly|truck|track)(s|ing)?( slowly| gently)? (to the )?right\b|\bfrom left to right\b", Camera("pan right", dx=0.35)),
    (r"\btilt(s|ing)? up\b|\bcrane up\b|\brise(s)? up\b", Camera("tilt up", dy=-0.25)),
    (r"\btilt(s|ing)? down\b|\bcrane down\b", Camera("tilt down", dy=0.25)),
    (r"\borbit(s|ing)?\b|\barc(s|ing)? around\b", Camera("orbit", dx=0.3, zoom=1.15)),
    (r"\b(zoom|pan|dolly|tracking shot)\b", Camera("pan right", dx=0.3)),
]


@dataclass(frozen=True)
class Scene:
    sky_top: RGB
    sky_horizon: RGB
    ground: RGB
    accent: RGB  # the ball's colour
    particles: str | None
    camera: Camera
    ambience: str | None
    time_word: str | None


def _has(text: str, word: str) -> bool:
    return re.search(rf"\b{re.escape(word)}\b", text) is not None


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))  # type: ignore[return-value]


def read_prompt(prompt: str) -> Scene:
    """Turn a prompt into scene settings; the first matching words win (documented tables above)."""
    text = prompt.lower()
    time_key = None
    for word in sorted(TIME_WORDS, key=len, reverse=True):
        if _has(text, word):
            time_key = TIME_WORDS[word]
            break
    top, horizon, ground = TIMES[time_key or "day"]
    colours = [COLOURS[w] for w in COLOURS if _has(text, w)]
    if colours:
        tint = colours[0]
        top, horizon = _mix(top, tint, 0.35), _mix(horizon, tint, 0.5)
    accent = colours[1] if len(colours) > 1 else (colours[0] if colours else (250, 90, 60))
    if accent == horizon:
        accent = (250, 250, 250)
    particles = None
    for word in sorted(PARTICLES, key=len, reverse=True):
        if _has(text, word):
            particles = PARTICLES[word]
            break
    camera = Camera("static")
    for pattern, move in _CAMERA_PATTERNS:
        if re.search(pattern, text):
            camera = move
            break
    ambience = None
    for word in AMBIENCE:
        if _has(text, word):
            ambience = AMBIENCE[word]
            break
    if ambience is None and particles == "rain":
        ambience = "rain"
    return Scene(top, horizon, ground, accent, particles, camera, ambience, time_key)
