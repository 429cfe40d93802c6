"""keras.utils.plot_model and model_to_dot: the DOT text they build, and a PNG and SVG rendered by Graphviz
(CI installs it and sets JITNET_REQUIRE_GRAPHVIZ, so there the rendering tests cannot be skipped)."""

import itertools
import os
import re
import shutil
import sys

import pytest

import jitnet as keras

pydot = pytest.importorskip("pydot")
needs_graphviz = pytest.mark.skipif(shutil.which("dot") is None and not os.environ.get("JITNET_REQUIRE_GRAPHVIZ"),
                                    reason="the Graphviz programs are not installed")


def cnn():
    L = keras.layers
    return keras.Sequential([keras.Input((12, 12, 1)), L.Conv2D(4, 3, activation="relu", name="conv"),
                             L.MaxPooling2D(name="pool"), L.Flatten(name="flat"), L.Dropout(0.5, name="drop"),
                             L.Dense(3, activation="softmax", name="out")])


def labels(dot):
    return [n.get_label() for n in dot.get_nodes() if n.get_name() not in ("node", "graph", "edge")]


def test_dot_text_has_one_node_per_layer_in_order_and_edges_between_neighbours():
    model = cnn()
    dot = keras.utils.model_to_dot(model, show_shapes=True, show_layer_activations=True, show_trainable=True)
    text = dot.to_string()
    assert "rankdir=TB;" in text and "dpi=200;" in text and "node [shape=record];" in text
    names = [re.search(r"<b>(\w+)</b> \((\w+)\)", label).groups() for label in labels(dot)]
    assert names == [("conv", "Conv2D"), ("pool", "MaxPooling2D"), ("flat", "Flatten"), ("drop", "Dropout"),
                     ("out", "Dense")]
    conv = labels(dot)[0]
    assert "Input shape: <b>(None, 12, 12, 1)</b>" in conv and "Output shape: <b>(None, 10, 10, 4)</b>" in conv
    assert "Activation: <b>relu</b>" in conv and "Trainable" in conv
    assert "Trainable" not in labels(dot)[1]  # no weights, nothing to say
    ids = [str(id(layer)) for layer in model.layers]
    assert [(e.get_source(), e.get_destination()) for e in dot.get_edges()] == list(itertools.pairwise(ids))


def test_the_defaults_follow_keras():
    model = cnn()
    plain = labels(keras.utils.model_to_dot(model))[0]
    assert "<b>conv</b> (Conv2D)" in plain and "shape" not in plain and "Activation" not in plain
    model.layers[0].trainable = False
    lr = keras.utils.model_to_dot(model, rankdir="LR", show_layer_names=False, show_trainable=True)
    assert "rankdir=LR;" in lr.to_string()
    assert "<b>Conv2D</b>" in labels(lr)[0] and "Non-trainable" in labels(lr)[0]


@needs_graphviz
def test_plot_model_writes_png_and_svg(tmp_path):
    model = cnn()
    result = keras.utils.plot_model(model, tmp_path / "model.png", show_shapes=True, dpi=72)
    assert (tmp_path / "model.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result is None or type(result).__name__ == "Image"
    keras.utils.plot_model(model, str(tmp_path / "model.svg"))
    assert b"<svg" in (tmp_path / "model.svg").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.png", "model.svg"]  # no temporary left


def test_bad_arguments_are_refused_before_anything_is_written(tmp_path, monkeypatch):
    model = cnn()
    with pytest.raises(ValueError, match="`to_file` must end in a format Graphviz writes"):
        keras.utils.plot_model(model, tmp_path / "model.docx")
    with pytest.raises(ValueError, match="existing folder"):
        keras.utils.plot_model(model, tmp_path / "missing" / "model.png")
    with pytest.raises(ValueError, match="rankdir"):
        keras.utils.plot_model(model, tmp_path / "m.png", rankdir="BT2")
    with pytest.raises(ValueError, match="not yet been built"):
        keras.utils.plot_model(keras.Sequential([keras.layers.Dense(2)]), tmp_path / "m.png")
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        keras.utils.plot_model(model, tmp_path / "m.png", layer_range=["a", "b"])
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError, match=r'pip install "jitnet\[plot\]"'):
        keras.utils.plot_model(model, tmp_path / "m.png")
    monkeypatch.undo()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ImportError, match="Graphviz"):
        keras.utils.plot_model(model, tmp_path / "m.png")
    assert list(tmp_path.iterdir()) == []


def test_a_functional_model_draws_its_graph():
    L = keras.layers
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    h = L.Dense(5, name="h")(a)
    model = keras.Model([a, b], L.Dense(1, name="out")(L.Concatenate(name="cat")([h, b])))
    dot = keras.utils.model_to_dot(model, show_shapes=True)
    names = [re.search(r"<b>(\w+)</b>", label).group(1) for label in labels(dot)]
    assert names == ["a", "h", "b", "cat", "out"]
    ids = {layer.name: str(id(layer)) for layer in model.layers}
    edges = {(e.get_source(), e.get_destination()) for e in dot.get_edges()}
    assert edges == {(ids["a"], ids["h"]), (ids["h"], ids["cat"]), (ids["b"], ids["cat"]), (ids["cat"], ids["out"])}
    assert "Input shape: <b>[(None, 5), (None, 3)]</b>" in labels(dot)[3]


def test_clone_model_of_a_functional_model_has_fresh_weights_and_the_same_graph():
    L = keras.layers
    a = keras.Input((4,))
    model = keras.Model(a, L.Dense(2)(L.Add()([L.Dense(3)(a), L.Dense(3)(a)])))
    clone = keras.models.clone_model(model)
    assert type(clone) is type(model) and clone.get_config() == model.get_config()
    assert not any((p == q).all() for p, q in zip(clone.get_weights(), model.get_weights()) if p.ndim == 2)
