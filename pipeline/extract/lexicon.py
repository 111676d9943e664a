"""jieba's word segmentation and part-of-speech tags, with its dictionary loaded by first
character as the sentences need it.

jieba builds a dictionary of half a million words and prefixes (about 0.8 s) and a table of
350,000 word tags (another 0.7 s) before it cuts anything, though the pipeline only ever cuts
short labels. Every dictionary lookup jieba makes while cutting a text is for a piece of that
text, so it starts with one of the text's characters: loading the entries of those
characters first gives the same words and tags as the whole dictionary. The entries are
compiled once per dictionary (named by its digest) into one file under the user's cache
folder, grouped by first character; the jieba objects are set up once per process, on the
first text that needs them.
"""
from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sys
from collections.abc import Iterator
from functools import lru_cache
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING

from pipeline.metrics import cache_dir

if TYPE_CHECKING:
    import jieba.posseg

_LAYOUT = 1  # bump when the compiled file's layout changes


class _Lexicon:
    """The compiled dictionary: jieba's total count, and per first character the words' counts
    (prefixes at 0, as jieba keeps them) and tags; entries move into jieba's own tables on demand."""

    def __init__(self, data: bytes) -> None:
        header_size = int.from_bytes(data[:8], "little")
        self.total, self._index = marshal.loads(data[8:8 + header_size])
        self._data = memoryview(data)[8 + header_size:]
        self._loaded: set[str] = set()

    def feed(self, text: str, freq: dict[str, int], tags: dict[str, str]) -> None:
        for char in set(text) - self._loaded:
            self._loaded.add(char)
            if (span := self._index.get(char)) is not None:
                counts, char_tags = marshal.loads(self._data[span[0]:span[1]])
                freq.update(counts)
                tags.update(char_tags)


def _compile(tokenizer: "jieba.Tokenizer", posseg: type) -> bytes:
    """jieba's own readers (prefix counts and word tags) over its dictionary, regrouped."""
    freq, total = tokenizer.gen_pfdict(tokenizer.get_dict_file())
    holder = SimpleNamespace()
    posseg.load_word_tag(holder, tokenizer.get_dict_file())
    groups: dict[str, tuple[dict[str, int], dict[str, str]]] = {}
    for word, count in freq.items():
        groups.setdefault(word[0], ({}, {}))[0][word] = count
    for word, tag in holder.word_tag_tab.items():
        groups.setdefault(word[0], ({}, {}))[1][word] = tag
    index: dict[str, tuple[int, int]] = {}
    chunks: list[bytes] = []
    offset = 0
    for char, group in groups.items():
        chunk = marshal.dumps(group)
        index[char] = (offset, offset + len(chunk))
        chunks.append(chunk)
        offset += len(chunk)
    header = marshal.dumps((total, index))
    return len(header).to_bytes(8, "little") + header + b"".join(chunks)


def _load(tokenizer: "jieba.Tokenizer", posseg: type) -> _Lexicon:
    with tokenizer.get_dict_file() as source:
        digest = hashlib.sha256(source.read()).hexdigest()[:16]
    cached = cache_dir() / f"jieba-lexicon-{_LAYOUT}-{digest}.bin"
    try:
        return _Lexicon(cached.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        pass
    data = _compile(tokenizer, posseg)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(data)
        partial.replace(cached)  # atomic: a concurrent reader sees no file or the whole file
    except OSError:
        pass  # no writable cache folder: compile each time
    return _Lexicon(data)


def _import_jieba() -> ModuleType:
    """jieba imports pkg_resources (a third of a second, and deprecated) only to open its own
    data files, and opens them directly when that import fails: it is made to fail meanwhile."""
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # None: "import fails"
    try:
        import jieba
    finally:
        if blocked:
            del sys.modules["pkg_resources"]
    return jieba


@lru_cache(maxsize=1)
def _jieba() -> tuple["jieba.posseg.POSTokenizer", _Lexicon]:
    """jieba's default tokenizer and its tagger, with empty tables the lexicon fills. Its
    progress messages are not for our users' stderr, which carries one line per failed
    document."""
    jieba = _import_jieba()
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.dt
    # Importing jieba.posseg builds its tagger, reading the tags of the tokenizer's dictionary:
    # pointed at an empty file meanwhile, that reads nothing.
    tokenizer.dictionary = os.devnull
    try:
        import jieba.posseg
    finally:
        tokenizer.dictionary = jieba.DEFAULT_DICT
    lexicon = _load(tokenizer, jieba.posseg.POSTokenizer)
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = {}, lexicon.total, True
    return jieba.posseg.dt, lexicon


def load() -> None:
    """Import jieba and open the lexicon now, so processes forked after it inherit them."""
    _jieba()


def _ready(text: str) -> "jieba.posseg.POSTokenizer":
    tagger, lexicon = _jieba()
    lexicon.feed(text, tagger.tokenizer.FREQ, tagger.word_tag_tab)
    return tagger


def words(text: str) -> list[str]:
    """jieba's cut of the text (its default mode, with HMM for unknown words)."""
    return _ready(text).tokenizer.lcut(text)


def tagged(text: str) -> Iterator[tuple[str, str]]:
    """jieba's words of the text with their part-of-speech tags, cut as they are read (a
    reader that stops at the first few words spares the tagging of the rest)."""
    return ((pair.word, pair.flag) for pair in _ready(text).cut(text))
