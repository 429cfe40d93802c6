"""jitnet: Keras-style networks trained by Numba kernels on the CPU.

``import jitnet as keras`` and write Keras code::

    model = keras.Sequential([keras.Input(shape=(784,)),
                              keras.layers.Dense(512, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=5, batch_size=128)
"""

from . import (
    activations,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    preprocessing,
    regularizers,
    utils,
)
from .layers import Input
from .models import Model, Sequential

__version__ = "0.1.0"


def __getattr__(name: str):
    # jitnet.saving pulls in h5py, jitnet.wrappers scikit-learn: imported on first use, not at start-up.
    if name in ("saving", "wrappers"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'jitnet' has no attribute {name!r}")

__all__ = [
    "Input", "Model", "Sequential", "activations", "backend", "callbacks", "config", "constraints", "datasets",
    "initializers", "layers", "losses", "metrics", "models", "optimizers", "preprocessing", "regularizers", "saving",
    "utils", "wrappers",
]
