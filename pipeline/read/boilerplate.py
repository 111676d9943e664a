"""Lines that portals and collectors wrap around every page; never report text."""
from __future__ import annotations

import re

_PATTERNS = [
    r"^扫一扫在手机上查看当前页面$", r"^您访问的链接即将离开", r"^您的浏览器版本太低", r"^为了更好的浏览体验",
    r"^(繁體版|繁体版|简体版|English|ENGLISH|无障碍|长者版|适老化|网站地图|返回顶部|打印|关闭|打印本页|关闭窗口|分享到：?)$",
    r"^字体[:：]?\s*[【\[]?\s*大\s*中\s*小", r"^当前位置[:：]", r"^(主办单位|承办单位|网站标识码|ICP备|.*ICP备\d+)",
    r"^(掃一掃在手機上查看當前頁面|您訪問的鏈接即將離開|您的瀏覽器版本太低|為了更好的瀏覽體驗)",
    r"^【?(打印|关闭|收藏|纠错)】?(\s*【?(打印|关闭|收藏|纠错)】?)*$",
    r"^[-—–]\s*\d{1,4}\s*[-—–]$",  # a page's footer number (- 3 -), as PDF-to-text tools print it
]
_BOILERPLATE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.I)


def is_boilerplate(line: str) -> bool:
    return bool(_BOILERPLATE.search(line.strip()))
