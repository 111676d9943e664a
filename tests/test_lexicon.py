"""jieba's dictionary loaded by first character gives the words and tags of the whole one, is
compiled once into the user's cache, and is loaded only when a document has prose to cut."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES

from pipeline.extract import lexicon
from pipeline.read import read_bytes

_INVENTED = [
    "本机关全年通过政府门户网站主动公开政策文件四十一件",
    "依申请公开信息事项办理情况良好，79个社区全部设立查阅点",
    "聘请20名监督员，专门配备了2名全职工作人员",
    "编入目录的39个单位按时更新",
    "Wi-Fi覆盖率达到100%，APP下载量1.2万次",
]
_CORPUS_PAGE = ROOT.parent / "shared" / "corpus" / "real" / "shuyang-fgj-2023.html"


def _texts() -> list[str]:
    """Invented sentences, the prose lines of a sample and of a real page, and short pieces of
    them (the pipeline cuts labels and the few words after a number)."""
    lines = list(_INVENTED)
    for page in (SAMPLES / "huaiyin-2021.html", _CORPUS_PAGE):
        if page.is_file():
            lines += [b for b in read_bytes(page.read_bytes(), page.name).blocks if isinstance(b, str)]
    return lines + [line[i:i + 12] for line in lines for i in range(0, len(line), 7)]


def test_words_and_tags_are_those_of_the_whole_dictionary(tmp_path: Path) -> None:
    lexicon.words("")  # set up the lexicon's jieba before this test imports jieba.posseg
    import jieba
    import jieba.posseg

    whole = jieba.Tokenizer()
    whole.tmp_dir = str(tmp_path)  # its own cache, not the shared temp folder
    whole.initialize()
    whole_tags = jieba.posseg.POSTokenizer(whole)
    texts = _texts()
    assert len(texts) > 200
    for text in texts:
        assert lexicon.words(text) == whole.lcut(text), text
        assert list(lexicon.tagged(text)) == [(p.word, p.flag) for p in whole_tags.cut(text)], text
    # Only the entries of the characters met were loaded, a fraction of the dictionary.
    assert len(jieba.dt.FREQ) < len(whole.FREQ) / 2


def _run(code: str, cache: Path) -> str:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


_CUT = "from pipeline.extract import lexicon; print('/'.join(lexicon.words('本机关主动公开政策文件四十一件')))"


def test_compiled_once_into_the_user_cache_and_recompiled_when_damaged(tmp_path: Path) -> None:
    words = _run(_CUT, tmp_path)
    compiled = list((tmp_path / "nianbao").glob("jieba-lexicon-*.bin"))
    assert len(compiled) == 1 and compiled[0].stat().st_size > 1_000_000
    # Read back, not compiled again: a second process that cannot compile cuts the same.
    no_compile = _CUT.replace("; print", "; lexicon._compile = None; print")
    assert _run(no_compile, tmp_path) == words
    compiled[0].write_bytes(b"\x00" * 64)  # a damaged cache file is compiled again
    assert _run(_CUT, tmp_path) == words
    assert compiled[0].stat().st_size > 1_000_000


def test_jieba_is_loaded_only_by_a_document_with_prose(tmp_path: Path) -> None:
    notice, report = SAMPLES / "notice-2023-nianbao.html", SAMPLES / "huaiyin-2021.html"
    if not (notice.is_file() and report.is_file()):
        pytest.skip("raw/samples/ lacks the notice or the huaiyin-2021 report")
    code = ("import sys; from pathlib import Path; from pipeline.process import process_path; "
            f"r = process_path(Path({str(notice)!r})); print(r.is_report, 'jieba' in sys.modules); "
            f"r = process_path(Path({str(report)!r})); print(r.is_report, 'jieba' in sys.modules)")
    assert _run(code, tmp_path).splitlines() == ["False False", "True True"]
