"""OCR for scanned PDF pages and for images (PNG, JPEG, TIFF): the optional ``ocr`` extra.

RapidOCR on onnxruntime (``rapidocr_onnxruntime``), whose Chinese PP-OCR models ship inside the
wheel, so nothing is downloaded at run time. Without the extra, :func:`available` is False,
:func:`read_image` raises a ReadError saying how to install it, and the PDF reader notes the
pages it could not read.

One page image goes through :func:`page_layout`:

1. A page scanned at a slant (0.1°–5°) is first turned level (:func:`deskew`: the median
   slope of its ruling lines and text lines). The table grid is found in the image itself (a scan has no vector lines): OpenCV opens the
   binarised page with a long horizontal and a vertical kernel, which keeps the ruling lines and
   drops the strokes of characters; a short vertical piece is kept only when both its ends sit
   on horizontal rules (a row of a merged cell), so character strokes never make a column.
   Each line piece becomes an edge in PDF points, and pdfplumber's own table finder functions
   (merge edges → intersections → cells → tables) turn the edges into cell boxes — the same
   boxes, and then the same span rebuilding, as for a PDF's vector lines.
2. The rules are painted out and RapidOCR recognises the page with per-character boxes
   (``return_word_box``), so every character is placed in the cell that holds its centre,
   like a glyph of a text layer; a text line that crosses a cell border is thereby split.
   No angle classifier: it turns short lines such as "≥90%" upside down.
3. :func:`jixiao.readers.layout.layout_page` builds cells, lines and paragraphs. A digit, Latin
   letter or number sign keeps the recogniser's own confidence, any other character that of its
   text line; a cell or paragraph has the lowest of its characters, and confidences below 0.8
   become ``ocr_low_confidence`` notes — so a doubtful figure is flagged, while the low
   per-character scores the decoder gives to correct Chinese characters and quotes are not.

Coordinates are PDF points: for a PDF page, the page's own; for an image, its pixels scaled by
72/dpi with the dpi from the file, or, when the file gives none (or an implausible one), as if
the image were an A4 page (595 points wide, or 842 when landscape).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from .document import Document, ReadError, ReadNote, render_lines
from .pdf import INSTALL_HINT

RENDER_DPI = 200
MAX_PIXELS = 60_000_000  # one image or page, before any work (a decompression bomb is refused)
MAX_SIDE = 3600  # longer images are scaled down first (the recogniser works at ≤ 2000 anyway)
MAX_FRAMES = 500
NUMERIC = re.compile(r"[0-9A-Za-z.%‰+\-≥≤<>=]+")


@functools.lru_cache(maxsize=1)
def available() -> bool:
    """True when the OCR extra (rapidocr_onnxruntime with numpy and OpenCV) can be imported."""
    try:
        import cv2  # noqa: F401
        import numpy  # noqa: F401
        from rapidocr_onnxruntime import RapidOCR  # noqa: F401
    except Exception:  # ImportError, or a broken native library
        return False
    return True


@functools.lru_cache(maxsize=1)
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


# --------------------------------------------------------------------------------------------
# table grid from the image


def _rule_masks(gray, scale: float):
    """Binary masks (uint8, 255 = ink) of the horizontal and vertical rules of a page image
    whose pixels are ``scale`` per point."""
    import cv2
    import numpy as np

    bw = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    long_h = max(15, int(25 * scale))  # 25 pt: longer than any character stroke or "——"
    long_v = max(15, int(25 * scale))
    short_v = max(7, int(7 * scale))  # the shortest row of a merged cell
    horiz = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (long_h, 1)))
    vert = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, short_v)))
    # a short vertical piece is a rule only when it runs from one horizontal rule to another
    near_h = cv2.dilate(horiz, cv2.getStructuringElement(cv2.MORPH_RECT, (5, max(5, int(2 * scale)))))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(vert, connectivity=8)
    keep = np.zeros(n, dtype=bool)
    for k in range(1, n):
        x, y, w, h, _area = stats[k]
        if h >= long_v:
            keep[k] = True
            continue
        cx = x + w // 2
        top_on = near_h[y, max(0, cx - 1):cx + 2].any()
        bottom_on = near_h[y + h - 1, max(0, cx - 1):cx + 2].any()
        keep[k] = bool(top_on and bottom_on)
    vert = np.where(keep[labels], 255, 0).astype(np.uint8)
    return horiz, vert


def skew_angle(gray, scale: float) -> float:
    """The angle in degrees to turn the page by to level it (as ``cv2.getRotationMatrix2D``
    takes it: counter-clockwise positive): minus the length-weighted median angle of the long, nearly horizontal straight
    segments of the page (ruling lines, and the rows of a text block), found with a
    probabilistic Hough transform at about one pixel per point. 0.0 when there are none."""
    import math

    import cv2
    import numpy as np

    small = min(1.0, 1.0 / scale)
    img = cv2.resize(gray, None, fx=small, fy=small, interpolation=cv2.INTER_AREA) if small < 1 else gray
    s = scale * small
    bw = cv2.adaptiveThreshold(img, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    segs = cv2.HoughLinesP(bw, 1, math.pi / 1800, threshold=max(30, int(80 * s)),
                           minLineLength=max(40, int(100 * s)), maxLineGap=max(1, int(2 * s)))
    if segs is None:
        return 0.0
    angles, weights = [], []
    for x0, y0, x1, y1 in np.asarray(segs).reshape(-1, 4):
        dx, dy = float(x1 - x0), float(y1 - y0)
        if dx == 0:
            continue
        a = math.degrees(math.atan(dy / dx))
        if abs(a) < 10:
            angles.append(a)
            weights.append(math.hypot(dx, dy))
    if not angles:
        return 0.0
    order = np.argsort(angles)
    cum = np.cumsum(np.asarray(weights)[order])
    return float(np.asarray(angles)[order][np.searchsorted(cum, cum[-1] / 2)])


def deskew(gray, scale: float):
    """The page turned level when it is skewed by 0.1°–5° (a scan fed in at a slant)."""
    import cv2

    angle = skew_angle(gray, scale)
    if not 0.1 <= abs(angle) <= 5:
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def _segments(mask, orientation: str, scale: float) -> list[dict]:
    """The line pieces of a rule mask as pdfplumber edges (points)."""
    import cv2

    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    edges = []
    for k in range(1, n):
        x, y, w, h, _area = (int(v) for v in stats[k])
        if orientation == "h":
            yc = (y + h / 2) / scale
            edges.append({"x0": x / scale, "x1": (x + w) / scale, "top": yc, "bottom": yc,
                          "width": w / scale, "height": 0.0, "orientation": "h"})
        else:
            xc = (x + w / 2) / scale
            edges.append({"x0": xc, "x1": xc, "top": y / scale, "bottom": (y + h) / scale,
                          "width": 0.0, "height": h / scale, "orientation": "v"})
    return edges


def find_grids(gray, scale: float) -> tuple[list[list[tuple[float, float, float, float]]], object]:
    """The cell boxes (points) of each table on a page image, and the mask of its rules."""
    import cv2
    from pdfplumber import utils
    from pdfplumber.table import (
        cells_to_tables,
        edges_to_intersections,
        intersections_to_cells,
        merge_edges,
    )

    horiz, vert = _rule_masks(gray, scale)
    edges = _segments(horiz, "h", scale) + _segments(vert, "v", scale)
    tables: list[list[tuple[float, float, float, float]]] = []
    if edges:
        edges = merge_edges(edges, snap_x_tolerance=3, snap_y_tolerance=3, join_x_tolerance=4, join_y_tolerance=4)
        edges = utils.filter_edges(edges, min_length=3)
        cells = intersections_to_cells(edges_to_intersections(edges, 4, 4))
        for group in cells_to_tables(cells):
            tables.append([tuple(float(v) for v in c) for c in group])
    rules = cv2.dilate(cv2.bitwise_or(horiz, vert), cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    return tables, rules


# --------------------------------------------------------------------------------------------
# recognition


def _items(result, scale: float):
    """RapidOCR's result (with word boxes) as layout items, one per character where the
    recogniser gives character boxes, else one per text line."""
    from .layout import Item

    items: list[Item] = []
    for group, entry in enumerate(result or []):
        box, text, score = entry[0], entry[1], float(entry[2])
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        x0, x1, top, bottom = min(xs) / scale, max(xs) / scale, min(ys) / scale, max(ys) / scale
        size = max(1.0, (bottom - top) * 0.8)  # the detector's box has a margin around the ink
        words = entry[3] if len(entry) > 4 else None
        chars = entry[4] if len(entry) > 4 else None
        confs = entry[5] if len(entry) > 5 else None
        if words and chars and len(words) == len(chars):
            for wbox, ch, conf in zip(words, chars, confs or [score] * len(chars)):
                wx = [p[0] for p in wbox]
                # a digit, Latin letter or number sign keeps its own confidence (a misread figure
                # matters); other characters take the line's (the decoder's per-character
                # scores of correct Chinese characters and quotes are often low)
                c = float(conf) if NUMERIC.fullmatch(ch) else score
                # characters share the line's band, so they group into one line again
                items.append(Item(ch, min(wx) / scale, top, max(wx) / scale, bottom, size,
                                  round(min(c, 1.0), 4), group))
        elif text.strip():
            items.append(Item(text, x0, top, x1, bottom, size, round(score, 4), group))
    return items


def _prepare(image):
    """A PIL image as a grayscale array no longer than MAX_SIDE, and its resize factor."""
    import numpy as np
    from PIL import Image

    w, h = image.size
    factor = 1.0
    if max(w, h) > MAX_SIDE:
        factor = MAX_SIDE / max(w, h)
        image = image.resize((max(1, int(w * factor)), max(1, int(h * factor))), Image.LANCZOS)
    return np.asarray(image.convert("L")), factor


def page_layout(image, number: int, scale: float, width: float, height: float):
    """Recognise one page image (PIL) whose pixels are ``scale`` per point, on a page of
    ``width`` × ``height`` points: a :class:`jixiao.readers.layout.PageLayout` of table parts and
    lines, every character with its confidence."""
    import numpy as np

    from .layout import layout_page

    gray, factor = _prepare(image)
    scale *= factor
    gray = deskew(gray, scale)
    tables, rules = find_grids(gray, scale)
    clean = np.where(rules > 0, 255, gray).astype(np.uint8)  # paint the rules out
    # no angle classifier: it turns short lines such as "≥90%" upside down ("%06z"), and the
    # lines of a report page are upright
    result, _ = _engine()(clean, use_cls=False, return_word_box=True)
    return layout_page(number, width, height, _items(result, scale), tables)


def render_pdf_page(path: Path, index: int, dpi: int = RENDER_DPI):
    """Page ``index`` (0-based) of a PDF rendered with pypdfium2: (PIL image, pixels per point,
    width and height in points)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[index]
        try:
            width, height = page.get_size()
            scale = dpi / 72
            if width * height * scale * scale > MAX_PIXELS:
                scale = (MAX_PIXELS / (width * height)) ** 0.5
            image = page.render(scale=scale, grayscale=True).to_pil()
        finally:
            page.close()
    finally:
        pdf.close()
    return image, scale, float(width), float(height)


def ocr_pdf_page(path: Path, index: int, dpi: int = RENDER_DPI):
    """Render page ``index`` (0-based) of a PDF at ``dpi`` and recognise it (a PageLayout)."""
    if not available():
        raise ReadError(str(path), INSTALL_HINT)
    image, scale, width, height = render_pdf_page(path, index, dpi)
    return page_layout(image, index + 1, scale, width, height)


def grids_of_pdf_page(path: Path, index: int, dpi: int = RENDER_DPI) -> list[list[tuple[float, float, float, float]]]:
    """The table grids found in the rendered image of a PDF page (a scan with a text layer)."""
    image, scale, _, _ = render_pdf_page(path, index, dpi)
    gray, factor = _prepare(image)
    return find_grids(gray, scale * factor)[0]  # not deskewed: it must fit the text layer


# --------------------------------------------------------------------------------------------
# images


def _image_scale(image) -> float:
    """Pixels per point for an image: from its dpi, else as if it were an A4 page."""
    dpi = image.info.get("dpi")
    try:
        d = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        d = 0.0
    w, h = image.size
    if 100 <= d <= 1200:
        scale = d / 72
        if 200 <= w / scale <= 2000:  # a plausible page size in points
            return scale
    return w / (842.0 if w > h else 595.0)


def read_image(path: Path) -> Document:
    """Read a scanned report page (PNG/JPEG/TIFF; every frame of a multi-page TIFF is a page)
    with OCR. Raises ReadError when the OCR extra is missing, the image cannot be decoded, or
    it is too large."""
    path = Path(path)
    if not available():
        raise ReadError(str(path), f"这是图片文件，需要 OCR 识别；{INSTALL_HINT}")
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    from .layout import assemble, low_confidence_notes

    doc = Document(path=str(path), format="image")
    layouts = []
    try:
        with Image.open(path) as im:
            w, h = im.size
            if w * h > MAX_PIXELS:
                raise ReadError(str(path), f"图片过大（{w}×{h} 像素），疑似异常文件；未读取")
            for n, frame in enumerate(ImageSequence.Iterator(im), 1):
                if n > MAX_FRAMES:
                    raise ReadError(str(path), f"图片超过 {MAX_FRAMES} 帧，不像一份报告；未读取")
                fw, fh = frame.size
                if fw * fh > MAX_PIXELS:
                    raise ReadError(str(path), f"图片第{n}帧过大（{fw}×{fh} 像素）；未读取")
                scale = _image_scale(frame)
                upright = ImageOps.exif_transpose(frame) if n == 1 else frame  # a photo's EXIF orientation
                page = (upright or frame).convert("RGB")
                pw, ph = page.size
                layouts.append(page_layout(page, n, scale, pw / scale, ph / scale))
    except ReadError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ReadError(str(path), f"无法识别的图片文件（{type(exc).__name__}）") from None
    except (OSError, ValueError, SyntaxError) as exc:  # truncated or corrupt image data
        raise ReadError(str(path), f"图片文件已损坏，无法解码（{exc}）") from None
    weak: dict[int, str] = {}
    doc.blocks = assemble(layouts, weak)
    if not doc.blocks:
        raise ReadError(str(path), "图片中没有识别出任何文字")
    render_lines(doc)
    doc.notes.extend(low_confidence_notes(doc.blocks, weak))
    doc.notes.insert(0, ReadNote("ocr_page", f"{path.name} 是图片，内容由 OCR 识别；数字请以原件核对", page=None))
    return doc
