"""OCR: words with positions and confidences from a page image, and the same character
records the PDF text layer gives, so scanned pages go through the same line and table
reading (pipeline/read/layout.py, pdf_columns.py) as printed ones.

The engine is RapidOCR on onnxruntime (PP-OCRv4 models shipped inside the wheel; nothing is
downloaded). It is imported and loaded once per process, when a document first needs it.
Detection runs on a reduced copy of the page; recognition reads crops of the full image.
docs/ocr.md says why this engine and what it costs."""
from __future__ import annotations

import dataclasses
import io
import math
import re
import statistics
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, UnidentifiedImageError

from pipeline.metrics import ocr_rules
from pipeline.model import UNREAD_CELL, DocumentError
from pipeline.read.layout import blocks_from_lines, lines_from_chars

ENGINE = "rapidocr_onnxruntime"
DET_SCALE = 0.8  # detection on a reduced copy: 0.6 and 0.7 lose thin digits beside a rule
REC_MIN_WIDTH = 96  # px of the 48-px-high recognition input; 320 (the default) pads a lone digit fivefold
MAX_SKEW = 1.5  # degrees: a larger turn read from the boxes is a slanted stamp, not the page
BOX_POINTS = 14.0  # a detected box of body text is this high in points (10.5-pt type plus margin)
_RULES = ocr_rules()
_LOOKALIKES = str.maketrans(_RULES["digit_lookalikes"])
# A word of digits, lookalikes and stray marks only, with one digit-like character at least.
_NUMBERISH = re.compile("^[" + re.escape("0123456789" + "".join(_RULES["digit_lookalikes"]) + _RULES["stray_marks"])
                        + "]+$")


class OcrUnavailable(DocumentError):
    """The OCR engine is not installed: the message names the package."""


@dataclass(frozen=True)
class Word:
    """A recognised piece of text on the upright (deskewed) page, in pixels."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float

    @property
    def vertical(self) -> bool:
        return len(self.text) > 1 and self.bottom - self.top > 1.5 * (self.x1 - self.x0)


@cache
def _engine():
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as err:
        raise OcrUnavailable(f"scanned pages need OCR, but {ENGINE} is not installed (pip install {ENGINE})") from err
    engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, use_cls=False, det_box_thresh=0.3)
    engine.text_rec.rec_image_shape = [3, 48, REC_MIN_WIDTH]
    return engine


def _ink(image: Image.Image) -> np.ndarray:
    """The page in grey with red ink (stamps, signatures) turned to paper."""
    rgb = np.asarray(image.convert("RGB")).astype(np.int16)
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    grey = np.asarray(image.convert("L")).copy()
    grey[(red - np.maximum(green, blue)) > 60] = 255
    return grey


def _detect(engine, page: np.ndarray) -> list[np.ndarray]:
    import cv2
    small = cv2.resize(page, None, fx=DET_SCALE, fy=DET_SCALE, interpolation=cv2.INTER_AREA)
    boxes, _ = engine.text_det(small)
    if boxes is None or len(boxes) == 0:
        return []
    boxes = [box / DET_SCALE for box in boxes]
    height = statistics.median(_height(box) for box in boxes)
    return [(_grown(box, height) if _height(box) < 0.8 * height else box).astype(np.float32) for box in boxes]


DIGIT_SHAPE = 0.7  # a digit's box is at least this share of the text height wide (a '1' is one stroke)


def _height(box: np.ndarray) -> float:
    return float(box[:, 1].max() - box[:, 1].min())


def _grown(box: np.ndarray, height: float) -> np.ndarray:
    """A box smaller than the page's text, as the reduced copy gives a thin digit ('1'), grown
    round its centre to the text height: the recogniser reads nothing from a sliver."""
    (cx, cy), half_w = box.mean(axis=0), max(float(box[:, 0].max() - box[:, 0].min()), DIGIT_SHAPE * height) / 2
    half_h = height / 2
    return np.array([[cx - half_w, cy - half_h], [cx + half_w, cy - half_h], [cx + half_w, cy + half_h],
                     [cx - half_w, cy + half_h]])


def _skew(boxes: list[np.ndarray]) -> float:
    """The page's turn in radians: the median slope of the long boxes' top edges."""
    slopes = [math.atan2(b[1][1] - b[0][1], b[1][0] - b[0][0]) for b in boxes
              if np.linalg.norm(b[1] - b[0]) > 4 * np.linalg.norm(b[3] - b[0])]
    angle = statistics.median(slopes) if slopes else 0.0
    return angle if abs(angle) <= math.radians(MAX_SKEW) else 0.0


def _upright(box: np.ndarray, angle: float, centre: np.ndarray) -> np.ndarray:
    cos, sin = math.cos(-angle), math.sin(-angle)
    shifted = box - centre
    return np.stack([shifted[:, 0] * cos - shifted[:, 1] * sin, shifted[:, 0] * sin + shifted[:, 1] * cos], 1) + centre


def _mend(text: str) -> str:
    """A number read with lookalike letters or a speck beside it ('o', '.0', '1O'), as printed."""
    if not _NUMBERISH.match(text) or not any(c.isdigit() or c in _RULES["digit_lookalikes"] for c in text):
        return text
    mended = text.translate(_LOOKALIKES).strip(_RULES["stray_marks"])
    return mended or text


def recognise(image: Image.Image) -> list[Word]:
    """The words of a page image with their boxes on the deskewed page and their confidences."""
    engine = _engine()
    grey = _ink(image)
    page = np.stack([grey] * 3, axis=-1)
    boxes = _detect(engine, page)
    if not boxes:
        return []
    angle, centre = _skew(boxes), np.array([page.shape[1] / 2, page.shape[0] / 2])
    words = _unstacked([w for w in _read(engine, page, boxes, angle, centre, _RULES["min_confidence"])
                        if not _noise(w)])
    for _ in range(_RULES["probe_rounds"]):
        probes = _blank_cells(words)
        if not probes:
            break
        back = [_upright(box, -angle, centre).astype(np.float32) for box in probes]
        words += [w for w in map(_probed, _read(engine, page, back, angle, centre, 0.0)) if w is not None]
    return _without_ghosts(words)


def _without_ghosts(words: list[Word]) -> list[Word]:
    """The words less each letter or mark (no digit, no Chinese, one or two characters) that
    lies on a number of its line: the same ink read twice, first as a letter ('a' for a
    speckled 0) and then, as the cell held no number, by its probe. Left in the row, the letter
    cut the row's figures from their columns."""
    numbers = [w for w in words if _NUMBER.match(w.text)]
    return [w for w in words if not (_is_mark(w.text) and any(_on(w, n) for n in numbers))]


def _is_mark(text: str) -> bool:
    """One or two letters or marks, no digit and no Chinese: a speck's reading, if anything."""
    return len(text) <= 2 and not any(c.isdigit() or ord(c) > 0x2E80 for c in text)


def _on(word: Word, number: Word) -> bool:
    """Whether the word lies on the number: mostly inside its width, on its line."""
    overlap = min(word.x1, number.x1) - max(word.x0, number.x0)
    return overlap >= 0.5 * (word.x1 - word.x0) and abs(_middle(word) - _middle(number)) <= 0.4 * (word.bottom - word.top)


def _read(engine, page: np.ndarray, boxes: list[np.ndarray], angle: float, centre: np.ndarray,
          floor: float) -> list[Word]:
    """The words in the boxes (page coordinates), placed on the upright page; a box read as
    nothing gives an empty word when the floor is 0."""
    words = []
    for box, (text, confidence) in zip(boxes, _recognised(engine, page, boxes)):
        text = text.strip()
        if (not text and floor > 0) or confidence < floor:
            continue
        pts = _upright(box, angle, centre)
        words.append(Word(_mend(text), float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()),
                          float(pts[:, 1].max()), float(confidence)))
    return words


def _recognised(engine, page: np.ndarray, boxes: list[np.ndarray]) -> list[tuple[str, float]]:
    """What the recogniser reads in each box. The engine turns a crop 1.5 times as high as it
    is wide on its side, as vertical text; a box no higher than a line is a lone narrow figure
    (a '0', '1' or '4' boxed tightly), so it is read upright too and the surer reading kept:
    turned, a clean page's '0' read as nothing and a '4' as an unsure '1'."""
    crops = engine.get_crop_img_list(page, boxes)
    read, _ = engine.text_rec(crops)
    line = statistics.median(_height(box) for box in boxes)
    narrow = [i for i, box in enumerate(boxes) if _turned(box) and _height(box) <= 1.5 * line]
    if not narrow:
        return read
    upright, _ = engine.text_rec([np.ascontiguousarray(np.rot90(crops[i], -1)) for i in narrow])
    for i, again in zip(narrow, upright):
        read[i] = max(read[i], again, key=lambda reading: reading[1])
    return read


def _turned(box: np.ndarray) -> bool:
    """Whether the engine turns the box's crop: its sides measured as the engine measures them."""
    width = int(max(np.linalg.norm(box[0] - box[1]), np.linalg.norm(box[2] - box[3])))
    height = int(max(np.linalg.norm(box[0] - box[3]), np.linalg.norm(box[1] - box[2])))
    return height >= 1.5 * width


def _probed(word: Word) -> Word | None:
    """A cell read again from its own crop: its number when the recogniser reads one surely
    enough; nothing for a printed dash or slash (a blank as printed); else the unread mark, with
    confidence 0, so the figure is unknown rather than a blank."""
    if _NUMBER.match(word.text) and word.confidence >= _RULES["probe_confidence"]:
        return word
    if _DASH.match(word.text) and word.confidence >= _RULES["probe_confidence"]:
        return None
    return dataclasses.replace(word, text=UNREAD_CELL, confidence=0.0)


def _noise(word: Word) -> bool:
    """A speck read as a mark or a letter or two ('e', '%.'), unsurely: no figure and no word."""
    return word.confidence < _RULES["noise_confidence"] and _is_mark(word.text)


_NUMBER = re.compile(r"^\d[\d,]*(?:\.\d+)?$")  # a printed figure, after mending
_DASH = re.compile(r"^[/／—–－-]{1,2}$")  # the dash or slash a table prints in an empty cell


def _unstacked(words: list[Word]) -> list[Word]:
    """The words less the unsure numbers that stand on another number of their column much
    closer than the table's rows stand (a speck or a rule's fragment above a figure, read as
    '1'): table rows are evenly spaced, so the two cannot both be printed figures."""
    pairs = _column_neighbours([w for w in words if _NUMBER.match(w.text) and not w.vertical])
    if len(pairs) < _COLUMN_ROWS:  # too few to know the table's row pitch
        return words
    pitch = statistics.median(d for _, _, d in pairs)
    weak = (min(a, b, key=lambda w: w.confidence) for a, b, d in pairs if d < _RULES["stacked_pitch"] * pitch)
    dropped = {id(w) for w in weak if w.confidence < _RULES["stacked_confidence"]}
    return [w for w in words if id(w) not in dropped]


def _column_neighbours(numbers: list[Word]) -> list[tuple[Word, Word, float]]:
    """Each number with the next number below it in its column (over half the narrower's
    width), and the distance between their middles."""
    out = []
    for upper in numbers:
        below = [w for w in numbers if _middle(w) > _middle(upper)
                 and min(upper.x1, w.x1) - max(upper.x0, w.x0) >= 0.5 * min(upper.x1 - upper.x0, w.x1 - w.x0)]
        if below:
            lower = min(below, key=_middle)
            out.append((upper, lower, _middle(lower) - _middle(upper)))
    return out
_COLUMN_ROWS = 3  # numbers standing one above another in this many rows make a table column


def _blank_cells(words: list[Word]) -> list[np.ndarray]:
    """Boxes (upright page) where a table row has no number under a column the rows around it
    fill: the detector misses lone thin digits ('0', '1') in speckled cells, so each such cell
    is read once more from its own crop. A cell already marked unread holds its place."""
    numbers = [w for w in words if (_NUMBER.match(w.text) or w.text == UNREAD_CELL) and not w.vertical]
    rows = [r for r in _rows(numbers) if len(r) >= 2] if numbers else []
    if not rows:
        return []
    height = statistics.median(w.bottom - w.top for r in rows for w in r)
    columns = _columns([((w.x0 + w.x1) / 2, _middle(w)) for r in rows for w in r], height)
    probes = []
    for row in rows:
        y = statistics.median(_middle(w) for w in row)
        for x, low, high in columns:
            filled = any(w.x0 - height / 2 <= x <= w.x1 + height / 2 for w in row)
            if not filled and low - 2 * height <= y <= high + 2 * height:
                half_w, half_h = 1.0 * height, 0.7 * height
                probes.append(np.array([[x - half_w, y - half_h], [x + half_w, y - half_h], [x + half_w, y + half_h],
                                        [x - half_w, y + half_h]]))
    return probes


def _columns(centres: list[tuple[float, float]], height: float) -> list[tuple[float, float, float]]:
    """Table columns (x, top row's y, bottom row's y) where numbers stand one above another."""
    columns: list[list[tuple[float, float]]] = []
    for x, y in sorted(centres):
        if columns and x - columns[-1][-1][0] <= 0.5 * height:
            columns[-1].append((x, y))
        else:
            columns.append([(x, y)])
    return [(statistics.median(x for x, _ in c), min(y for _, y in c), max(y for _, y in c))
            for c in columns if len(c) >= _COLUMN_ROWS]


def _pieces(word: Word) -> list[Word]:
    """A word split where it prints spaces, or a vertical word split into its characters."""
    if word.vertical:
        step = (word.bottom - word.top) / len(word.text)
        return [Word(c, word.x0, word.top + i * step, word.x1, word.top + (i + 1) * step, word.confidence)
                for i, c in enumerate(word.text)]
    parts = word.text.split()
    if len(parts) == 1:
        return [word]
    total, at, out = sum(_weight(p) for p in parts) + len(parts) - 1, word.x0, []
    unit = (word.x1 - word.x0) / total
    for part in parts:
        end = at + _weight(part) * unit
        out.append(Word(_mend(part), at, word.top, end, word.bottom, word.confidence))
        at = end + unit
    return out


def _weight(text: str) -> float:
    """A character's share of a word's width: Chinese characters are twice as wide as digits."""
    return sum(1.0 if ord(c) > 0x2E80 else 0.5 for c in text)


def _rows(pieces: list[Word]) -> list[list[Word]]:
    """Pieces whose vertical centres lie within 40 % of a text height of a row's mean: one row."""
    height = statistics.median(p.bottom - p.top for p in pieces if not p.vertical or len(p.text) == 1)
    rows: list[list[Word]] = []
    for piece in sorted(pieces, key=_middle):
        if rows and abs(_middle(piece) - statistics.fmean(_middle(p) for p in rows[-1])) <= 0.4 * height:
            rows[-1].append(piece)
        else:
            rows.append([piece])
    return rows


def _middle(word: Word) -> float:
    return (word.top + word.bottom) / 2


def chars(words: list[Word], scale: float) -> list[dict]:
    """pdfplumber char records (points, top-down) of the words: each row of words on one
    baseline, each word's characters spread over its box by width."""
    if not words:
        return []
    out = []
    for row in _rows([p for w in words for p in _pieces(w)]):
        middle = statistics.median(_middle(p) for p in row) / scale
        size = statistics.median(p.bottom - p.top for p in row) * 0.75 / scale
        for piece in sorted(row, key=lambda p: p.x0):
            at, unit = piece.x0, (piece.x1 - piece.x0) / _weight(piece.text)
            for c in piece.text:
                end = at + _weight(c) * unit
                out.append({"text": c, "x0": at / scale, "x1": end / scale, "top": middle - size / 2,
                            "doctop": middle - size / 2, "bottom": middle + size / 2, "upright": True,
                            "size": size, "confidence": piece.confidence})
                at = end
    return out


def page_lines(image: Image.Image, scale: float) -> list[dict]:
    """The printed lines of a page image rendered at `scale` pixels per point."""
    return lines_from_chars(chars(recognise(image), scale))


def image_blocks(*images: bytes) -> list[str]:
    """The text blocks of PNG/JPEG images that follow one another (a table given as pictures,
    page by page; an image attachment), tables as the table rows the parser reads. They are laid
    out as one document's pages, as a PDF's are: the column places a table's head gives on the
    first picture hold for its rows on the next, so all take one scale, from the height of their
    text."""
    pages = [recognise(_image(data)) for data in images]
    heights = [w.bottom - w.top for words in pages for w in words if not w.vertical]
    if not heights:
        return []
    scale = statistics.median(heights) / BOX_POINTS
    return blocks_from_lines([line for words in pages if words for line in lines_from_chars(chars(words, scale))])


def _image(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as err:
        raise DocumentError(f"unreadable image ({err})") from err
    return image
