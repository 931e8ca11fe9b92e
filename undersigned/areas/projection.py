"""The Albers USA map projection, so our own points land on the shipped state map.

The state shapes in data/us-states.json were projected by their publisher
(us-atlas, see data/NOTICE.md) with the usual "Albers USA" composite, scaled to
a 975x610 picture: the lower 48 states in a conic equal-area projection with
standard parallels 29.5°N and 45.5°N, and Alaska (at 0.35 scale) and Hawaii
moved into insets at the bottom left. `project()` reproduces that projection
from the textbook formulas (Snyder, *Map Projections: A Working Manual*,
USGS 1987, pp. 98-103), so a longitude and latitude (a ZIP code's centroid)
can be drawn on that map.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 975, 610
SCALE = 1300
CENTRE_X, CENTRE_Y = 487.5, 305


@dataclass(frozen=True)
class ConicEqualArea:
    """One Albers conic equal-area projection, as a rotation, a centre, two
    standard parallels, a scale and where the centre lands on the picture."""

    rotate: float  # degrees added to every longitude
    centre: tuple[float, float]  # (longitude, latitude) after rotation
    parallels: tuple[float, float]
    scale: float
    offset: tuple[float, float]

    def _raw(self, lam: float, phi: float) -> tuple[float, float]:
        sin_1 = math.sin(math.radians(self.parallels[0]))
        n = (sin_1 + math.sin(math.radians(self.parallels[1]))) / 2
        c = 1 + sin_1 * (2 * n - sin_1)
        rho_0 = math.sqrt(c) / n
        rho = math.sqrt(c - 2 * n * math.sin(phi)) / n
        return rho * math.sin(n * lam), rho_0 - rho * math.cos(n * lam)

    def __call__(self, longitude: float, latitude: float) -> tuple[float, float]:
        lam = math.radians((longitude + self.rotate + 180) % 360 - 180)
        x, y = self._raw(lam, math.radians(latitude))
        cx, cy = self._raw(math.radians(self.centre[0]), math.radians(self.centre[1]))
        return self.offset[0] + self.scale * (x - cx), self.offset[1] - self.scale * (y - cy)


LOWER_48 = ConicEqualArea(96, (-0.6, 38.7), (29.5, 45.5), SCALE, (CENTRE_X, CENTRE_Y))
ALASKA = ConicEqualArea(
    154,
    (-2, 58.5),
    (55, 65),
    SCALE * 0.35,
    (CENTRE_X - 0.307 * SCALE, CENTRE_Y + 0.201 * SCALE),
)
HAWAII = ConicEqualArea(
    157, (-3, 19.9), (8, 18), SCALE, (CENTRE_X - 0.205 * SCALE, CENTRE_Y + 0.212 * SCALE)
)


def project(longitude: float, latitude: float) -> tuple[float, float] | None:
    """Where a point lies on the 975x610 map, or None outside the 50 states and DC
    (Puerto Rico and the other territories are not on this map)."""
    if latitude > 50 and longitude < -129:
        return ALASKA(longitude, latitude)
    if 18 < latitude < 23 and -179 < longitude < -154:
        return HAWAII(longitude, latitude)
    if 24 < latitude < 50 and -125 < longitude < -66:
        return LOWER_48(longitude, latitude)
    return None
