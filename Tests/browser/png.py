"""Just enough PNG decoding (8-bit RGB or RGBA, as Chromium writes screenshots) to count the
pixels of a screenshot, from the standard library."""

import struct
import zlib


# ---------------------------------------------------------------- PNG (for counting pixels)

def decode_png(data):
    """(width, height, channels, bytes) of an 8-bit RGB or RGBA PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    offset, idat = 8, b""
    width = height = channels = None
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            if depth != 8 or color not in (2, 6) or body[12] != 0:
                raise ValueError("unsupported PNG (depth %d, colour type %d)" % (depth, color))
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    pixels = bytearray(height * stride)
    previous = bytearray(stride)
    for row in range(height):
        start = row * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        pixels[row * stride:(row + 1) * stride] = line
        previous = line
    return width, height, channels, pixels


def pixel_statistics(png):
    """(share of pixels unlike the most common colour, coloured pixels, that colour's luminance)."""
    width, height, channels, pixels = decode_png(png)
    counts = {}
    for i in range(0, len(pixels), channels * 7):  # a sample for the background colour
        key = bytes(pixels[i:i + 3])
        counts[key] = counts.get(key, 0) + 1
    background = max(counts, key=counts.get)
    different = coloured = 0
    for i in range(0, len(pixels), channels):
        r, g, b = pixels[i], pixels[i + 1], pixels[i + 2]
        if abs(r - background[0]) + abs(g - background[1]) + abs(b - background[2]) > 60:
            different += 1
        if max(r, g, b) - min(r, g, b) > 60:
            coloured += 1
    luminance = 0.2126 * background[0] + 0.7152 * background[1] + 0.0722 * background[2]
    return different / float(width * height), coloured, luminance
