#!/usr/bin/env python3
"""Render resources/evexplorer.svg to the icon files the installers need.

    python packaging/make_icon.py                 write resources/evexplorer.{png,ico,icns}
    python packaging/make_icon.py --hicolor DIR   also write DIR/<N>x<N>/apps/evexplorer.png
                                                  and DIR/scalable/apps/evexplorer.svg

Qt's SVG renderer draws the icon offscreen (no display, no downloads), so the
script runs wherever PySide6 is installed: the development venv or the build
venv. The .ico and .icns containers are written here directly; both simply
hold PNG images, which Windows Vista+ and macOS 10.7+ accept.
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "evexplorer.svg"
NAME = "evexplorer"

#: Sizes in the Windows .ico (256 is stored as width/height 0, per the format).
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
#: macOS icon types that hold PNG data, and the pixel size of each.
ICNS_TYPES = (
    (b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
    (b"ic09", 512), (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256),
    (b"ic14", 512),
)
#: Sizes installed under the freedesktop hicolor theme.
HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render_png(size: int, svg: Path = SVG) -> bytes:
    """Return the icon rendered at ``size``×``size`` pixels as PNG bytes."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    if QGuiApplication.instance() is None:
        render_png.app = QGuiApplication([sys.argv[0]])  # kept alive for later calls
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"make_icon: cannot read {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise SystemExit("make_icon: Qt could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico file holding the given PNG images (size -> data)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = [], []
    for size in sizes:
        data = pngs[size]
        dim = 0 if size >= 256 else size
        entries.append(struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset))
        blobs.append(data)
        offset += len(data)
    return header + b"".join(entries) + b"".join(blobs)


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns file holding PNG images for every type in ICNS_TYPES."""
    chunks = [kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
              for kind, size in ICNS_TYPES]
    body = b"".join(chunks)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write_resources(out: Path) -> list[Path]:
    """Write evexplorer.png (256 px), .ico and .icns into ``out``."""
    sizes = sorted(set(ICO_SIZES) | {s for _, s in ICNS_TYPES})
    pngs = {size: render_png(size) for size in sizes}
    written = []
    for path, data in ((out / f"{NAME}.png", pngs[256]),
                       (out / f"{NAME}.ico", ico_bytes({s: pngs[s] for s in ICO_SIZES})),
                       (out / f"{NAME}.icns", icns_bytes(pngs))):
        path.write_bytes(data)
        written.append(path)
    return written


def write_hicolor(theme: Path) -> list[Path]:
    """Populate a hicolor icon theme folder (e.g. <pkg>/usr/share/icons/hicolor)."""
    written = []
    for size in HICOLOR_SIZES:
        path = theme / f"{size}x{size}" / "apps" / f"{NAME}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_png(size))
        written.append(path)
    scalable = theme / "scalable" / "apps" / f"{NAME}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SVG, scalable)
    written.append(scalable)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hicolor", type=Path, metavar="DIR",
                        help="also fill DIR as a hicolor icon theme folder")
    parser.add_argument("--no-resources", action="store_true",
                        help="do not rewrite resources/evexplorer.{png,ico,icns}")
    args = parser.parse_args(argv)
    written = [] if args.no_resources else write_resources(SVG.parent)
    if args.hicolor is not None:
        written += write_hicolor(args.hicolor)
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
