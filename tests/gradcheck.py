"""Finite-difference checks of compiled programs: the model's output against
a random projection ``L = sum(r * y)``, so every layer is checked alone."""

from __future__ import annotations

import numpy as np

import jitnet as keras
from jitnet.kernels.buffers import sample_grad, sample_value


def build(layers, input_shape, batch):
    model = keras.Sequential([keras.Input(shape=input_shape), *layers])
    return model, program_of(model, batch)


def program_of(model, batch):
    """The model's program with input gradients, its buffers sized for ``batch`` samples."""
    trainer = model.make_trainer(None, [], None, input_grad=True)
    trainer.reserve(batch)
    return trainer


def forward(trainer, x, training=True, step=3):
    nb = x.shape[0]
    sample_value(trainer.bufs, 0, nb)[:] = x.reshape(nb, -1)
    module, P = trainer.program()
    module.forward(P, trainer.bufs, trainer.arena_group, nb, training, step)
    return sample_value(trainer.bufs, trainer.pred_slot, nb).copy()


def analytic(trainer, x, r, training=True, step=3):
    """Gradients of ``sum(r * y)`` w.r.t. the parameter arena and ``x``."""
    nb = x.shape[0]
    forward(trainer, x, training, step)
    a = trainer.arena
    trainer.dws[:] = 0.0
    offset = 0
    for slot in trainer.builder.outputs or [trainer.pred_slot]:  # several outputs: each its share of r
        grad = sample_grad(trainer.bufs, slot, nb)
        grad[:] = r[:, offset:offset + grad.shape[1]]
        offset += grad.shape[1]
    module, P = trainer.program()
    module.backward(P, trainer.bufs, trainer.arena_group, nb, step)
    dx = sample_grad(trainer.bufs, 0, nb).copy()
    return a.grads.copy(), dx


def central_difference(values, objective, h=1e-6):
    """d objective / d values by central differences, perturbing ``values`` (a writable view) in place."""
    grad = np.zeros(values.size)
    for i in range(values.size):
        old = values[i]
        values[i] = old + h
        up = objective()
        values[i] = old - h
        down = objective()
        values[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def numeric(trainer, x, r, h=1e-6, training=True, step=3, check_x=True):
    """Central differences of ``sum(r * y)`` (w.r.t. ``x`` too with ``check_x``)."""
    params = trainer.arena.params
    state = trainer.arena.state
    saved_state = state.copy()

    def loss():
        state[:] = saved_state
        return float(np.sum(r * forward(trainer, x, training, step)))

    gp = central_difference(params, loss, h)
    gx = central_difference(x.reshape(-1), loss, h) if check_x else np.zeros(x.size)
    state[:] = saved_state
    return gp, gx.reshape(x.shape[0], -1)


def check_layers(layers, input_shape, batch=5, seed=0, rtol=1e-6, atol=1e-8, training=True, x=None, check_x=True):
    """Assert analytic == numeric gradients for a stack of layers (and its input, with ``check_x``)."""
    model = keras.Sequential([keras.Input(shape=input_shape), *layers])
    rng = np.random.default_rng(seed)
    if x is None:
        x = rng.normal(size=(batch, *input_shape))
    return check_model(model, x, rng, rtol, atol, training, check_x)


def check_model(model, x, rng, rtol=1e-6, atol=1e-8, training=True, check_x=True):
    """Assert analytic == numeric gradients for ``model`` at ``x`` (its inputs side by side in one row)."""
    batch = x.shape[0]
    trainer = program_of(model, batch)
    r = rng.normal(size=(batch, trainer.output_width))
    state = trainer.arena.state.copy()
    gp, gx = analytic(trainer, x, r, training)
    trainer.arena.state[:] = state
    np_, nx = numeric(trainer, x, r, training=training, check_x=check_x)
    n_train = trainer.arena.n_trainable
    np.testing.assert_allclose(gp[:n_train], np_[:n_train], rtol=rtol, atol=atol)
    if check_x:
        np.testing.assert_allclose(gx, nx, rtol=rtol, atol=atol)
    return model, trainer
