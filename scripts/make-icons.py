#!/usr/bin/env python3
"""Generate Beatbook's PWA icons (public/icons/*.png) with the standard library only.

Design: a white bold "B" on dark blue (#0b3d91).
  icon-192.png, icon-512.png   purpose "any": rounded square, transparent corners.
  icon-maskable-512.png        purpose "maskable": full-bleed square, glyph kept
                               inside the central safe zone (circle of radius 40%).

The glyph is drawn from geometry (no fonts), anti-aliased by supersampling, so the
output is byte-for-byte reproducible:   python3 scripts/make-icons.py
"""
import math
import os
import struct
import sys
import zlib

BLUE = (0x0B, 0x3D, 0x91)
WHITE = (0xFF, 0xFF, 0xFF)
SS = 4  # supersampling factor per axis on edge pixels


def rounded_square(x, y, size, radius):
    """Inside test for a rounded square covering [0,size]^2."""
    if x < 0 or y < 0 or x > size or y > size:
        return False
    cx = min(max(x, radius), size - radius)
    cy = min(max(y, radius), size - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius * radius


def d_shape(x, y, left, top, bottom, right):
    """A 'D': rectangle from left to right-R closed by a half disc of radius R=(bottom-top)/2."""
    if x < left or y < top or y > bottom:
        return False
    r = (bottom - top) / 2.0
    straight_end = right - r
    if x <= straight_end:
        return True
    cy = (top + bottom) / 2.0
    return (x - straight_end) ** 2 + (y - cy) ** 2 <= r * r


def make_glyph(box_x, box_y, box_w, box_h):
    """Return an inside test for a bold 'B' filling the box (x, y, w, h)."""
    stroke = box_w * 0.27  # stem and bowl thickness
    mid = box_y + box_h * 0.47  # bowls meet slightly above the middle
    top, bottom = box_y, box_y + box_h
    upper_right = box_x + box_w * 0.90
    lower_right = box_x + box_w
    bar = stroke * 0.80  # horizontal strokes a little thinner than the stem

    def inside(x, y):
        if x < box_x or x > lower_right or y < top or y > bottom:
            return False
        # stem
        if x <= box_x + stroke:
            return True
        # upper bowl: outer D minus inner D
        if y <= mid + bar / 2.0:
            outer = d_shape(x, y, box_x, top, mid + bar / 2.0, upper_right)
            inner = d_shape(x, y, box_x, top + bar, mid - bar / 2.0, upper_right - stroke)
            if outer and not inner:
                return True
        # lower bowl
        if y >= mid - bar / 2.0:
            outer = d_shape(x, y, box_x, mid - bar / 2.0, bottom, lower_right)
            inner = d_shape(x, y, box_x, mid + bar / 2.0, bottom - bar, lower_right - stroke)
            if outer and not inner:
                return True
        return False

    return inside


def render(size, maskable):
    s = float(size)
    if maskable:
        background = lambda x, y: 0.0 <= x <= s and 0.0 <= y <= s  # noqa: E731 (full bleed)
        # Safe zone: circle of radius 0.4*s. A glyph box of 0.40s x 0.54s has a
        # half-diagonal of ~0.336s (~0.35s with the optical nudge), inside it.
        gw, gh = 0.40 * s, 0.54 * s
    else:
        radius = 0.20 * s
        background = lambda x, y: rounded_square(x, y, s, radius)  # noqa: E731
        gw, gh = 0.46 * s, 0.62 * s
    # optical centring: nudge right a little because the bowls are heavier than the stem
    gx = (s - gw) / 2.0 + 0.015 * s
    gy = (s - gh) / 2.0
    glyph = make_glyph(gx, gy, gw, gh)

    def sample(x, y):
        """Return (alpha, white) for one sample point."""
        if not background(x, y):
            return 0, 0
        return 1, 1 if glyph(x, y) else 0

    rows = []
    for py in range(size):
        row = bytearray([0])  # PNG filter type 0
        for px in range(size):
            # quick test with the four corners; supersample only on edges
            corners = [sample(px + dx, py + dy) for dx, dy in ((0.02, 0.02), (0.98, 0.02), (0.02, 0.98), (0.98, 0.98))]
            if all(c == corners[0] for c in corners):
                a_cov, w_cov = float(corners[0][0]), float(corners[0][1])
            else:
                a_sum = w_sum = 0
                for sy in range(SS):
                    for sx in range(SS):
                        a, w = sample(px + (sx + 0.5) / SS, py + (sy + 0.5) / SS)
                        a_sum += a
                        w_sum += w
                a_cov, w_cov = a_sum / (SS * SS), w_sum / (SS * SS)
            if a_cov <= 0.0:
                row += b"\x00\x00\x00\x00"
                continue
            t = w_cov / a_cov  # share of the opaque area that is white
            rgb = [round(BLUE[i] + (WHITE[i] - BLUE[i]) * t) for i in range(3)]
            row += bytes(rgb + [round(255 * a_cov)])
        rows.append(bytes(row))
    return png_rgba(size, size, b"".join(rows))


def png_rgba(width, height, raw):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_dir = os.path.join(root, "public", "icons")
    os.makedirs(out_dir, exist_ok=True)
    for name, size, maskable in (
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("icon-maskable-512.png", 512, True),
    ):
        data = render(size, maskable)
        path = os.path.join(out_dir, name)
        with open(path, "wb") as f:
            f.write(data)
        print(f"wrote {os.path.relpath(path, root)} ({len(data)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
