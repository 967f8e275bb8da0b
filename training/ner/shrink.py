"""A smaller NER to fine-tune, cut out of a trained one (by default the shipped newsetl_ner).

The new component has the same embedding width but fewer encoder layers (`--depth`) and only
the labels the pipeline keeps (newsetl.enrich.entities.LABELS): every label costs four
actions the parser scores and checks at each token, and each encoder layer one window matmul per
token. Its weights are copied from the trained one wherever they still fit: the four hash
embeddings and their mixing layer, the first `--depth` encoder layers, the projection and the
parser's hidden layer, and the output rows of the actions kept. `spacy train` then fine-tunes
it (training/ner/config.cfg sources it).

    .venv/bin/python -m training.ner.shrink --depth 2
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "newsetl" / "enrich" / "data" / "ner"
OUT = ROOT / "training" / "ner" / "shrunk"


def with_params(model) -> list:
    return [node for node in model.walk() if any(node.has_param(p) for p in node.param_names)]


def shrink(source_dir: Path, out: Path, depth: int, labels: list[str]) -> None:
    import spacy
    from spacy.training import Example

    nlp = spacy.load(source_dir)
    old = nlp.get_pipe("ner")
    config = nlp.config["components"]["ner"].copy()
    config.pop("factory")
    config["model"]["tok2vec"]["encode"]["depth"] = depth
    nlp.remove_pipe("ner")
    new = nlp.add_pipe("ner", config=config)
    for label in labels:
        new.add_label(label)
    new.initialize(lambda: [Example.from_dict(nlp.make_doc("warm up"), {})], nlp=nlp)

    def classes(pipe) -> list[str]:  # every action, with the internal "U-" move_names hides
        return [pipe.moves.get_class_name(i) for i in range(pipe.moves.n_moves)]

    rows = [classes(old).index(name) for name in classes(new)]
    old_nodes, new_nodes = with_params(old.model), with_params(new.model)
    # Parser layers first (same order in both), then the tok2vec: embeddings, mixing, encoder.
    # The new encoder has fewer layers: the old one's extra layers are the last nodes, skipped.
    for old_node, new_node in zip(old_nodes, new_nodes):
        assert old_node.name == new_node.name, (old_node.name, new_node.name)
        for name in new_node.param_names:
            if not new_node.has_param(name):
                continue
            value = old_node.get_param(name)
            target = new_node.get_param(name)
            if value.shape == target.shape:
                new_node.set_param(name, value.copy())
            elif name in ("W", "b") and value.shape[1:] == target.shape[1:]:
                assert target.shape[0] == len(rows), (target.shape, len(rows))
                new_node.set_param(name, value[rows].copy())  # output layer: kept actions
            else:
                raise ValueError(f"{new_node.name}.{name}: {value.shape} -> {target.shape}")
    nlp.to_disk(out)
    print(f"{out}: {len(new.move_names)} actions, encoder depth {depth}")


def main() -> None:
    from newsetl.enrich.entities import LABELS

    parser = argparse.ArgumentParser()
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args()
    shrink(args.source, args.output, args.depth, sorted(LABELS))


if __name__ == "__main__":
    main()
