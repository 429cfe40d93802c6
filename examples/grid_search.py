"""Fashion-MNIST: a grid search over the tutorials' MLP with scikit-learn's GridSearchCV.

The 784-100-10 model of the 혼공머신 book's chapter 7, Adam, batch 32, as a
scikit-learn estimator (``keras.wrappers.SKLearnClassifier``): 3-fold
cross-validation over the hidden width and the dropout rate, all candidates
seeded alike. ``--jobs 2`` runs the folds in two processes (the scores stay
the same). Needs scikit-learn: ``pip install "jitnet[sklearn]"``.
"""

import time

from _cli import parse_args
from sklearn.model_selection import GridSearchCV

import jitnet as keras
from jitnet.wrappers import SKLearnClassifier


def model_fn(hidden=100, dropout=0.0):
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dropout(dropout), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


if __name__ == "__main__":
    args = parse_args(__doc__, epochs=5, jobs=1)
    (train_input, train_target), (test_input, test_target) = keras.datasets.fashion_mnist.load_data()
    x = train_input.reshape(-1, 784) / 255.0
    y = train_target
    if args.quick:
        x, y = x[:6000], y[:6000]
    grid = {"hidden": [50, 100], "dropout": [0.0, 0.3]}
    search = GridSearchCV(SKLearnClassifier(model_fn, epochs=args.epochs, batch_size=32, random_state=42), grid,
                          cv=3, n_jobs=args.jobs)
    start = time.perf_counter()
    search.fit(x, y)
    seconds = time.perf_counter() - start
    results = search.cv_results_
    print(f"{'hidden':>6s} {'dropout':>7s} {'mean accuracy':>13s} {'std':>6s}")
    for params, mean, std in zip(results["params"], results["mean_test_score"], results["std_test_score"]):
        print(f"{params['hidden']:6d} {params['dropout']:7.1f} {mean:13.4f} {std:6.4f}")
    print(f"best: {search.best_params_} in {seconds:.1f} s for {len(results['params']) * 3 + 1} fits")
    test_acc = search.score(test_input.reshape(-1, 784) / 255.0, test_target)
    print(f"best model, refit on all {len(x)} images: test accuracy {test_acc:.4f}")
