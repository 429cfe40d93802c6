"""Every registered layer's compiled forward pass against its plain NumPy reference (``tests/reference.py``), in
float64, in inference and in training mode. The reference reads only the layer's ``get_config()`` and
``get_weights()``, so a config that says one thing while the kernels do another fails too. A layer registered
without a case here fails."""

import numpy as np
import pytest

from jitnet import layers as L
from tests import reference
from tests.gradcheck import build, forward

BATCH, STEP = 4, 3

# class name -> cases: (layer factory, per-sample input shape); at least one case with non-default arguments
CASES = {
    "Activation": [(lambda: L.Activation("selu"), (5,)), (lambda: L.Activation("softmax"), (2, 5))],
    "ReLU": [(L.ReLU, (6,)), (lambda: L.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2), (2, 4))],
    "LeakyReLU": [(L.LeakyReLU, (6,)), (lambda: L.LeakyReLU(negative_slope=0.05), (6,))],
    "ELU": [(L.ELU, (6,)), (lambda: L.ELU(alpha=0.7), (6,))],
    "Softmax": [(L.Softmax, (6,)), (L.Softmax, (3, 5))],
    "PReLU": [(L.PReLU, (2, 3))],
    "Dense": [(lambda: L.Dense(4, activation="tanh"), (5,)),
              (lambda: L.Dense(3, activation="gelu", use_bias=False), (2, 5))],
    "Conv1D": [(lambda: L.Conv1D(3, 2, strides=2, padding="same", activation="relu"), (7, 2)),
               (lambda: L.Conv1D(2, 3, dilation_rate=2, padding="causal"), (8, 3))],
    "Conv2D": [(lambda: L.Conv2D(2, (3, 2), strides=(2, 1), padding="same", activation="relu"), (6, 5, 2)),
               (lambda: L.Conv2D(3, 2, dilation_rate=(1, 2)), (5, 6, 2))],
    "Embedding": [(lambda: L.Embedding(9, 3), (4,))],
    "SimpleRNN": [(lambda: L.SimpleRNN(3, return_sequences=True), (4, 2))],
    "LSTM": [(lambda: L.LSTM(3, go_backwards=True), (4, 2))],
    "GRU": [(lambda: L.GRU(3), (4, 2)), (lambda: L.GRU(3, reset_after=False, return_sequences=True), (4, 2))],
    "Bidirectional": [(lambda: L.Bidirectional(L.LSTM(2, return_sequences=True)), (4, 3)),
                      (lambda: L.Bidirectional(L.GRU(2)), (4, 3))],
    "Dropout": [(lambda: L.Dropout(0.4, seed=3), (7,))],
    "GaussianNoise": [(lambda: L.GaussianNoise(0.5, seed=4), (7,))],
    "GaussianDropout": [(lambda: L.GaussianDropout(0.3, seed=5), (7,))],
    "AlphaDropout": [(lambda: L.AlphaDropout(0.2, seed=6), (7,))],
    "BatchNormalization": [(L.BatchNormalization, (5,)),
                           (lambda: L.BatchNormalization(momentum=0.9, epsilon=1e-2), (5,))],
    "LayerNormalization": [(L.LayerNormalization, (5,)), (lambda: L.LayerNormalization(epsilon=1e-2), (3, 5))],
    "Flatten": [(L.Flatten, (2, 3, 2))],
    "Reshape": [(lambda: L.Reshape((-1, 3)), (2, 6))],
    "ZeroPadding1D": [(L.ZeroPadding1D, (4, 2)), (lambda: L.ZeroPadding1D((1, 2)), (4, 2))],
    "ZeroPadding2D": [(L.ZeroPadding2D, (3, 3, 2)), (lambda: L.ZeroPadding2D(((1, 0), (2, 1))), (3, 4, 2))],
    "Rescaling": [(lambda: L.Rescaling(0.5, offset=-1.0), (4,))],
    "MaxPooling1D": [(L.MaxPooling1D, (5, 2)), (lambda: L.MaxPooling1D(3, strides=2, padding="same"), (7, 2))],
    "MaxPooling2D": [(L.MaxPooling2D, (4, 5, 2)), (lambda: L.MaxPooling2D(2, strides=1, padding="same"), (4, 5, 2))],
    "AveragePooling1D": [(lambda: L.AveragePooling1D(3, strides=2, padding="same"), (7, 2))],
    "AveragePooling2D": [(L.AveragePooling2D, (4, 4, 2)), (lambda: L.AveragePooling2D(2, padding="same"), (5, 5, 2))],
    "GlobalMaxPooling1D": [(L.GlobalMaxPooling1D, (5, 3))],
    "GlobalMaxPooling2D": [(lambda: L.GlobalMaxPooling2D(keepdims=True), (3, 4, 2))],
    "GlobalAveragePooling1D": [(lambda: L.GlobalAveragePooling1D(keepdims=True), (5, 3))],
    "GlobalAveragePooling2D": [(L.GlobalAveragePooling2D, (3, 4, 2))],
}
EXEMPT = {
    "InputLayer": "declares a shape and computes nothing: every case above starts with one",
    **{name: "takes a list of tensors: against reference.MERGING in tests/layers/test_merging.py"
       for name in reference.MERGING},
}


def test_every_registered_layer_has_a_case_and_a_reference():
    registered = {L.LAYERS.lookup(name).__name__ for name in L.LAYERS.names()}
    assert sorted(registered - set(EXEMPT)) == sorted(CASES)
    assert set(CASES) <= set(reference.LAYERS)


def _randomize(layer, rng):
    """Random weights; variances positive."""
    layer.set_weights([rng.uniform(0.5, 1.5, w.shape) if "variance" in w.name else rng.normal(scale=0.7, size=w.shape)
                       for w in layer.weights])


def _input(layer, shape, rng):
    if isinstance(layer, L.Embedding):
        return rng.integers(0, layer.input_dim, (BATCH, *shape)).astype(float)
    return rng.normal(scale=1.5, size=(BATCH, *shape))


PARAMS = [(name, i) for name, cases in sorted(CASES.items()) for i in range(len(cases))]


@pytest.mark.parametrize("training", [False, True], ids=["inference", "training"])
@pytest.mark.parametrize(("name", "case"), PARAMS, ids=[f"{n}-{i}" for n, i in PARAMS])
def test_forward_matches_the_reference(float64, name, case, training):
    factory, shape = CASES[name][case]
    rng = np.random.default_rng(case)
    layer = factory()
    model, trainer = build([layer], shape, BATCH)
    _randomize(layer, rng)
    x = _input(layer, shape, rng)
    config, weights = layer.get_config(), layer.get_weights()
    out = forward(trainer, x, training, STEP).reshape(BATCH, *model.output_shape)
    expected = reference.LAYERS[name](config, weights, x, training, STEP)
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)
