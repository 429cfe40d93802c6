"""keras.wrappers: scikit-learn estimators around jitnet models, their searches, and Dask."""

import pickle

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.utils.estimator_checks import check_estimator

import jitnet as keras
from jitnet.wrappers import SKLearnClassifier, SKLearnRegressor

X, Y = make_classification(240, 10, n_informative=6, n_classes=3, random_state=0)
X = X.astype("float32")


def mlp(hidden=16, dropout=0.0, learning_rate=0.01):
    """The tutorials' building function, sized for ``X``: keyword parameters only."""
    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dropout(dropout), keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.Adam(learning_rate), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def sized(X, y, hidden=8, loss="sparse_categorical_crossentropy"):
    """Keras 3's style: the function sizes the model from the data it is given."""
    out = y.shape[1]  # one-hot rows, one column per class
    model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dense(out, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.01), loss)
    return model


def regression(X, y, hidden=8):
    model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dense(y.shape[1])])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    return model


# check_estimator's checks that a network trained for a few epochs on their tiny data sets cannot pass
EXPECTED_FAILURES = {
    "check_classifiers_one_label_sample_weights": "a few epochs of training do not guarantee that a class whose "
                                                  "samples all weigh 0 is never predicted",
}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")  # no pandas, no array API here
@pytest.mark.parametrize("estimator", [SKLearnClassifier(sized, epochs=3, random_state=0),
                                       SKLearnRegressor(regression, epochs=3, random_state=0)],
                         ids=["classifier", "regressor"])
def test_scikit_learn_check_estimator(estimator):
    failures = check_estimator(estimator, expected_failed_checks=EXPECTED_FAILURES, on_fail=None)
    failed = [r["check_name"] for r in failures if r["status"] == "failed"]
    assert failed == []
    assert sum(r["status"] == "passed" for r in failures) >= 45


def test_flat_parameters_reach_the_building_function_and_fit():
    est = SKLearnClassifier(mlp, hidden=4, epochs=2, batch_size=16, random_state=1)
    assert est.get_params()["hidden"] == 4 and est.hidden == 4
    est.set_params(hidden=12, dropout=0.2)
    est.fit(X, Y)
    assert est.model_.layers[0].units == 12 and est.model_.layers[1].rate == 0.2
    assert len(est.history_["loss"]) == 2 and est.n_features_in_ == 10
    twin = clone(est).fit(X, Y)  # same parameters, same seed: same model
    np.testing.assert_array_equal(twin.predict_proba(X), est.predict_proba(X))
    with pytest.raises(ValueError, match="Invalid parameter 'hiden'"):
        est.set_params(hiden=3)
    with pytest.raises(ValueError, match=r"Invalid parameter\(s\) \['width'\]"):
        SKLearnClassifier(mlp, width=3).fit(X, Y)


def test_keras_3_arguments_and_a_compiled_model_instance():
    est = SKLearnClassifier(sized, model_kwargs={"hidden": 5, "loss": "categorical_crossentropy"},
                            fit_kwargs={"epochs": 2}, random_state=0).fit(X, Y)
    assert est.model_.layers[0].units == 5 and len(est.history_["loss"]) == 2  # one-hot targets, as Keras
    template = mlp(hidden=6)
    a = SKLearnClassifier(template, epochs=2, random_state=3).fit(X, Y)
    assert a.model_ is not template and a.model_.layers[0].units == 6
    b = SKLearnClassifier(template, warm_start=True, epochs=1, random_state=3).fit(X, Y)
    first = b.model_
    b.fit(X, Y)
    assert b.model_ is first and first.optimizer.iterations == 16  # continued: 2 epochs of 8 batches


def test_labels_of_any_kind_probabilities_and_scores():
    names = np.array(["cat", "dog", "eel"])[Y]
    est = SKLearnClassifier(mlp, epochs=20, random_state=0).fit(X, names)
    assert list(est.classes_) == ["cat", "dog", "eel"]
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert set(est.predict(X)) <= set(est.classes_)
    assert est.score(X, names) > 0.8
    binary = SKLearnClassifier(lambda: _sigmoid_model(), epochs=20, random_state=0).fit(X, Y == 1)
    assert binary.predict_proba(X).shape == (len(X), 2) and binary.score(X, Y == 1) > 0.8


def _sigmoid_model():
    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adam(0.01), "binary_crossentropy")
    return model


def test_regressor_fits_one_or_several_targets():
    Xr, yr = make_regression(200, 5, n_targets=2, noise=0.1, random_state=0)
    yr = yr / yr.std()
    est = SKLearnRegressor(regression, epochs=40, random_state=0).fit(Xr, yr)
    assert est.predict(Xr).shape == (200, 2) and est.score(Xr, yr) > 0.8
    one = SKLearnRegressor(regression, epochs=40, random_state=0).fit(Xr, yr[:, 0])
    assert one.predict(Xr).shape == (200,) and one.predict(Xr).dtype == np.float64


def test_estimators_pickle_fitted_or_not():
    est = SKLearnClassifier(mlp, hidden=6, epochs=2, random_state=0)
    again = pickle.loads(pickle.dumps(est))
    assert again.get_params() == est.get_params()
    est.fit(X, Y)
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    with_model = pickle.loads(pickle.dumps(SKLearnClassifier(mlp(), epochs=1).fit(X, Y)))
    assert with_model.predict(X).shape == (len(X),)


def test_bad_input_is_refused_before_training():
    with pytest.raises(NotFittedError):
        SKLearnClassifier(mlp).predict(X)
    with pytest.raises(ValueError, match="1 class only"):
        SKLearnClassifier(mlp).fit(X, np.zeros(len(X)))
    fitted = SKLearnClassifier(mlp, random_state=0).fit(X, Y)
    with pytest.raises(ValueError, match="X has 4 features, but SKLearnClassifier is expecting 10"):
        fitted.predict(X[:, :4])
    with pytest.raises(ValueError, match="compiled jitnet model"):
        SKLearnClassifier(lambda: keras.Sequential([keras.Input((10,)), keras.layers.Dense(3)])).fit(X, Y)
    with pytest.raises(ValueError, match="model=None"):
        SKLearnClassifier().fit(X, Y)


def test_a_search_gives_the_same_scores_sequentially_and_on_two_processes():
    grid = {"hidden": [8, 16], "dropout": [0.0, 0.3]}
    est = SKLearnClassifier(mlp, epochs=3, random_state=0)
    one = GridSearchCV(est, grid, cv=3).fit(X, Y).cv_results_["mean_test_score"]
    two = GridSearchCV(est, grid, cv=3, n_jobs=2).fit(X, Y).cv_results_["mean_test_score"]
    np.testing.assert_array_equal(one, two)
    assert cross_validate(est, X, Y, cv=3)["test_score"].shape == (3,)


def test_a_search_on_a_dask_cluster_scores_as_the_sequential_one():
    distributed = pytest.importorskip("distributed")
    import joblib

    grid = {"hidden": [8, 16], "dropout": [0.0, 0.3]}
    est = SKLearnClassifier(mlp, epochs=3, random_state=0)
    sequential = GridSearchCV(est, grid, cv=3).fit(X, Y).cv_results_["mean_test_score"]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) \
            as cluster, distributed.Client(cluster), joblib.parallel_backend("dask"):
        on_dask = GridSearchCV(est, grid, cv=3, n_jobs=-1).fit(X, Y).cv_results_["mean_test_score"]
    np.testing.assert_array_equal(sequential, on_dask)
