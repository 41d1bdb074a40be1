#!/usr/bin/env python3
"""Writes the app's PNG icons (assets/icon-192.png, assets/icon-512.png) with the Python standard library only.

The picture is the one of assets/icon.svg, drawn on a 512-unit grid and scaled: a rounded square in the accent
colour (#0b62c4) holding a stacked horizontal bar (the memory breakdown) under a capacity mark. Run once after
changing the design:  python3 scripts/make-icons.py   (the PNGs are committed; the build only copies them).
"""
import os
import struct
import zlib

BG = (0x0B, 0x62, 0xC4)
WHITE = (0xFF, 0xFF, 0xFF)
# Segments of the bar on the 512 grid: (x0, x1, colour); y from 214 to 298.
SEGMENTS = [(96, 236, (0xFF, 0xFF, 0xFF)), (236, 320, (0xFF, 0xC8, 0x57)), (320, 380, (0x9F, 0xD8, 0xFF))]
BAR_Y = (214, 298)
MARK = (404, 416, 170, 342)  # x0, x1, y0, y1 of the capacity mark
RADIUS = 96


def pixel(x, y):
    """Colour (RGBA) at grid point (x, y) of the 512 x 512 design."""
    # rounded-square background; outside the corners transparent
    cx = min(max(x, RADIUS), 512 - RADIUS)
    cy = min(max(y, RADIUS), 512 - RADIUS)
    if (x - cx) ** 2 + (y - cy) ** 2 > RADIUS ** 2:
        return (0, 0, 0, 0)
    if BAR_Y[0] <= y < BAR_Y[1]:
        for x0, x1, c in SEGMENTS:
            if x0 <= x < x1:
                return c + (255,)
    if MARK[0] <= x < MARK[1] and MARK[2] <= y < MARK[3]:
        return WHITE + (255,)
    return BG + (255,)


def png(size):
    scale = 512 / size
    rows = []
    for py in range(size):
        row = bytearray(b"\x00")  # filter type 0
        for px in range(size):
            # 2 x 2 supersampling for smooth corners
            acc = [0, 0, 0, 0]
            for sy in (0.25, 0.75):
                for sx in (0.25, 0.75):
                    c = pixel((px + sx) * scale, (py + sy) * scale)
                    for i in range(4):
                        acc[i] += c[i]
            row += bytes(v // 4 for v in acc)
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "assets")
    for size in (192, 512):
        path = os.path.join(out, f"icon-{size}.png")
        with open(path, "wb") as f:
            f.write(png(size))
        print(path, os.path.getsize(path), "bytes")
