"""Specialised programs against a plain NumPy reference: three training steps.

The reference runs each model's forward pass in NumPy (``tests/reference.py``),
takes gradients by central differences and applies Keras 3's update
formulas. One model holds every layer kind; the cases together use every
loss and every optimizer, each with the output activation it is used with.
"""

import numpy as np
import pytest

import jitnet as keras
from jitnet import layers as L
from jitnet import losses
from jitnet.kernels import losses as kl
from tests import reference
from tests.gradcheck import central_difference

N, D = 8, 6


def every_layer_model(units, activation):
    return [
        L.Dense(5, activation="elu"), L.BatchNormalization(), L.Dropout(0.3, seed=1),
        L.PReLU(alpha_initializer="random_uniform"), L.LayerNormalization(), L.GaussianNoise(0.1, seed=2),
        L.Dense(4, activation="tanh"), L.GaussianDropout(0.2, seed=3), L.AlphaDropout(0.1, seed=4),
        L.Dense(units, activation=activation),
    ]


def small_model(units, activation):
    return [L.Dense(5, activation="relu"), L.Dense(units, activation=activation)]


def forward(layers, weights, x, step, stats):
    """The model's training-mode output in NumPy; ``stats`` receives new moving statistics."""
    h = x
    it = iter(weights)
    for layer in layers:
        if isinstance(layer, L.Dense):
            h = h @ next(it) + next(it)
            fn = layer.activation
            h = reference.activation(fn.code, h, *fn.params)
        elif isinstance(layer, L.BatchNormalization):
            gamma, beta, mean, var = next(it), next(it), next(it), next(it)
            h, m, v = reference.batchnorm_train(h, gamma, beta, mean, var, layer.momentum, layer.epsilon)
            stats[layer.name] = (m, v)
        elif isinstance(layer, L.LayerNormalization):
            h = reference.layernorm(h, next(it), next(it), layer.epsilon)
        elif isinstance(layer, L.PReLU):
            h = reference.prelu(h, next(it))
        else:  # a noise layer
            rate = getattr(layer, "rate", getattr(layer, "stddev", None))
            h = reference.noise(layer.mode, h, rate, layer._seed, step)
    return h


def targets(code, rng, k):
    if code in (kl.SCCE, kl.SCCE_LOGITS):
        return rng.integers(0, k, N)
    if code in (kl.CCE, kl.CCE_LOGITS, kl.CATEGORICAL_HINGE, kl.KLD):
        return np.eye(k)[rng.integers(0, k, N)]
    if code in (kl.BCE, kl.BCE_LOGITS, kl.HINGE, kl.SQUARED_HINGE):
        return rng.integers(0, 2, (N, k)).astype(float)
    return rng.uniform(0.2, 2.0, (N, k))


CASES = [  # (model, loss, output activation, optimizer, its config)
    (every_layer_model, losses.SparseCategoricalCrossentropy(), "softmax", "adam", {}),
    (small_model, losses.SparseCategoricalCrossentropy(from_logits=True), None, "sgd", {"momentum": 0.9}),
    (small_model, losses.CategoricalCrossentropy(), "softmax", "rmsprop", {}),
    (small_model, losses.CategoricalCrossentropy(from_logits=True), None, "nadam", {}),
    (small_model, losses.BinaryCrossentropy(), "sigmoid", "adagrad", {}),
    (small_model, losses.BinaryCrossentropy(from_logits=True), None, "adadelta", {"learning_rate": 1.0}),
    (small_model, losses.MeanSquaredError(), None, "adamax", {}),
    (small_model, losses.MeanAbsoluteError(), None, "adamw", {}),
    (small_model, losses.MeanAbsolutePercentageError(), "softplus", "sgd", {}),
    (small_model, losses.MeanSquaredLogarithmicError(), "softplus", "rmsprop", {}),
    (small_model, losses.Huber(), None, "adam", {"amsgrad": True}),
    (small_model, losses.LogCosh(), None, "sgd", {"momentum": 0.5, "nesterov": True}),
    (small_model, losses.Hinge(), "tanh", "rmsprop", {"centered": True}),
    (small_model, losses.SquaredHinge(), "tanh", "adam", {}),
    (small_model, losses.CategoricalHinge(), None, "sgd", {}),
    (small_model, losses.KLDivergence(), "softmax", "adam", {}),
    (small_model, losses.Poisson(), "softplus", "sgd", {}),
]
OPTIMIZERS = {"sgd": keras.optimizers.SGD, "rmsprop": keras.optimizers.RMSprop, "adam": keras.optimizers.Adam,
              "adamw": keras.optimizers.AdamW, "adagrad": keras.optimizers.Adagrad,
              "adadelta": keras.optimizers.Adadelta, "adamax": keras.optimizers.Adamax,
              "nadam": keras.optimizers.Nadam}


def test_cases_cover_every_loss_and_optimizer():
    assert {loss.kernel_code for _, loss, *_ in CASES} == set(range(kl.SCCE_LOGITS + 1))
    assert {name for *_, name, _ in CASES} == set(OPTIMIZERS)


@pytest.mark.parametrize(("make", "loss", "activation", "opt", "config"), CASES,
                         ids=[f"{c[1].name}-{c[3]}" for c in CASES])
def test_three_steps_match_numpy(float64, make, loss, activation, opt, config):
    rng = np.random.default_rng(7)
    k = 1 if loss.kernel_code in (kl.BCE, kl.BCE_LOGITS) else 3
    x = rng.normal(size=(N, D))
    y = targets(loss.kernel_code, rng, k)
    layers = make(k, activation)
    model = keras.Sequential([keras.Input(shape=(D,)), *layers])
    model.compile(optimizer=OPTIMIZERS[opt](**{"learning_rate": 0.05, **config}), loss=loss)

    weights = [w.copy() for w in model.get_weights()]
    initial = [w.copy() for w in weights]
    trainable = [i for i, w in enumerate(model.weights) if w.trainable]
    ref_opt = reference.ReferenceOptimizer(opt, {"learning_rate": 0.05, **config},
                                           [weights[i] for i in trainable])
    yk = y.reshape(N, 1) if y.ndim == 1 else y
    for step in range(3):
        def objective(step=step):
            return float(np.mean(reference.loss(loss.kernel_code, forward(layers, weights, x, step, {}), yk)))

        grads = [central_difference(weights[i].reshape(-1), objective).reshape(weights[i].shape) for i in trainable]
        stats = {}
        forward(layers, weights, x, step, stats)
        ref_opt.apply([weights[i] for i in trainable], grads, config.get("learning_rate", 0.05))
        for layer in layers:
            if layer.name in stats:
                at = [i for i, w in enumerate(model.weights) if w.path.startswith(layer.name + "/")]
                weights[at[2]], weights[at[3]] = stats[layer.name]
        model.train_on_batch(x, y)

    for got, want, name in zip(model.get_weights(), weights, [w.path for w in model.weights]):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8, err_msg=name)
    assert all(not np.allclose(w, w0) for w, w0 in zip(weights, initial) if w.size > 1)  # every weight moved


def test_activations_in_programs_match_numpy(float64):
    """Every activation variant a program writes, forward, against its formula."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 5)) * 2
    names = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "hard_sigmoid", "tanh", "softmax",
             "softplus", "softsign", "swish", "exponential", "linear"]
    for name in names:
        model = keras.Sequential([keras.Input(shape=(5,)), L.Activation(name)])
        fn = keras.activations.get(name)
        want = reference.activation(fn.code, x, *fn.params)
        np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-12, atol=1e-14, err_msg=name)
