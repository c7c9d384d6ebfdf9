"""Tray icons drawn with Pillow: one look per state, legible from 16 to 64 pixels.

Each state differs in colour *and* shape (speaker, speaker with waves, pause bars, dots, "!"), so
it reads at a glance and without colour vision. Shapes are drawn 8x oversized on a 64-unit grid
and downsampled, which gives smooth edges at any tray size.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable

from PIL import Image, ImageDraw

SIZES = (16, 22, 24, 32, 48, 64)
_GRID = 64
_OVERSAMPLE = 8


class IconState(str, enum.Enum):
    """What the icon shows: the reader's state, or an error that needs the user's attention."""

    IDLE = "idle"
    LOADING = "loading"
    SPEAKING = "speaking"
    PAUSED = "paused"
    ERROR = "error"


FILL: dict[IconState, tuple[int, int, int]] = {
    IconState.IDLE: (96, 106, 120),  # slate: present, doing nothing
    IconState.LOADING: (214, 140, 0),  # amber: busy
    IconState.SPEAKING: (33, 140, 82),  # green: on air
    IconState.PAUSED: (41, 104, 204),  # blue: held
    IconState.ERROR: (200, 45, 45),  # red: needs you
}
_WHITE = (255, 255, 255, 255)


def render_icon(state: IconState | str, size: int = 64) -> Image.Image:
    """A square RGBA image of ``size`` pixels showing ``state``."""
    return _render(IconState(state), size).copy()


@functools.lru_cache(maxsize=64)
def _render(state: IconState, size: int) -> Image.Image:
    if not 8 <= size <= 512:
        raise ValueError(f"icon size {size} out of range 8..512")
    scale = _OVERSAMPLE * size / _GRID
    big = round(_GRID * scale)
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (x0 * scale, y0 * scale, x1 * scale, y1 * scale)

    def points(*xy: tuple[float, float]) -> list[tuple[float, float]]:
        return [(x * scale, y * scale) for x, y in xy]

    draw.ellipse(box(1, 1, 63, 63), fill=(*FILL[state], 255))
    if state in (IconState.IDLE, IconState.SPEAKING):
        offset = 0 if state is IconState.IDLE else -7
        _speaker(draw, points, offset)
        if state is IconState.SPEAKING:
            for radius in (9, 17):
                draw.arc(box(30 - radius, 32 - radius, 30 + radius, 32 + radius), -50, 50,
                         fill=_WHITE, width=max(1, round(5 * scale)))
    elif state is IconState.PAUSED:
        draw.rectangle(box(20, 17, 28, 47), fill=_WHITE)
        draw.rectangle(box(36, 17, 44, 47), fill=_WHITE)
    elif state is IconState.LOADING:
        for x in (17, 32, 47):
            draw.ellipse(box(x - 5.5, 26.5, x + 5.5, 37.5), fill=_WHITE)
    else:
        draw.rounded_rectangle(box(27, 12, 37, 40), radius=4 * scale, fill=_WHITE)
        draw.ellipse(box(26.5, 43.5, 37.5, 54.5), fill=_WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def _speaker(
    draw: ImageDraw.ImageDraw, points: Callable[..., list[tuple[float, float]]], offset: float
) -> None:
    dx = 9 + offset
    draw.polygon(
        points((dx + 8, 25), (dx + 16, 25), (dx + 28, 14), (dx + 28, 50), (dx + 16, 39), (dx + 8, 39)),
        fill=_WHITE,
    )
