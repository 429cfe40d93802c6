"""``keras.backend``: the names old Keras code imports as ``K``.

``from jitnet import backend as K`` gives ``K.clear_session()``,
``K.floatx()``, ``K.set_floatx()``, ``K.epsilon()``, ``K.set_epsilon()`` and
``K.backend()``.
"""

from __future__ import annotations

from .config import backend, epsilon, floatx, set_epsilon, set_floatx
from .layers import base


def clear_session() -> None:
    """Reset the automatic layer names, so the next model's layers are ``dense``, ``dense_1``, ... again.

    Models hold all their own state, so there is no graph or memory to free.
    """
    base.reset_names()


__all__ = ["backend", "clear_session", "epsilon", "floatx", "set_epsilon", "set_floatx"]
