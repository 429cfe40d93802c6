"""The Keras 3 side of test_keras_interop_graphs.py: ``python keras_graph_script.py FOLDER``.

Loads ``jitnet.keras`` (a two-input, two-output model jitnet trained) and
writes its predictions (``jitnet.keras_pred.npz``) and Keras's evaluation
(``jitnet.keras_eval.json``); builds the same model, writes the summary of
the fresh model (``summary.txt``), trains it one epoch and saves it
(``keras.keras``) with its predictions (``keras.pred.npz``) and history keys.
"""

import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import every_layer


def main(folder):
    x, y = every_layer.two_in_two_out_data()
    loaded = keras.saving.load_model(os.path.join(folder, "jitnet.keras"))
    np.savez(os.path.join(folder, "jitnet.keras_pred.npz"), *loaded.predict(x, verbose=0))
    with open(os.path.join(folder, "jitnet.keras_eval.json"), "w") as f:
        json.dump(loaded.evaluate(x, y, verbose=0, return_dict=True), f)
    keras.utils.set_random_seed(0)
    model = every_layer.build_two_in_two_out(keras)
    lines = []
    model.summary(line_length=100, print_fn=lambda line, **kwargs: lines.append(line))
    with open(os.path.join(folder, "summary.txt"), "w") as f:
        f.write("\n".join(lines))
    every_layer.compile_two_in_two_out(keras, model)
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    model.save(os.path.join(folder, "keras.keras"))
    np.savez(os.path.join(folder, "keras.pred.npz"), *model.predict(x, verbose=0))
    with open(os.path.join(folder, "keras.history.json"), "w") as f:
        json.dump(sorted(history.history), f)


if __name__ == "__main__":
    main(sys.argv[1])
