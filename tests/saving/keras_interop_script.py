"""The Keras 3 side of test_keras_interop.py; run with a Python that has Keras 3 (torch backend).

``python keras_interop_script.py FOLDER``. FOLDER holds ``plan.json``, which
names the architectures of ``every_layer.ARCHITECTURES`` to check, the
jitnet-written files (``name -> architecture``) and the Keras files to write
(``name -> [architecture, optimizer]``), and ``<arch>.x.npy`` /
``<arch>.y.npy`` for each architecture. The script

1. loads each jitnet file in Keras and writes ``<name>.keras_pred.npy``,
   ``<name>.keras_opt.npz`` (the optimizer variables after loading) and
   ``<name>.keras_layers.json`` (the layer configs Keras read);
2. builds, fits (unless the optimizer's name starts with ``untrained``) and
   saves each Keras file ``<name>.keras``, with ``<name>.pred.npy`` and
   ``<name>.opt.npz``;
3. builds each architecture afresh and writes its weights
   (``<arch>.fresh.weights.npz``, ``model.get_weights()`` order) and
   predictions (``<arch>.fresh.pred.npy``), the same for random weights put in
   with ``set_weights`` (``<arch>.random.*``: biases, BatchNormalization
   statistics and all, so that no weight keeps its initial value), and the
   layer configs of the fresh model (``<arch>.keras_layers.json``).

4. trains the recurrent model of ``every_layer.build_recurrent_steps`` for a
   few steps from given weights (``steps.keras_after.npz``);
5. loads each jitnet legacy model file ``<arch>.legacy.h5`` (predictions in
   ``<arch>.legacy.keras_pred.npy``) and writes its own,
   ``<arch>.keras_legacy.h5`` with ``<arch>.keras_legacy.pred.npy``.

A summary goes to ``report.json``.
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

OPTIMIZERS = {
    "adam": lambda: keras.optimizers.Adam(0.01),
    "rmsprop": lambda: keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "nadam": lambda: keras.optimizers.Nadam(0.01),
    "sgd": lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    # compiled, never fitted: Keras writes iterations and learning rate, no slots
    "untrained_adagrad": lambda: keras.optimizers.Adagrad(0.02),
}


def build(arch):
    """``every_layer.ARCHITECTURES[arch]``, with Keras."""
    return every_layer.ARCHITECTURES[arch][0](keras)


def save_optimizer(model, path):
    np.savez(path, *[np.asarray(keras.ops.convert_to_numpy(v)) for v in model.optimizer.variables])


def save_layer_configs(model, path):
    """``[class name, get_config() without the name]`` of each layer, as JSON."""
    configs = [[type(layer).__name__, every_layer.unnamed(layer.get_config())] for layer in model.layers]
    with open(path, "w") as f:
        json.dump(configs, f, default=str)


def random_weights(model, rng):
    """Normal values for every weight, positive ones for variances."""
    return [np.abs(w) + 0.5 if "variance" in v.name else w
            for v, w in ((v, rng.normal(0.0, 0.5, v.shape).astype("float32")) for v in model.weights)]


def main(folder):
    def path(name):
        return os.path.join(folder, name)

    with open(path("plan.json")) as f:
        plan = json.load(f)
    data = {arch: (np.load(path(f"{arch}.x.npy")), np.load(path(f"{arch}.y.npy"))) for arch in plan["architectures"]}
    report = {"keras_version": keras.__version__, "backend": keras.backend.backend(), "loaded": {}}
    for name, arch in plan["jitnet_files"].items():  # (1) jitnet -> Keras
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = keras.saving.load_model(path(name + ".keras"))
        np.save(path(name + ".keras_pred.npy"), model.predict(data[arch][0], verbose=0))
        save_optimizer(model, path(name + ".keras_opt.npz"))
        save_layer_configs(model, path(name + ".keras_layers.json"))
        report["loaded"][name] = {
            "iterations": int(keras.ops.convert_to_numpy(model.optimizer.iterations)),
            "warnings": [str(w.message) for w in caught if issubclass(w.category, UserWarning)],
            "optimizer": type(model.optimizer).__name__,
        }
    keras.utils.set_random_seed(0)
    for name, (arch, optimizer) in plan["keras_files"].items():  # (2) Keras -> jitnet
        x, y = data[arch]
        model = build(arch)
        model.compile(optimizer=OPTIMIZERS[optimizer](), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        if not optimizer.startswith("untrained"):
            model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        model.save(path(name + ".keras"))
        np.save(path(name + ".pred.npy"), model.predict(x, verbose=0))
        save_optimizer(model, path(name + ".opt.npz"))
    rng = np.random.default_rng(1)
    for arch in plan["architectures"]:  # (3) the same weights in both libraries give the same predictions
        keras.utils.set_random_seed(1)
        model = build(arch)
        save_layer_configs(model, path(f"{arch}.keras_layers.json"))
        for kind in ("fresh", "random"):
            if kind == "random":
                model.set_weights(random_weights(model, rng))
            np.savez(path(f"{arch}.{kind}.weights.npz"), *model.get_weights())
            np.save(path(f"{arch}.{kind}.pred.npy"), model.predict(data[arch][0], verbose=0))
    # (4) the same starting weights and batches: the weights after 5 steps of Adam
    x, y = np.load(path("steps.x.npy")), np.load(path("steps.y.npy"))
    model = every_layer.build_recurrent_steps(keras)
    start = np.load(path("steps.start.npz"))
    model.set_weights([start[f"arr_{i}"] for i in range(len(start.files))])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    np.savez(path("steps.keras_after.npz"), *model.get_weights())
    for arch in plan["architectures"]:  # (5) legacy .h5 model files, both ways
        x = data[arch][0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loaded = keras.saving.load_model(path(f"{arch}.legacy.h5"))
            np.save(path(f"{arch}.legacy.keras_pred.npy"), loaded.predict(x, verbose=0))
            report.setdefault("legacy_optimizers", {})[arch] = type(loaded.optimizer).__name__
            model = build(arch)
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            model.fit(x, data[arch][1], epochs=1, batch_size=16, verbose=0)
            model.save(path(f"{arch}.keras_legacy.h5"))
        np.save(path(f"{arch}.keras_legacy.pred.npy"), model.predict(x, verbose=0))
    with open(path("report.json"), "w") as f:
        json.dump(report, f)


if __name__ == "__main__":
    main(sys.argv[1])
