"""Adam (Kingma & Ba) over numpy arrays, updated in place: the one optimiser of the n-gram
trainer (:mod:`.train`) and the encoder heads (:mod:`.encoder`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.floating[Any]]


class Adam:
    """Bias-corrected Adam for a fixed list of parameters (each updated in place)."""

    def __init__(
        self,
        params: Sequence[Array],
        learning_rate: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        self._params = list(params)
        self._first = [np.zeros_like(p) for p in self._params]
        self._second = [np.zeros_like(p) for p in self._params]
        self._learning_rate = learning_rate
        self._beta1, self._beta2, self._eps = beta1, beta2, eps
        self._steps = 0

    def step(self, grads: Sequence[Array]) -> None:
        """Move every parameter along its gradient (``grads`` in the order of ``params``)."""
        if len(grads) != len(self._params):
            raise ValueError(f"expected {len(self._params)} gradients, got {len(grads)}")
        self._steps += 1
        c1, c2 = 1 - self._beta1**self._steps, 1 - self._beta2**self._steps
        for param, grad, m, v in zip(self._params, grads, self._first, self._second, strict=True):
            m *= self._beta1
            m += (1 - self._beta1) * grad
            v *= self._beta2
            v += (1 - self._beta2) * grad * grad
            param -= self._learning_rate * (m / c1) / (np.sqrt(v / c2) + self._eps)
