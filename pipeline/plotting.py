"""Matplotlib with a CJK font, so Chinese titles and labels render as characters, not boxes.

    from pipeline.plotting import setup_cjk_font
    setup_cjk_font()

Where the font comes from, first found wins:
1. the file named by the environment variable NIANBAO_CJK_FONT;
2. Noto Sans CJK SC shipped by the PyPI package ``mplfonts`` (a test/notebook dependency:
   `pip install -e '.[test]'`); only its font file is used, the package is not imported;
3. a CJK font matplotlib already knows (Debian fonts-noto-cjk, fonts-wqy-microhei, or the
   usual Windows/macOS fonts).
"""
from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

_PACKAGED = ("NotoSansCJKsc-Regular.otf",)
_KNOWN_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                   "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC",
                   "Heiti SC", "Hiragino Sans GB", "AR PL UMing CN")


def _packaged_font() -> Path | None:
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        for name in _PACKAGED:
            path = Path(location) / "fonts" / name
            if path.is_file():
                return path
    return None


def _system_font() -> Path | None:
    from matplotlib import font_manager

    by_name = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for family in _KNOWN_FAMILIES:
        if family in by_name:
            return Path(by_name[family])
    return None


def find_cjk_font() -> Path | None:
    """Path of a font file with Chinese glyphs, or None."""
    override = os.environ.get("NIANBAO_CJK_FONT")
    if override and Path(override).is_file():
        return Path(override)
    return _packaged_font() or _system_font()


@lru_cache(maxsize=None)
def setup_cjk_font() -> Path:
    """Register the CJK font with matplotlib and make it the default family; returns its file.
    Raises RuntimeError (with what to install) when there is none."""
    import matplotlib
    from matplotlib import font_manager

    path = find_cjk_font()
    if path is None:
        raise RuntimeError("no CJK font found: `pip install mplfonts` (in the project's test extras), "
                           "`apt-get install fonts-noto-cjk`, or set NIANBAO_CJK_FONT to a .ttf/.otf/.ttc file")
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    matplotlib.rcParams["font.family"] = [name, "sans-serif"]
    matplotlib.rcParams["axes.unicode_minus"] = False  # U+2212 is missing from some CJK fonts
    return path
