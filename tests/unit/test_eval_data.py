"""benchmarks/eval_data.py lays out the eval-data folder from local git folders, and never
writes an acceptance set (CoNLL-2003 eng.testb, ECB+ topics 36-45)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from benchmarks import eval_data


def git_folder(work: Path, files: dict[str, str]) -> Path:
    """A repository in `work` holding `files`; its .git folder."""
    for name, text in files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text, encoding="utf-8")
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    subprocess.run(["git", "-C", str(work), "add", "."], check=True)
    subprocess.run(["git", *identity, "-C", str(work), "commit", "-qm", "files"], check=True)
    return work / ".git"


def laid_out(out: Path, repos: dict[str, Path]) -> list[str]:
    """Run eval_data over `repos` (name -> git folder) into `out`; the files written."""
    argv = [arg for name, git in repos.items() for arg in ("--git", f"{name}={git}")]
    eval_data.main([*argv, "--to", str(out)])
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())


def test_acceptance_sets_are_never_written(tmp_path):
    conll = git_folder(
        tmp_path / "conll",
        {"data/eng.train": "EU B-ORG\n", "data/eng.testa": "Bonn B-LOC\n", "data/eng.testb": "x\n"},
    )
    ecb = git_folder(
        tmp_path / "ecb",
        {f"ECB+_LREC2014/ECB+/{n}/{n}_1ecb.xml": f"<d>{n}</d>" for n in (1, 35, 36, 45)},
    )
    out = tmp_path / "eval-data"
    assert laid_out(out, {eval_data.CONLL: conll, eval_data.ECB: ecb}) == [
        "conll2003/eng.testa",
        "conll2003/eng.train",
        "ecbplus/ECB+/1/1_1ecb.xml",
        "ecbplus/ECB+/35/35_1ecb.xml",
    ]
    assert (out / "conll2003" / "eng.testa").read_text(encoding="utf-8") == "Bonn B-LOC\n"


def test_mirrors_are_found_by_name(tmp_path):
    git_dir = git_folder(tmp_path / "m" / "ZhixiuYe+HSCRF-pytorch" / "repo", {"a": "b"})
    assert eval_data.find_git(tmp_path / "m", eval_data.CONLL) == git_dir
    assert eval_data.find_git(tmp_path / "m", eval_data.ECB) is None


def test_short_news_sets_are_laid_out_where_their_readers_look(tmp_path):
    huffpost = git_folder(
        tmp_path / "hp", {"News_Category_Dataset_v3.json": '{"link": "l", "category": "TECH"}\n'}
    )
    uci = git_folder(tmp_path / "uci", {"rawData/part1.csv": "1\tA\n", "README.md": "x\n"})
    assert laid_out(tmp_path / "eval-data", {eval_data.HUFFPOST: huffpost, eval_data.UCI: uci}) == [
        "huffpost/Limpery-News_Category_Dataset_v3.json",
        "uci-news-aggregator/rawData/part1.csv",
    ]


def test_l3s_pages_are_laid_out_without_the_warc(tmp_path):
    folder = "L3S-GN1-20100130203947-00001/"
    l3s = git_folder(
        tmp_path / "l3s",
        {
            folder + "original/a.html": "<html>a</html>",
            folder + "annotated/a.html": "<html><span>a</span></html>",
            folder + "url-mapping.txt": "<urn:uuid:a>\thttp://a.example/\n",
            folder + "Readme-L3S-GN1.txt": "research use only\n",
            folder + "L3S-GN1-20100130203947-00001.warc": "the same pages again\n",
            "src/core.clj": "(ns x)\n",
        },
    )
    assert laid_out(tmp_path / "eval-data", {eval_data.L3S: l3s}) == [
        "l3s-gn1/Readme-L3S-GN1.txt",
        "l3s-gn1/annotated/a.html",
        "l3s-gn1/original/a.html",
        "l3s-gn1/url-mapping.txt",
    ]
