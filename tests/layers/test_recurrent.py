"""Embedding, SimpleRNN, LSTM, GRU and Bidirectional: forward values against the NumPy
reference, float64 gradient checks in every mode, and the checks of their arguments."""

import numpy as np
import pytest

import jitnet as keras
from jitnet.kernels.random import uniform
from tests import reference
from tests.gradcheck import build, check_layers, forward

L = keras.layers
KINDS = {"simple_rnn": L.SimpleRNN, "lstm": L.LSTM, "gru": L.GRU}
STEPS, FEATURES, UNITS = 5, 3, 4


def _ids(rng, n=4, steps=STEPS, vocab=7, pad=0):
    ids = rng.integers(1, vocab, size=(n, steps))
    for i in range(n):  # pre-padding of a different length per sample
        ids[i, :min(pad * i, steps - 1)] = 0
    return ids


def _weights(layer):
    w = layer.get_weights()
    return w[0], w[1], w[2] if len(w) > 2 else np.zeros(w[0].shape[1])


def _randomize(model, rng):
    model.set_weights([rng.normal(scale=0.5, size=w.shape) for w in model.get_weights()])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", [{}, {"return_sequences": True}, {"go_backwards": True},
                                  {"go_backwards": True, "return_sequences": True},
                                  {"activation": "relu", "recurrent_activation": "hard_sigmoid"}])
def test_forward_matches_reference(float64, rng, kind, mode):
    if kind == "simple_rnn":
        mode = {k: v for k, v in mode.items() if k != "recurrent_activation"}
    layer = KINDS[kind](UNITS, **mode)
    model = keras.Sequential([keras.Input((STEPS, FEATURES)), layer])
    _randomize(model, rng)
    x = rng.normal(size=(6, STEPS, FEATURES))
    expected = reference.rnn(kind, x, *_weights(layer), **mode)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("sequences", [False, True])
def test_masked_steps_keep_the_state(float64, rng, kind, sequences):
    emb = L.Embedding(7, FEATURES, mask_zero=True)
    layer = KINDS[kind](UNITS, return_sequences=sequences)
    model = keras.Sequential([keras.Input((STEPS,)), emb, layer])
    _randomize(model, rng)
    ids = _ids(rng, pad=1)
    ids[0, 2] = 0  # a masked step inside a sequence too
    x = emb.get_weights()[0][ids]
    expected = reference.rnn(kind, x, *_weights(layer), return_sequences=sequences, mask=ids != 0)
    np.testing.assert_allclose(model.predict(ids, verbose=0), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_dropout_masks_are_per_sample_and_fixed_over_steps(float64, rng, kind):
    layer = KINDS[kind](UNITS, dropout=0.3, recurrent_dropout=0.4, seed=11, return_sequences=True)
    model, trainer = build([layer], (STEPS, FEATURES), 4)
    _randomize(model, rng)
    x = rng.normal(size=(4, STEPS, FEATURES))
    seed_in, seed_rec = layer._seed, layer._seed + 1
    draw = np.vectorize(lambda seed, e: uniform(seed, 3, e))
    in_mask = (draw(seed_in, np.arange(4 * FEATURES)).reshape(4, FEATURES) >= 0.3) / 0.7
    rec_mask = (draw(seed_rec, np.arange(4 * UNITS)).reshape(4, UNITS) >= 0.4) / 0.6
    expected = reference.rnn(kind, x, *_weights(layer), return_sequences=True, input_mask=in_mask,
                             recurrent_mask=rec_mask)
    got = forward(trainer, x, training=True, step=3).reshape(expected.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.predict(x, verbose=0), reference.rnn(kind, x, *_weights(layer),
                                                                          return_sequences=True), rtol=1e-10)


@pytest.mark.parametrize("mode", [{}, {"return_sequences": True, "go_backwards": True}])
def test_gru_without_reset_after_matches_reference(float64, rng, mode):
    layer = L.GRU(UNITS, reset_after=False, **mode)
    model = keras.Sequential([keras.Input((STEPS, FEATURES)), layer])
    assert layer.bias.shape == (3 * UNITS,)
    _randomize(model, rng)
    x = rng.normal(size=(6, STEPS, FEATURES))
    expected = reference.rnn("gru", x, *_weights(layer), reset_after=False, **mode)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", [{"return_sequences": True}, {"recurrent_dropout": 0.3, "dropout": 0.2, "seed": 2},
                                  {"go_backwards": True, "use_bias": False}])
def test_gru_without_reset_after_gradients(float64, mode):
    check_layers([L.GRU(UNITS, reset_after=False, **mode)], (STEPS, FEATURES), batch=3, rtol=1e-5, atol=1e-7)


def test_gru_without_reset_after_gradients_through_masks(float64, rng):
    ids = _ids(rng, n=3, pad=1)
    layers = [L.Embedding(7, FEATURES, mask_zero=True), L.GRU(UNITS, reset_after=False, return_sequences=True),
              L.GRU(2, reset_after=False)]
    check_layers(layers, (STEPS,), batch=3, x=ids.astype(float), check_x=False, rtol=1e-5, atol=1e-7)


def test_bidirectional_concatenates_forward_and_reversed_backward(float64, rng):
    bi = L.Bidirectional(L.LSTM(UNITS, return_sequences=True))
    model = keras.Sequential([keras.Input((STEPS, FEATURES)), bi])
    _randomize(model, rng)
    x = rng.normal(size=(3, STEPS, FEATURES))
    fwd = reference.rnn("lstm", x, *_weights(bi.forward_layer), return_sequences=True)
    bwd = reference.rnn("lstm", x, *_weights(bi.backward_layer), return_sequences=True, go_backwards=True)
    expected = np.concatenate([fwd, bwd[:, ::-1]], axis=-1)
    assert bi.forward_layer.name == f"forward_{bi.forward_layer.name[8:]}" and bi.weights[0].name == "kernel"
    assert bi.backward_layer.name.startswith("backward_lstm") and model.output_shape == (STEPS, 2 * UNITS)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-10, atol=1e-12)


def test_embedding_forward_and_defaults(rng):
    emb = L.Embedding(50, 6)
    model = keras.Sequential([keras.Input((4,)), emb])
    table = emb.get_weights()[0]
    assert table.shape == (50, 6) and np.abs(table).max() <= 0.05 and np.abs(table).max() > 0.04
    ids = rng.integers(0, 50, size=(3, 4))
    np.testing.assert_array_equal(model.predict(ids, verbose=0), table[ids])


def test_lstm_bias_starts_with_unit_forget_bias():
    layer = L.LSTM(3)
    keras.Sequential([keras.Input((2, 2)), layer])
    np.testing.assert_array_equal(layer.get_weights()[2], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    gru = L.GRU(3)
    keras.Sequential([keras.Input((2, 2)), gru])
    assert [w.shape for w in gru.get_weights()] == [(2, 9), (3, 9), (2, 9)]


# -- gradients ------------------------------------------------------------------------------------
GRAD_MODES = [{}, {"return_sequences": True}, {"go_backwards": True}, {"dropout": 0.3, "seed": 5},
              {"recurrent_dropout": 0.3, "seed": 6, "return_sequences": True},
              {"activation": "relu", "recurrent_activation": "hard_sigmoid", "go_backwards": True}]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", GRAD_MODES, ids=lambda m: "-".join(m) or "plain")
def test_gradients(float64, kind, mode):
    if kind == "simple_rnn":
        mode = {k: v for k, v in mode.items() if k != "recurrent_activation"}
    check_layers([KINDS[kind](UNITS, **mode)], (STEPS, FEATURES), batch=3, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("zero_output", [False, True])
def test_gradients_through_masks_and_embedding(float64, rng, kind, zero_output):
    ids = _ids(rng, n=3, pad=1)
    ids[0, 2] = 0
    layers = [L.Embedding(7, FEATURES, mask_zero=True),
              KINDS[kind](UNITS, return_sequences=True, zero_output_for_mask=zero_output),
              KINDS[kind](2)]
    check_layers(layers, (STEPS,), batch=3, x=ids.astype(float), check_x=False, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("vocab", [4, 40])  # the per-id sums fit in the input's gradient space, or do not
def test_an_embedding_hands_its_table_gradient_to_the_recurrent_layer(float64, rng, kind, vocab):
    ids = rng.integers(0, vocab, size=(3, STEPS))
    _, trainer = check_layers([L.Embedding(vocab, FEATURES), KINDS[kind](2, go_backwards=True)], (STEPS,),
                                  batch=3, x=ids.astype(float), check_x=False, rtol=1e-5, atol=1e-7)
    assert trainer.builder.calls[0].ints["fused"] == 1 and trainer.builder.calls[1].ints["input_dim"] == vocab
    fits = vocab * KINDS[kind](2).gates * 2 <= 3 * STEPS * FEATURES
    assert fits == (vocab == 4)


def test_gradients_of_bidirectional_and_stacked_layers(float64):
    check_layers([L.Bidirectional(L.GRU(3, return_sequences=True)), L.Dropout(0.2, seed=1),
                  L.Bidirectional(L.SimpleRNN(2))], (STEPS, FEATURES), batch=3, rtol=1e-5, atol=1e-7)


def test_embedding_gradient_touches_only_its_rows(float64, rng):
    ids = rng.integers(0, 4, size=(3, STEPS))  # ids 4..9 never appear
    _, trainer = check_layers([L.Embedding(10, 2), L.Flatten()], (STEPS,), batch=3, x=ids.astype(float),
                                  check_x=False)
    assert np.all(trainer.arena.grads[8:20] == 0.0)


# -- training and bad input -------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_learns_which_token_came_first(kind):
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 10, size=(600, 12))
    y = (ids[:, 0] > 5).astype("float32")  # the answer sits 12 steps back
    model = keras.Sequential([keras.Input((12,)), L.Embedding(10, 8), KINDS[kind](16),
                              L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.005, clipnorm=1.0), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(ids, y, batch_size=32, epochs=20, verbose=0)
    assert model.evaluate(ids, y, verbose=0)[1] > 0.97


def test_bad_arguments_and_inputs(rng):
    with pytest.raises(ValueError, match="units"):
        L.LSTM(0)
    with pytest.raises(ValueError, match="dropout"):
        L.GRU(4, dropout=1.0)
    with pytest.raises(ValueError, match="recurrent_dropout"):
        L.SimpleRNN(4, recurrent_dropout=-0.1)
    with pytest.raises(ValueError, match="activation"):
        L.LSTM(4, activation="softmax")
    with pytest.raises(ValueError, match="3-D"):
        keras.Sequential([keras.Input((5,)), L.LSTM(4)])
    with pytest.raises(ValueError, match="return_state"):
        keras.Sequential([keras.Input((5, 2)), L.LSTM(4, return_state=True)])
    model = keras.Sequential([keras.Input((5,)), L.Embedding(10, 4), L.SimpleRNN(3)])
    model.compile(loss="mse")
    with pytest.raises(TypeError, match="integer ids"):
        model.predict(rng.normal(size=(2, 5)))
    with pytest.raises(ValueError, match=r"ids in \[0, 10\), but|\[0, 10\)"):
        model.predict(np.full((2, 5), 10))
    with pytest.raises(ValueError, match="x"):
        model.fit(np.full((2, 5), -1), np.zeros((2, 3)), verbose=0)
    late = keras.Sequential([keras.Input((5,)), L.Dense(5), L.Embedding(10, 4)])
    with pytest.raises(ValueError, match="must read the model's inputs"):
        late.predict(np.zeros((2, 5)), verbose=0)
