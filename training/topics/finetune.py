"""Fine-tune the encoder's top layers and a linear head for topics (PyTorch, training only).

`training/topics/contextual.py` runs this in a Python that has PyTorch (`TORCH_PYTHON`, see
training/topics/DATA.md), with two file arguments:

    python -m training.topics.finetune oof   IN.npz OUT.npz   # out-of-fold logits
    python -m training.topics.finetune final IN.npz OUT.npz   # the tuned layers and head

IN holds the token states below the tuned layers (`states`, `masks`: what
`newsetl.enrich.contextual.Encoder.states` gives), the labels `y`, the per-article loss weights
`weights` (class-balanced), the `folds`, the number of `classes`, the encoder's `heads` and
`eps`, the base weights of each tuned layer (`layer{j}.{name}`, matrices as (in, out) the way
the numpy encoder uses them), and for `final` the chosen `rate` and `epochs`.

The model is the numpy encoder's top layers written in PyTorch (same GELU, tanh form), mean
pooling over the tokens, scaling to unit length, and a linear head. Training: the head alone
first (300 full-batch Adam steps, lambda 1e-4: the logistic regression the frozen encoder had),
then layers and head together (AdamW, weight decay 0.01, batches of 32, the head at 1e-3,
the layers at `rate`), class-balanced cross-entropy. `oof` fits each fold's complement for every
rate in RATES and writes the held-back fold's logits after each epoch up to EPOCHS
(`logits[rate index, epoch, article, class]`; epoch 0 is the head alone); `final` fits all
articles with the chosen rate and epochs and writes the tuned arrays (`layer{j}.{name}`,
(in, out)) and the head (`head`, `head_bias`).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 (PyTorch's usual name)
from torch import nn

# With two layers tuned, 3e-5 stayed below 1e-4 at every epoch (DATA.md); with four, 1e-4 was
# still gaining at six epochs.
RATES = (1e-4,)
EPOCHS = 8
HEAD_STEPS = 300
HEAD_LAMBDA = 1e-4
BATCH = 32
SEED = 0
MATRICES = ("qkv", "out", "up", "down")
NORMS = ("norm1", "norm2")
WIDTH = 384


class Layer(nn.Module):
    """One BERT layer, initialised from the numpy encoder's arrays of it."""

    def __init__(self, arrays: dict[str, np.ndarray], heads: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        for name in MATRICES:
            weight = arrays[name]  # (in, out)
            linear = nn.Linear(weight.shape[0], weight.shape[1])
            linear.weight.data = torch.tensor(weight.T.copy())
            linear.bias.data = torch.tensor(arrays[name + "_bias"])
            setattr(self, name, linear)
        for name in NORMS:
            norm = nn.LayerNorm(WIDTH, eps=eps)
            norm.weight.data = torch.tensor(arrays[name])
            norm.bias.data = torch.tensor(arrays[name + "_bias"])
            setattr(self, name, norm)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, length, _ = x.shape

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, length, self.heads, WIDTH // self.heads).transpose(1, 2)

        q, k, v = self.qkv(x).split(WIDTH, dim=-1)
        keep = mask[:, None, None, :] > 0
        context = F.scaled_dot_product_attention(split(q), split(k), split(v), attn_mask=keep)
        x = self.norm1(x + self.out(context.transpose(1, 2).reshape(batch, length, WIDTH)))
        return self.norm2(x + self.down(F.gelu(self.up(x), approximate="tanh")))

    def arrays(self) -> dict[str, np.ndarray]:
        out = {}
        for name in MATRICES:
            linear = getattr(self, name)
            out[name] = linear.weight.detach().numpy().T.copy()
            out[name + "_bias"] = linear.bias.detach().numpy().copy()
        for name in NORMS:
            norm = getattr(self, name)
            out[name] = norm.weight.detach().numpy().copy()
            out[name + "_bias"] = norm.bias.detach().numpy().copy()
        return out


class Model(nn.Module):
    def __init__(self, data, classes: int) -> None:
        super().__init__()
        count = len({k.split(".")[0] for k in data.files if k.startswith("layer")})
        heads, eps = int(data["heads"]), float(data["eps"])
        self.layers = nn.ModuleList(
            Layer(
                {k.split(".", 1)[1]: data[k] for k in data.files if k.startswith(f"layer{j}.")},
                heads,
                eps,
            )  # fmt: skip
            for j in range(count)
        )
        self.head = nn.Linear(WIDTH, classes)

    def pooled(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x, mask)
        summed = (x * mask[..., None]).sum(dim=1) / mask.sum(dim=1).clamp(min=1)[:, None]
        return F.normalize(summed, dim=1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.pooled(x, mask))


class Trainer:
    def __init__(self, data) -> None:
        self.data = data
        self.states, self.masks = data["states"], data["masks"]
        self.y, self.weights = data["y"], data["weights"]
        self.classes = int(data["classes"])

    def batch(self, rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        length = max(int(self.masks[rows].sum(axis=1).max()), 1)
        return torch.tensor(self.states[rows, :length]), torch.tensor(self.masks[rows, :length])

    def logits(self, model: Model, rows: np.ndarray) -> np.ndarray:
        model.eval()
        with torch.no_grad():
            parts = [model(*self.batch(rows[s : s + 64])) for s in range(0, len(rows), 64)]
        return torch.cat(parts).numpy() if parts else np.zeros((0, self.classes), np.float32)

    def fit_head(self, model: Model, rows: np.ndarray) -> None:
        with torch.no_grad():
            pooled = torch.cat(
                [model.pooled(*self.batch(rows[s : s + 64])) for s in range(0, len(rows), 64)]
            )
        y = torch.tensor(self.y[rows])
        w = torch.tensor(self.weights[rows] / self.weights[rows].sum())
        nn.init.zeros_(model.head.weight)
        nn.init.zeros_(model.head.bias)
        optimiser = torch.optim.Adam(model.head.parameters(), lr=0.05)
        for _ in range(HEAD_STEPS):
            optimiser.zero_grad()
            loss = (F.cross_entropy(model.head(pooled), y, reduction="none") * w).sum()
            loss = loss + HEAD_LAMBDA / 2 * (model.head.weight**2).sum()
            loss.backward()
            optimiser.step()

    def fit(self, rows: np.ndarray, rate: float, epochs: int, test: np.ndarray | None = None):
        """The model fitted on `rows`, and the logits of `test` after each epoch (0: head only)."""
        torch.manual_seed(SEED)
        model = Model(self.data, self.classes)
        self.fit_head(model, rows)
        seen = [self.logits(model, test)] if test is not None else []
        optimiser = torch.optim.AdamW(
            [
                {"params": model.layers.parameters(), "lr": rate},
                {"params": model.head.parameters(), "lr": 1e-3},
            ],
            weight_decay=0.01,
        )
        rng = np.random.default_rng(SEED)
        mean_weight = float(self.weights[rows].mean())
        for epoch in range(epochs):
            started = time.perf_counter()
            model.train()
            order = rng.permutation(rows)
            for start in range(0, len(order), BATCH):
                part = order[start : start + BATCH]
                optimiser.zero_grad()
                loss = F.cross_entropy(
                    model(*self.batch(part)), torch.tensor(self.y[part]), reduction="none"
                )
                (loss * torch.tensor(self.weights[part] / mean_weight)).mean().backward()
                optimiser.step()
            if test is not None:
                seen.append(self.logits(model, test))
            print(f"    epoch {epoch + 1}: {time.perf_counter() - started:.0f} s", flush=True)
        return model, seen


def main(argv: list[str]) -> None:
    mode, source, target = argv
    data = np.load(source)
    trainer = Trainer(data)
    if mode == "oof":
        folds = data["folds"]
        logits = np.zeros((len(RATES), EPOCHS + 1, len(trainer.y), trainer.classes), np.float32)
        for r, rate in enumerate(RATES):
            for k in range(int(folds.max()) + 1):
                print(f"  rate {rate:g}, fold {k}", flush=True)
                fit_rows, test_rows = np.nonzero(folds != k)[0], np.nonzero(folds == k)[0]
                _, seen = trainer.fit(fit_rows, rate, EPOCHS, test_rows)
                for epoch, part in enumerate(seen):
                    logits[r, epoch, test_rows] = part
        np.savez(target, logits=logits, rates=np.array(RATES), epochs=EPOCHS)
    elif mode == "final":
        rate, epochs = float(data["rate"]), int(data["epochs"])
        model, _ = trainer.fit(np.arange(len(trainer.y)), rate, epochs)
        out = {"head": model.head.weight.detach().numpy().T.copy()}
        out["head_bias"] = model.head.bias.detach().numpy().copy()
        for j, layer in enumerate(model.layers):
            out.update({f"layer{j}.{name}": a for name, a in layer.arrays().items()})
        np.savez(target, **out)
    else:
        raise SystemExit(f"unknown mode {mode!r}: oof or final")


if __name__ == "__main__":
    main(sys.argv[1:])
