"""The Keras 3 side of test_keras_interop.py; run with a Python that has Keras 3 (torch backend).

``python keras_interop_script.py FOLDER``. FOLDER holds ``x.npy``, ``y.npy``
and the jitnet-written files listed in ``jitnet_files.json``. For each of
those the script loads it in Keras and writes ``<name>.keras_pred.npy`` and
``<name>.keras_opt.npz`` (the optimizer variables after loading). Then it
builds, fits and saves Keras models ``keras_<optimizer>.keras`` with their
predictions and optimizer variables, and one compiled but never fitted model
``keras_untrained_adagrad.keras``. A summary goes to ``report.json``.
"""

import json
import os
import sys
import warnings

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import every_layer

L = keras.layers


def build():
    """``every_layer.build``, with Keras."""
    return every_layer.build(keras)


def save_optimizer(model, path):
    np.savez(path, *[np.asarray(keras.ops.convert_to_numpy(v)) for v in model.optimizer.variables])


def main(folder):
    x = np.load(os.path.join(folder, "x.npy"))
    y = np.load(os.path.join(folder, "y.npy"))
    report = {"keras_version": keras.__version__, "backend": keras.backend.backend(), "loaded": {}}
    with open(os.path.join(folder, "jitnet_files.json")) as f:
        names = json.load(f)
    for name in names:  # (1) jitnet -> Keras
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = keras.saving.load_model(os.path.join(folder, name + ".keras"))
        np.save(os.path.join(folder, name + ".keras_pred.npy"), model.predict(x, verbose=0))
        save_optimizer(model, os.path.join(folder, name + ".keras_opt.npz"))
        report["loaded"][name] = {
            "iterations": int(keras.ops.convert_to_numpy(model.optimizer.iterations)),
            "warnings": [str(w.message) for w in caught if issubclass(w.category, UserWarning)],
            "optimizer": type(model.optimizer).__name__,
        }
    optimizers = {
        "adam": keras.optimizers.Adam(0.01),
        "rmsprop": keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
        "nadam": keras.optimizers.Nadam(0.01),
        "sgd": keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    }
    keras.utils.set_random_seed(0)
    for name, optimizer in optimizers.items():  # (2) Keras -> jitnet
        model = build()
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        model.save(os.path.join(folder, f"keras_{name}.keras"))
        np.save(os.path.join(folder, f"keras_{name}.pred.npy"), model.predict(x, verbose=0))
        save_optimizer(model, os.path.join(folder, f"keras_{name}.opt.npz"))
    model = build()  # compiled, never fitted: Keras writes iterations and learning rate, no slots
    model.compile(optimizer=keras.optimizers.Adagrad(0.02), loss="sparse_categorical_crossentropy")
    model.save(os.path.join(folder, "keras_untrained_adagrad.keras"))
    with open(os.path.join(folder, "report.json"), "w") as f:
        json.dump(report, f)


if __name__ == "__main__":
    main(sys.argv[1])
