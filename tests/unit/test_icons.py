"""Tray icons: every state is recognisable at every tray size."""

from __future__ import annotations

import itertools

import pytest
from PIL import Image, ImageChops, ImageStat

from readaloud.desktop.icons import SIZES, IconState, render_icon


def opaque_fraction(image: Image.Image) -> float:
    solid = image.getchannel("A").point(lambda a: 255 if a > 128 else 0)
    return solid.histogram()[255] / (image.width * image.height)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("state", list(IconState))
def test_icon_is_a_square_rgba_disc_with_transparent_corners(state: IconState, size: int) -> None:
    icon = render_icon(state, size)
    assert icon.mode == "RGBA" and icon.size == (size, size)
    for corner in ((0, 0), (size - 1, 0), (0, size - 1), (size - 1, size - 1)):
        assert icon.getchannel("A").getpixel(corner) == 0
    assert 0.6 < opaque_fraction(icon) < 0.85  # a disc fills pi/4 of its square


@pytest.mark.parametrize("size", [16, 22])
def test_states_differ_visibly_even_at_the_smallest_sizes(size: int) -> None:
    for a, b in itertools.combinations(IconState, 2):
        diff = ImageChops.difference(render_icon(a, size), render_icon(b, size)).convert("L")
        assert ImageStat.Stat(diff).mean[0] > 8, f"{a.value} and {b.value} look alike at {size} px"


@pytest.mark.parametrize("size", SIZES)
def test_states_differ_in_shape_not_only_colour(size: int) -> None:
    """Greyscale versions still differ: readable without colour vision."""

    def glyph(state: IconState) -> Image.Image:
        icon = render_icon(state, size)
        return icon.convert("L").point(lambda v: 255 if v > 200 else 0)  # the white glyph only

    for a, b in itertools.combinations(IconState, 2):
        assert ImageChops.difference(glyph(a), glyph(b)).getbbox() is not None, (a, b)


def test_error_icon_reads_as_red_and_speaking_as_green() -> None:
    def centre_ring_colour(state: IconState) -> tuple[float, ...]:
        icon = render_icon(state, 64)
        red, green, blue, _alpha = icon.convert("RGBA").crop((32, 4, 33, 5)).tobytes()  # the rim
        return float(red), float(green), float(blue)

    red, green, _ = centre_ring_colour(IconState.ERROR)
    assert red > 150 and green < 80
    red, green, _ = centre_ring_colour(IconState.SPEAKING)
    assert green > red + 60


def test_out_of_range_size_is_refused() -> None:
    with pytest.raises(ValueError):
        render_icon(IconState.IDLE, 4)
