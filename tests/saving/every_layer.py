"""One model with every layer jitnet and Keras share, built by either library.

``build(keras)`` takes the module: ``jitnet`` in the tests, ``keras`` in the
interop script, which is the point: the same code builds both.
"""


def build(keras):
    """The architecture used by the saving and interop tests."""
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
