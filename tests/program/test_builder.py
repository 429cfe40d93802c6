"""The program builder: refusals, table checks, and gradients summed over a graph."""

import numpy as np
import pytest

import jitnet as keras
from jitnet import program
from jitnet.kernels.buffers import sample_grad, sample_value
from jitnet.kernels.optimizers import step_source
from jitnet.program import ProgramBuilder, Structure
from tests.gradcheck import central_difference


def test_an_unknown_op_kind_is_refused_by_name():
    with pytest.raises(ValueError, match="'conv9d'"):
        ProgramBuilder((3,)).op("conv9d", 0, 1)
    with pytest.raises(ValueError, match="'conv9d'"):
        Structure(kinds=(("conv9d", None),))


def test_an_unknown_field_is_refused_by_name():
    b = ProgramBuilder((3,))
    with pytest.raises(ValueError, match="kernal"):
        b.op("dense", 0, b.new_slot((2,)), kernal=0)


def test_an_optimizer_without_a_rule_is_refused_by_name():
    with pytest.raises(ValueError, match="code 42"):
        step_source(42)
    with pytest.raises(ValueError, match="code 42"):
        Structure(kinds=(), optimizer=42)

    class Homemade(keras.optimizers.SGD):
        code = 42

    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    model.compile(optimizer=Homemade(), loss="mse")
    with pytest.raises(ValueError, match="code 42"):
        model.fit(np.zeros((4, 2)), np.zeros(4), verbose=0)


def test_tables_that_index_outside_the_arena_are_refused():
    b = ProgramBuilder((3,))
    out = b.new_slot((2,))
    b.op("dense", 0, out, kernel=4, bias=0, use_bias=True)  # kernel 3x2 at 4 needs 10 values
    tables = b.finish()
    program.check_tables(tables, b.calls, 10, 0)
    with pytest.raises(ValueError, match="outside its arena"):
        program.check_tables(tables, b.calls, 9, 0)


def _graph():
    """x -> dense -> h;  out = dense(h) + tanh(h): ``h`` is read twice."""
    b = ProgramBuilder((3,))
    h = b.new_slot((4,))
    b.op("dense", 0, h, kernel=0, bias=12, use_bias=True)
    u = b.new_slot((4,))
    b.op("dense", h, u, kernel=16, bias=32, use_bias=True)
    v = b.new_slot((4,))
    b.op("activation", h, v, variant="tanh", a=0, b=np.inf, c=0)
    out = b.new_slot((4,))
    b.op("merge", (u, v), out, mode=0, scale=1.0)
    return b, out


def test_a_buffer_read_by_two_ops_sums_its_gradients(float64):
    b, out = _graph()
    tables = b.finish(needs_input_grad=True)
    # h's two readers write private gradients, summed before the first dense op's backward pass.
    assert tables.accumulate.shape[0] == 1 and tables.accumulate[0, 0] == 0 and tables.accumulate[0, 2] == 2
    kinds, index = b.kinds()
    module = program.load_program(Structure(kinds=kinds, accumulate=True))
    rng = np.random.default_rng(0)
    nb = 5
    params, grads, state = rng.normal(size=36), np.zeros(36), np.zeros(1)
    ws, dws = np.zeros(nb * tables.size), np.zeros(nb * tables.size)
    P = (tables.ints, tables.floats, index, tables.accumulate, np.zeros((0, 2), np.int64), np.zeros((0, 2)),
         np.zeros((0, 4), np.int64), np.zeros((0, 3)), tables.activity_i, tables.activity_f,
         np.array([out, len(b.calls) - 1, 0], np.int64), np.zeros((0, 7), np.int64), np.zeros(0))
    bufs = (ws, dws, tables.slots, nb, np.zeros(nb + 1, np.int64), np.zeros(1, np.int64), np.zeros(1), np.zeros(0),
            np.full(1, -1, np.int64))
    x, r = rng.normal(size=(nb, 3)), rng.normal(size=(nb, 4))

    def objective():
        sample_value(bufs, 0, nb)[:] = x
        module.forward(P, bufs, (params, grads, state), nb, True, 0)
        return float(np.sum(r * sample_value(bufs, out, nb)))

    objective()
    dws[:] = 0.0
    sample_grad(bufs, out, nb)[:] = r
    module.backward(P, bufs, (params, grads, state), nb, 0)
    np.testing.assert_allclose(grads, central_difference(params, objective), rtol=1e-6, atol=1e-8)
    gx = sample_grad(bufs, 0, nb).copy()
    np.testing.assert_allclose(gx.reshape(-1), central_difference(x.reshape(-1), objective), rtol=1e-6, atol=1e-8)
