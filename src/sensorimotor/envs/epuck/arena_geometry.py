"""Plane geometry of a walled arena: ray casting against segments, point in polygon, clearance.

An arena's obstacles are a set of line segments ``edges`` of shape ``(E, 2, 2)``
(``edges[k] = [[x0, y0], [x1, y1]]``): free-standing walls and the sides of closed
polygons alike. Every function here is pure and vectorised over leading batch axes;
``ray_distances`` and ``segments_from`` work on NumPy or JAX arrays (the namespace of
the input), the others are NumPy (start sampling only).
"""

import math

import numpy as np

from sensorimotor.rules.array_namespace import namespace

# Below this |sin| between a ray and a segment they count as parallel (the ray then meets
# the segment only if it runs along it; polygons meet it at their adjacent sides' ends).
PARALLEL_TOL = 1e-12


def segments_from(walls=(), obstacles=()) -> np.ndarray:
    """The edges ``(E, 2, 2)`` of free-standing ``walls`` and closed polygon ``obstacles``.

    ``walls``: segments ``(x0, y0, x1, y1)`` (HDPy's wall lines). ``obstacles``: polygons,
    each a sequence of corners ``(x, y)`` in order; the last corner joins the first.

    >>> segments_from([(0, 0, 1, 0)], [[(2, 2), (3, 2), (3, 3)]]).shape
    (4, 2, 2)
    """
    parts = []
    for wall in walls:
        parts.append(np.asarray(wall, dtype=np.float64).reshape(1, 2, 2))
    for polygon in obstacles:
        corners = np.asarray(polygon, dtype=np.float64)
        parts.append(np.stack([corners, np.roll(corners, -1, axis=0)], axis=1))
    if not parts:
        return np.zeros((0, 2, 2))
    return np.concatenate(parts, axis=0)


def ray_distances(position, angles, edges, max_range=math.inf):
    """Distance along each ray from ``position`` to the nearest edge, capped at ``max_range``.

    A ray ``p + t u`` (``u = (cos angle, sin angle)``, ``t >= 0``) meets the segment
    ``a + s e`` (``e = b - a``, ``0 <= s <= 1``) where, with ``w = a - p`` and
    ``cross(v, z) = v_x z_y - v_y z_x``::

        t = cross(w, e) / cross(u, e),    s = cross(w, u) / cross(u, e)

    The reading is ``min(max_range, min over hit edges of t)``; an edge touched at an end
    (``s`` in {0, 1}) is hit, an edge parallel to the ray is not, unless the ray runs along
    it (then the distance to its nearer end, or 0 from on it).

    Args:
        position: shape ``(..., 2)``.
        angles: shape ``(..., n)`` in radians (``0`` = +x, counter-clockwise).
        edges: shape ``(E, 2, 2)``.
        max_range: the cap (``inf`` for none).

    Returns:
        shape ``(..., n)``.

    A wall 3 units ahead, and the corner of a box seen along its diagonal:

    >>> edges = segments_from([(3, -5, 3, 5)])
    >>> ray_distances(np.array([0.0, 0.0]), np.array([0.0, math.pi]), edges, 15.0)
    array([ 3., 15.])
    >>> box = segments_from(obstacles=[[(1, 1), (2, 1), (2, 2), (1, 2)]])
    >>> float(ray_distances(np.zeros(2), np.array([math.pi / 4]), box)[0]) == math.sqrt(2)
    True
    """
    xp = namespace(position)
    position = xp.asarray(position)
    angles = xp.asarray(angles)
    edges = xp.asarray(edges, dtype=position.dtype)
    ux = xp.cos(angles)[..., None]  # (..., n, 1)
    uy = xp.sin(angles)[..., None]
    ax, ay = edges[:, 0, 0], edges[:, 0, 1]  # (E,)
    ex, ey = edges[:, 1, 0] - ax, edges[:, 1, 1] - ay
    wx = ax - position[..., 0, None]  # (..., E)
    wy = ay - position[..., 1, None]
    wx, wy = wx[..., None, :], wy[..., None, :]  # (..., 1, E)
    denom = ux * ey - uy * ex  # (..., n, E)
    length = xp.sqrt(ex * ex + ey * ey)
    parallel = xp.abs(denom) <= PARALLEL_TOL * length
    safe = xp.where(parallel, 1.0, denom)
    t = (wx * ey - wy * ex) / safe
    s = (wx * uy - wy * ux) / safe
    crossing = (~parallel) & (t >= 0.0) & (s >= 0.0) & (s <= 1.0)
    dist = xp.where(crossing, t, math.inf)
    if xp is not np or parallel.any():  # eager NumPy skips what cannot change the answer
        # Along the ray, a parallel edge on the ray's line spans [t_a, t_b] of ray parameters.
        on_line = parallel & (xp.abs(wx * uy - wy * ux) <= PARALLEL_TOL * (1.0 + length))
        t_a = wx * ux + wy * uy
        t_b = t_a + ex * ux + ey * uy
        t_near = xp.maximum(xp.minimum(t_a, t_b), 0.0)
        along = on_line & (xp.maximum(t_a, t_b) >= 0.0)
        dist = xp.where(along, t_near, dist)
    return xp.minimum(xp.min(dist, axis=-1), max_range)


def segment_clearance(points: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Distance from each point ``(..., 2)`` to the nearest edge: shape ``(...)``.

    The nearest point of ``a + s e`` to ``p`` is at ``s = clip((p - a).e / e.e, 0, 1)``.

    >>> float(segment_clearance(np.array([0.0, 2.0]), segments_from([(-1, 0, 1, 0)])))
    2.0
    """
    points = np.asarray(points, dtype=np.float64)
    if edges.shape[0] == 0:
        return np.full(points.shape[:-1], math.inf)
    a = edges[:, 0]
    e = edges[:, 1] - a
    rel = points[..., None, :] - a  # (..., E, 2)
    s = np.clip(np.sum(rel * e, axis=-1) / np.sum(e * e, axis=-1), 0.0, 1.0)
    gap = rel - s[..., None] * e
    return np.sqrt(np.min(np.sum(gap * gap, axis=-1), axis=-1))


def inside_polygon(points: np.ndarray, polygon) -> np.ndarray:
    """Whether each point ``(..., 2)`` lies inside the closed ``polygon`` (even-odd rule).

    A horizontal ray from the point crosses the polygon's sides an odd number of times
    exactly when the point is inside. Points on a side may fall either way: callers that
    care keep a clearance from the edges (``segment_clearance``).

    >>> square = [(0, 0), (2, 0), (2, 2), (0, 2)]
    >>> inside_polygon(np.array([[1.0, 1.0], [3.0, 1.0]]), square).tolist()
    [True, False]
    """
    points = np.asarray(points, dtype=np.float64)
    corners = np.asarray(polygon, dtype=np.float64)
    nxt = np.roll(corners, -1, axis=0)
    px, py = points[..., 0, None], points[..., 1, None]
    yi, yj, xi, xj = corners[:, 1], nxt[:, 1], corners[:, 0], nxt[:, 0]
    straddles = (yi > py) != (yj > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = xi + (py - yi) * (xj - xi) / (yj - yi)
    crossings = straddles & (px < x_cross)
    return np.sum(crossings, axis=-1) % 2 == 1
