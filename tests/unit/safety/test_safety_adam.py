"""The one Adam optimiser of the safety trainers (n-gram model and encoder heads)."""

from __future__ import annotations

import numpy as np
import pytest

from modelport.policy.safety.learned.adam import Adam


def test_adam_minimises_a_quadratic_in_place() -> None:
    target = np.array([[1.5, -2.0], [0.25, 3.0]], dtype=np.float32)
    w = np.zeros_like(target)
    b = np.zeros(2, dtype=np.float32)
    optimiser = Adam((w, b), learning_rate=0.05)
    for _ in range(2000):
        optimiser.step((w - target, b - 1.0))
    np.testing.assert_allclose(w, target, atol=1e-3)
    np.testing.assert_allclose(b, [1.0, 1.0], atol=1e-3)


def test_the_first_step_moves_each_parameter_by_the_learning_rate() -> None:
    """Bias correction: the first step is ±learning_rate whatever the gradient's scale."""
    w = np.zeros(3, dtype=np.float32)
    Adam((w,), learning_rate=0.1).step((np.array([1e-3, -5.0, 200.0], dtype=np.float32),))
    np.testing.assert_allclose(w, [-0.1, 0.1, -0.1], rtol=1e-4)


def test_a_missing_gradient_is_refused() -> None:
    w = np.zeros(2, dtype=np.float32)
    with pytest.raises(ValueError, match="expected 2 gradients"):
        Adam((w, w.copy()), learning_rate=0.1).step((w,))
