"""The functional API: a customer-ticket model with three inputs and two outputs (Deep Learning with Python,
chapter 7), and the feature maps of a trained CNN taken out with keras.Model (혼공머신 chapter 8-3).

Tickets: the title and body as multi-hot word vectors and the tags, concatenated, then a priority score
(sigmoid) and a department (softmax over 4), trained together with a loss per output. The data are random,
as in the book. Then a small CNN trained on Fashion-MNIST and keras.Model(model.inputs[0],
model.layers[0].output) for its first layer's activations.
"""

import numpy as np
from _cli import parse_args

import jitnet as keras
from jitnet import layers

args = parse_args(__doc__, epochs=3)
VOCABULARY, TAGS, DEPARTMENTS = 10_000, 100, 4
n = 320 if args.quick else 1280
rng = np.random.default_rng(args.seed)

title = keras.Input(shape=(VOCABULARY,), name="title")
text_body = keras.Input(shape=(VOCABULARY,), name="text_body")
tags = keras.Input(shape=(TAGS,), name="tags")
features = layers.Concatenate()([title, text_body, tags])
features = layers.Dense(64, activation="relu")(features)
priority = layers.Dense(1, activation="sigmoid", name="priority")(features)
department = layers.Dense(DEPARTMENTS, activation="softmax", name="department")(features)
model = keras.Model(inputs=[title, text_body, tags], outputs=[priority, department])
model.summary()

data = {"title": rng.integers(0, 2, (n, VOCABULARY)).astype("float32"),
        "text_body": rng.integers(0, 2, (n, VOCABULARY)).astype("float32"),
        "tags": rng.integers(0, 2, (n, TAGS)).astype("float32")}
targets = {"priority": rng.random((n, 1)).astype("float32"), "department": rng.integers(0, DEPARTMENTS, n)}
model.compile(optimizer="rmsprop", loss={"priority": "mean_squared_error",
                                         "department": "sparse_categorical_crossentropy"},
              metrics={"priority": ["mean_absolute_error"], "department": ["accuracy"]})
history = model.fit(data, targets, epochs=args.epochs, validation_split=0.2, verbose=2)
print("history:", sorted(history.history))
priority_preds, department_preds = model.predict(data, verbose=0)
print(f"priority of ticket 0: {priority_preds[0, 0]:.3f}; department: {department_preds[0].argmax()}")

(x_train, y_train), _ = keras.datasets.fashion_mnist.load_data()
x_train = x_train[:3000 if args.quick else 12000].reshape(-1, 28, 28, 1) / 255.0
cnn = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu", padding="same"),
                        layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(10, activation="softmax")])
cnn.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
cnn.fit(x_train, y_train[:len(x_train)], epochs=1, verbose=2)
conv_acti = keras.Model(cnn.inputs[0], cnn.layers[0].output)
feature_maps = conv_acti.predict(x_train[:1], verbose=0)
print(f"feature maps of the first image: {feature_maps.shape}, mean activation {feature_maps.mean():.4f}")
