"""Models with every layer jitnet and Keras share, built by either library.

Each builder takes the module: ``jitnet`` in the tests, ``keras`` in the
interop script, which is the point: the same code builds both.
``ARCHITECTURES`` names them, with the shape of one input sample; the
saving, config and interop tests run over all of them.
"""


def build(keras):
    """The architecture used by the saving and interop tests: dense, normalization, activation and noise layers."""
    L = keras.layers
    return keras.Sequential([
        keras.Input(shape=(2, 6)),
        L.Flatten(),
        L.Dense(16, activation="relu"),
        L.BatchNormalization(),
        L.Dropout(0.2),
        L.Dense(12, kernel_regularizer="l2"),
        L.LayerNormalization(),
        L.PReLU(),
        L.Reshape((3, 4)),
        L.Flatten(),
        L.LeakyReLU(negative_slope=0.2),
        L.GaussianNoise(0.1),
        L.ELU(),
        L.GaussianDropout(0.1),
        L.ReLU(max_value=6.0),
        L.AlphaDropout(0.1),
        L.Dense(8),
        L.Activation("tanh"),
        L.Dense(3),
        L.Softmax(),
    ])


def build_cnn(keras):
    """Images: Rescaling, asymmetric zero padding, strided / dilated / 1x1 Conv2D, every 2-D pooling."""
    L = keras.layers
    return keras.Sequential([
        keras.Input(shape=(10, 10, 3)),
        L.Rescaling(0.5, offset=0.1),
        L.ZeroPadding2D(((1, 0), (0, 1))),
        L.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
        L.BatchNormalization(),
        L.MaxPooling2D(2, strides=1, padding="same"),
        L.Conv2D(5, (2, 3), dilation_rate=(2, 1), activation="elu"),
        L.AveragePooling2D(2, padding="same"),
        L.Dropout(0.1),
        L.Conv2D(6, 1),
        L.GlobalAveragePooling2D(keepdims=True),
        L.Conv2D(3, 1),
        L.GlobalMaxPooling2D(),
        L.Softmax(),
    ])


def build_sequence_cnn(keras):
    """Sequences: causal dilated, strided and bias-free Conv1D, zero padding and every 1-D pooling."""
    L = keras.layers
    return keras.Sequential([
        keras.Input(shape=(16, 4)),
        L.Conv1D(6, 3, padding="causal", dilation_rate=2, activation="tanh"),
        L.MaxPooling1D(2),
        L.ZeroPadding1D((1, 2)),
        L.Conv1D(5, 3, strides=2, padding="same", use_bias=False),
        L.AveragePooling1D(2, padding="same"),
        L.GlobalAveragePooling1D(keepdims=True),
        L.Conv1D(3, 1),
        L.GlobalMaxPooling1D(),
        L.Softmax(),
    ])


def build_book_cnn(keras):
    """The plain CNN of a textbook (Fashion-MNIST style), small: Conv2D/MaxPooling2D twice, Flatten, Dense."""
    L = keras.layers
    return keras.Sequential([
        keras.Input(shape=(12, 12, 1)),
        L.Conv2D(8, kernel_size=3, activation="relu", padding="same"),
        L.MaxPooling2D(2),
        L.Conv2D(16, kernel_size=(3, 3), activation="relu", padding="same"),
        L.MaxPooling2D(2),
        L.Flatten(),
        L.Dense(10, activation="relu"),
        L.Dropout(0.4),
        L.Dense(3, activation="softmax"),
    ])


def build_text_rnn(keras):
    """Text: a masking Embedding, stacked LSTM, Bidirectional GRU and a backwards SimpleRNN."""
    L = keras.layers
    return keras.Sequential([
        keras.Input(shape=(8,)),
        L.Embedding(VOCAB, 6, mask_zero=True),
        L.LSTM(5, return_sequences=True, dropout=0.2),
        L.Bidirectional(L.GRU(3, return_sequences=True)),
        L.SimpleRNN(4, go_backwards=True, activation="relu"),
        L.Dense(3, activation="softmax"),
    ])


def build_recurrent_steps(keras):
    """No noise, so that a few Adam steps give the same weights in both libraries: every recurrent layer, masked."""
    L = keras.layers
    return keras.Sequential([
        keras.Input(shape=(8,)),
        L.Embedding(VOCAB, 6, mask_zero=True),
        L.LSTM(5, return_sequences=True),
        L.GRU(4, return_sequences=True, go_backwards=True),
        L.GRU(4, return_sequences=True, reset_after=False),
        L.Bidirectional(L.SimpleRNN(3)),
        L.Dense(3, activation="softmax"),
    ])


def build_merging(keras):
    """A graph: one input, two branches, every merging layer, and their results concatenated."""
    L = keras.layers
    inputs = keras.Input(shape=(2, 6))
    flat = L.Flatten()(inputs)
    a = L.Dense(4, activation="tanh")(flat)
    b = L.Dense(4)(flat)
    c = L.Dense(4, activation="relu")(flat)
    merged = [L.Add()([a, b, c]), L.Subtract()([a, b]), L.Multiply()([a, b]), L.Average()([a, b, c]),
              L.Maximum()([a, c]), L.Minimum()([a, b, c]), L.Dot(axes=1)([a, b]), L.Dot(axes=1, normalize=True)([b, c])]
    joined = L.Concatenate()(merged)
    return keras.Model(inputs, L.Dense(3, activation="softmax")(joined))


def build_two_in_two_out(keras):
    """Two inputs and two outputs: two Dense branches (jitnet runs them as one), beside a raw input, concatenated,
    a softmax and a linear head."""
    L = keras.layers
    a, b = keras.Input(shape=(4,), name="a"), keras.Input(shape=(3,), name="b")
    branches = L.Concatenate()([L.Dense(5, activation="relu")(a), L.Dense(2, activation="relu")(a)])
    joined = L.Concatenate()([branches, b])
    return keras.Model([a, b], [L.Dense(2, activation="softmax", name="o1")(joined), L.Dense(1, name="o2")(joined)],
                       name="two_in_two_out")


def two_in_two_out_data(n=48, seed=0):
    """Inputs and targets of ``build_two_in_two_out``: ``[a, b]``, ``[class ids, values]``."""
    import numpy as np

    rng = np.random.default_rng(seed)
    x = [rng.normal(size=(n, 4)).astype("float32"), rng.normal(size=(n, 3)).astype("float32")]
    return x, [rng.integers(0, 2, n), rng.normal(size=(n, 1)).astype("float32")]


def compile_two_in_two_out(keras, model):
    """The same compile settings in both libraries: a loss, a weight and metrics per output."""
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=["sparse_categorical_crossentropy", "mse"],
                  loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["mae"]])


VOCAB = 20  # ids of the text model: 0 (masked) to 19
# name -> (builder, shape of one input sample); every model ends in 3 softmax classes
ARCHITECTURES = {
    "dense": (build, (2, 6)),
    "cnn": (build_cnn, (10, 10, 3)),
    "sequence_cnn": (build_sequence_cnn, (16, 4)),
    "book_cnn": (build_book_cnn, (12, 12, 1)),
    "text_rnn": (build_text_rnn, (8,)),
    "merging": (build_merging, (2, 6)),
}
TEXT = {"text_rnn"}  # architectures that read integer ids
CLASSES = 3


def unnamed(config):
    """A layer's ``get_config()`` without names, its wrapped layers' (Bidirectional's halves) included:
    automatic names depend on what else a process built."""
    config = {k: v for k, v in config.items() if k != "name"}
    for key in ("layer", "backward_layer"):
        if isinstance(config.get(key), dict):
            inner = dict(config[key])
            inner["config"] = unnamed(inner["config"])
            config[key] = inner
    return config


def data(input_shape, n=48, seed=0, ids=False):
    """``(x, y)``: ``n`` float32 normal samples of ``input_shape`` (with ``ids``: integer ids below ``VOCAB``,
    about a fifth of them 0) and integer labels in ``range(CLASSES)``."""
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.integers(0, VOCAB, size=(n, *input_shape)) * (rng.random((n, *input_shape)) > 0.15) if ids else \
        rng.normal(size=(n, *input_shape)).astype("float32")
    return x, rng.integers(0, CLASSES, n)


def arch_data(arch, **kwargs):
    """``data`` for architecture ``arch``."""
    return data(ARCHITECTURES[arch][1], ids=arch in TEXT, **kwargs)
