"""A logistic model stored as JSON: named features, their standardization, weights and bias, and the manifest of the
data it was fitted on (file hashes, seed, counts). Loaded without pickle; scored with one matrix product."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Linear:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.0  # a decision threshold on the log-odds, where the model has one
    manifest: dict[str, Any] | None = None

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Log-odds for each row of ``x`` (columns in ``features`` order)."""
        import numpy as np

        w = np.asarray(self.weights, dtype=np.float32) / np.asarray(self.scale, dtype=np.float32)
        b = self.bias - float(np.dot(np.asarray(self.mean, dtype=np.float32), w))
        return x.astype(np.float32, copy=False) @ w + b

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Linear:
        data = json.loads(text)
        return cls(
            features=tuple(data["features"]),
            mean=tuple(data["mean"]),
            scale=tuple(data["scale"]),
            weights=tuple(data["weights"]),
            bias=float(data["bias"]),
            threshold=float(data.get("threshold", 0.0)),
            manifest=data.get("manifest"),
        )


@cache
def load(name: str) -> Linear:
    """A shipped model by name (``qa/learn/NAME.json``)."""
    return Linear.from_json((HERE / f"{name}.json").read_text(encoding="utf-8"))
