"""Lay out `$NEWSETL_EVAL_DATA` from local git copies of the public repositories it comes from.

    python -m benchmarks.eval_data --git owner/name=GIT_DIR [--git ...] [--mirrors DIR] [--to DIR]

Nothing is downloaded: each repository must already be on this machine as a git folder (a
clone's `.git`, or a bare repository), named with `--git` or found under `--mirrors` as
`DIR/owner+name/repo` (or `.../repo/.git`). Every folder the README and training/*/DATA.md
describe is written from the repositories given; the others are skipped with a line saying so.
Acceptance sets are never written: CoNLL-2003 `eng.testb`, ECB+ topics 36-45, htmldate's
`eval_default.json`.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.realpages import data_root

WCXB = "Murrough-Foley/web-content-extraction-benchmark"
HTMLDATE = "adbar/htmldate"
IR_RESEARCH = "MSVCode/ir-research-data"
MASAKHANE = "masakhane-io/masakhane-news"
ECB = "tommasoc80/EventStoryLine"
CONLL = "ZhixiuYe/HSCRF-pytorch"
NER_SETS = "davidsbatista/NER-datasets"
KEYPHRASES = "LIAAD/KeywordExtractor-Datasets"
HUFFPOST = "Limpery/MGO"  # a copy of part of the HuffPost News Category Dataset (scored only)
UCI = "rntatsuya/UCI_News_Aggregator_Data_Set_Retriever"
L3S = "geodrome/page-signal"  # holds a copy of L3S-GN1 (research use only)
L3S_FOLDER = "L3S-GN1-20100130203947-00001/"
HISTORY_COMMITS = ("1338cca", "0232b8d", "032f0b7", "448e173")  # training/topics/DATA.md
ECB_TOPICS = range(1, 36)  # 36-45 are an acceptance set


class Repo:
    """Reads files of one git folder at one commit (HEAD unless told)."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir

    def _git(self, *args: str) -> bytes:
        return subprocess.run(
            ["git", f"--git-dir={self.git_dir}", *args], check=True, capture_output=True
        ).stdout

    def read(self, path: str, commit: str = "HEAD") -> bytes | None:
        try:
            return self._git("show", f"{commit}:{path}")
        except subprocess.CalledProcessError:
            return None  # absent at that commit, or a blob the copy does not hold

    def files(self, folder: str, commit: str = "HEAD") -> list[str]:
        out = self._git("ls-tree", "-r", "--name-only", commit, "--", folder)
        return out.decode().splitlines()

    def unpack(
        self, folder: str, target: Path, strip: str = "", keep: Callable[[str], bool] | None = None
    ) -> int:
        """`folder` of HEAD into `target` (the leading `strip` taken off each path), only the
        files whose path `keep` accepts when it is given."""
        archive = self._git("archive", "--format=tar", "HEAD", folder)
        count = 0
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            for member in tar.getmembers():
                if not member.isfile() or (keep is not None and not keep(member.name)):
                    continue
                data = tar.extractfile(member)
                assert data is not None
                count += write(target / member.name.removeprefix(strip), data.read())
        return count


def write(path: Path, data: bytes) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return 1


def wcxb(repo: Repo, out: Path) -> int:
    count = sum(repo.unpack(split, out / "wcxb") for split in ("dev", "test"))
    data = repo.read("metadata.json")
    return count + (write(out / "wcxb" / "metadata.json", data) if data else 0)


def mediacloud(repo: Repo, out: Path) -> int:
    index = repo.read("tests/eval_mediacloud_2020.json")
    if index is None:
        return 0
    folder = out / "htmldate-mediacloud"
    count = write(folder / "eval_mediacloud_2020.json", index)
    for item in json.loads(index).values():
        page = repo.read(f"tests/test_set/{item['file']}")
        if page is not None:
            count += write(folder / "test_set" / item["file"], page)
    return count


def ir_research(repo: Repo, out: Path) -> int:
    return repo.unpack("Extraction", out / "ir-research-data")


def masakhane(repo: Repo, out: Path) -> int:
    folder, count = out / "masakhane-news", 0
    few_shot = repo.files("few_shot_data")
    for language in ("eng", "fra", "pcm"):
        for name in ("dev.tsv", "test.tsv", "train.tsv", "labels.txt"):
            data = repo.read(f"data/{language}/{name}")  # eng and fra train.tsv may be absent
            if data is not None:
                count += write(folder / language / name, data)
        for path in few_shot:
            parts = path.split("/")  # few_shot_data/<k>_samples/<language>/<file>
            if len(parts) == 4 and parts[2] == language and parts[3] in ("train.tsv", "dev.tsv"):
                data = repo.read(path)
                if data is not None:
                    count += write(folder / "few-shot" / parts[1] / language / parts[3], data)
    for commit in HISTORY_COMMITS:
        for path in repo.files(".", commit):
            name = path.removeprefix("PET/")
            sample = name.startswith(("data-fsl/eng/", "data-fsl/fra/")) and name.endswith(
                "sample/train.tsv"
            )
            if sample or name in ("raw_annotations/eng2.csv", "raw_annotations/fra.csv"):
                data = repo.read(path, commit)
                if data is not None:
                    count += write(folder / "history" / commit / path, data)
    return count


def ecb(repo: Repo, out: Path) -> int:
    base = "ECB+_LREC2014/ECB+"
    topics = {f"{base}/{topic}/" for topic in ECB_TOPICS}

    def kept(path: str) -> bool:
        return any(path.startswith(topic) for topic in topics)

    return repo.unpack(base, out / "ecbplus", strip="ECB+_LREC2014/", keep=kept)


def conll(repo: Repo, out: Path) -> int:
    count = 0
    for name in ("eng.train", "eng.testa"):  # never eng.testb: an acceptance set
        data = repo.read(f"data/{name}")
        if data is not None:
            count += write(out / "conll2003" / name, data)
    return count


def ner_sets(repo: Repo, out: Path) -> int:
    """WikiANN English and French dev; WNUT-17 (emerging entities in social media) train (its
    corporation names feed training/ner/known_orgs.py), dev and annotated test."""
    count = 0
    for language in ("en", "fr"):
        data = repo.read(f"WikiANN/{language}/dev")
        if data is not None:
            count += write(out / f"wikiann-{language}" / "dev", data)
    for source, target in (
        ("wnut17train.conll", "train.conll"),
        ("emerging.dev.conll", "dev.conll"),
        ("emerging.test.annotated", "test.conll"),
    ):
        data = repo.read(f"WNUT17/{source}")
        if data is not None:
            count += write(out / "wnut17" / target, data)
    return count


def keyphrases(repo: Repo, out: Path) -> int:
    data = repo.read("datasets/500N-KPCrowd-v1.1.zip")
    if data is None:
        return 0
    count = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not name.endswith("/") and ".." not in Path(name).parts:
                count += write(out / "keyphrases" / name, archive.read(name))
    return count


def huffpost(repo: Repo, out: Path) -> int:
    data = repo.read("News_Category_Dataset_v3.json")
    if data is None:
        return 0
    return write(out / "huffpost" / "Limpery-News_Category_Dataset_v3.json", data)


def uci(repo: Repo, out: Path) -> int:
    return repo.unpack("rawData", out / "uci-news-aggregator")


def l3s_gn1(repo: Repo, out: Path) -> int:
    """L3S-GN1's pages as crawled, the same pages as annotated, and their addresses (its WARC
    file, the same pages again, is not needed)."""
    target = out / "l3s-gn1"
    count = sum(
        repo.unpack(L3S_FOLDER + folder, target, strip=L3S_FOLDER)
        for folder in ("original", "annotated")
    )
    for name in ("url-mapping.txt", "Readme-L3S-GN1.txt"):
        data = repo.read(L3S_FOLDER + name)
        if data is not None:
            count += write(target / name, data)
    return count


LAYOUT: dict[str, Callable[[Repo, Path], int]] = {
    WCXB: wcxb,
    HTMLDATE: mediacloud,
    IR_RESEARCH: ir_research,
    MASAKHANE: masakhane,
    ECB: ecb,
    CONLL: conll,
    NER_SETS: ner_sets,
    KEYPHRASES: keyphrases,
    HUFFPOST: huffpost,
    UCI: uci,
    L3S: l3s_gn1,
}


def find_git(mirrors: Path, name: str) -> Path | None:
    folder = mirrors / name.replace("/", "+") / "repo"
    for candidate in (folder / ".git", folder):
        if (candidate / "HEAD").is_file():
            return candidate
    return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--git", action="append", default=[], metavar="OWNER/NAME=GIT_DIR")
    parser.add_argument("--mirrors", type=Path, help="a folder of OWNER+NAME/repo git folders")
    parser.add_argument("--to", type=Path, help="default: $NEWSETL_EVAL_DATA or eval-data/")
    args = parser.parse_args(argv)
    given: dict[str, Path] = {}
    for item in args.git:
        name, _, path = item.partition("=")
        if name not in LAYOUT or not path:
            parser.error(f"--git {item}: expected one of {', '.join(LAYOUT)} then =GIT_DIR")
        given[name] = Path(path)
    out = args.to or data_root()
    for name, lay_out in LAYOUT.items():
        git_dir = given.get(name) or (find_git(args.mirrors, name) if args.mirrors else None)
        if git_dir is None:
            print(f"{name}: no git folder given, skipped")
            continue
        print(f"{name}: {lay_out(Repo(git_dir), out)} files into {out}", flush=True)


if __name__ == "__main__":
    main()
