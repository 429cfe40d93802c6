"""Fashion-MNIST, as ``keras.datasets.fashion_mnist``.

Read from the cache folder ``fashion-mnist/`` (Keras's layout: the four
original IDX ``.gz`` files under their own names), else downloaded as Keras
does, each file checked against its sha256.
"""

from __future__ import annotations

import numpy as np

from . import _cache
from .mnist import IDX_FILES, load_idx_set

FILE_HASHES = {
    "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
}

CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load Fashion-MNIST: 60,000 28x28 grayscale images of 10 clothing classes, 10,000 test images.

    Classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat,
    5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot (``CLASS_NAMES``).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes
        ``(60000, 28, 28)``, ``(60000,)``, ``(10000, 28, 28)``, ``(10000,)``.
    """
    remotes = [_cache.Remote(f"fashion-mnist/{name}", name, FILE_HASHES[name]) for name in IDX_FILES]
    return load_idx_set(_cache.fetch("Fashion-MNIST", remotes))
