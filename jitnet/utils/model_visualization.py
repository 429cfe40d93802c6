"""``keras.utils.plot_model`` and ``model_to_dot``: a model's layers as a Graphviz graph.

Needs pydot and the Graphviz programs: ``pip install "jitnet[plot]"`` and
Graphviz from the system's packages (``apt install graphviz``, ``brew
install graphviz``). Each layer is one node, drawn as Keras 3 draws it (its
class or name, then optionally its activation, shapes, dtype and whether it
trains); edges follow the data.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
from html import escape
from pathlib import Path
from typing import Any

_PYDOT = 'plot_model needs pydot. Install it with: pip install "jitnet[plot]"'
_GRAPHVIZ = ("plot_model needs the Graphviz programs (`dot`): install Graphviz from your system's packages, e.g. "
             "`apt install graphviz` or `brew install graphviz` (https://graphviz.org/download/).")


def _pydot():
    try:
        import pydot
    except ImportError:
        raise ImportError(_PYDOT) from None
    return pydot


def _shape(shape: Any) -> str:
    """``(None, 5)``; ``[(None, 5), (None, 3)]`` for the inputs of a merging layer."""
    if shape is None:
        return "?"
    if shape and all(isinstance(s, tuple) for s in shape):
        return "[" + ", ".join(_shape(s) for s in shape) + "]"
    return str((None, *shape))


def _cell(text: str, color: str = "white", font: str = "black", colspan: int = 1) -> str:
    span = f' colspan="{colspan}"' if colspan > 1 else ""
    return f'<td bgcolor="{color}"{span}><font point-size="14" color="{font}">{text}</font></td>'


def _label(layer: Any, show_shapes: bool, show_dtype: bool, show_layer_names: bool,
           show_layer_activations: bool, show_trainable: bool) -> str:
    """The HTML-like label of one layer's node."""
    kind = type(layer).__name__
    cols = []
    if show_shapes:
        cols += [_cell(f"Input shape: <b>{escape(_shape(layer.input_shape))}</b>"),
                 _cell(f"Output shape: <b>{escape(_shape(layer.output_shape))}</b>")]
    if show_dtype:
        cols.append(_cell(f"Output dtype: <b>{escape(str(getattr(layer, 'dtype', None) or '?'))}</b>"))
    if show_trainable and layer.weights:
        cols.append(_cell("<b>Trainable</b>", "forestgreen", "white") if layer.trainable else
                    _cell("<b>Non-trainable</b>", "firebrick", "white"))
    span = max(1, len(cols))
    title = f"<b>{escape(layer.name)}</b> ({kind})" if show_layer_names else f"<b>{kind}</b>"
    rows = [f'<tr><td colspan="{span}" bgcolor="black"><font point-size="16" color="white">{title}</font></td></tr>']
    activation = getattr(layer, "activation", None)
    if show_layer_activations and activation is not None:
        rows.append(f"<tr>{_cell(f'Activation: <b>{escape(activation.name)}</b>', colspan=span)}</tr>")
    if cols:
        rows.append(f"<tr>{''.join(cols)}</tr>")
    return f'<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">{"".join(rows)}</table>>'


def model_to_dot(model: Any, show_shapes: bool = False, show_dtype: bool = False, show_layer_names: bool = True,
                 rankdir: str = "TB", expand_nested: bool = False, dpi: int = 200, subgraph: bool = False,
                 show_layer_activations: bool = False, show_trainable: bool = False, splines: str = "ortho",
                 **kwargs: Any) -> Any:
    """The model as a ``pydot.Dot`` graph (Keras 3's arguments)."""
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"Argument `rankdir` must be 'TB' or 'LR'. Received: rankdir={rankdir!r}")
    if not getattr(model, "built", False):
        raise ValueError("This model has not yet been built. Build the model first by calling `build()` or by "
                         "calling the model on a batch of data.")
    pydot = _pydot()
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name, label=model.name, labeljust="l")
    else:
        dot = pydot.Dot(rankdir=rankdir, concentrate=True, dpi=dpi, splines=splines)
        dot.set_node_defaults(shape="record")
    style = {"show_shapes": show_shapes, "show_dtype": show_dtype, "show_layer_names": show_layer_names,
             "show_layer_activations": show_layer_activations, "show_trainable": show_trainable}
    layers = model.layers
    for layer in layers:
        dot.add_node(pydot.Node(str(id(layer)), label=_label(layer, **style)))
    edges = model.edges() if hasattr(model, "edges") else itertools.pairwise(layers)
    for before, after in edges:
        dot.add_edge(pydot.Edge(str(id(before)), str(id(after))))
    return dot


def plot_model(model: Any, to_file: str | os.PathLike = "model.png", show_shapes: bool = False,
               show_dtype: bool = False, show_layer_names: bool = False, rankdir: str = "TB",
               expand_nested: bool = False, dpi: int = 200, show_layer_activations: bool = False,
               show_trainable: bool = False, splines: str = "ortho", **kwargs: Any) -> Any:
    """Draw the model into ``to_file`` (its extension picks the format: png, svg, pdf, ...).

    Returns an ``IPython.display.Image`` of the file when IPython is there
    (so a notebook shows it), else None.
    """
    dot = model_to_dot(model, show_shapes, show_dtype, show_layer_names, rankdir, expand_nested, dpi,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable,
                       splines=splines, **kwargs)
    path = Path(os.fspath(to_file))
    extension = path.suffix[1:].lower() or "png"
    if extension not in dot.formats:
        raise ValueError(f"Argument `to_file` must end in a format Graphviz writes ({', '.join(sorted(dot.formats))})."
                         f" Received: to_file={str(to_file)!r}")
    if not path.parent.is_dir():
        raise ValueError(f"Argument `to_file` must be in an existing folder. Received: to_file={str(to_file)!r}")
    if shutil.which("dot") is None:
        raise ImportError(_GRAPHVIZ)
    data = dot.create(prog="dot", format=extension)
    from .file_utils import atomic_write

    with atomic_write(path) as f:
        f.write(data)
    if extension != "pdf" and "IPython" in sys.modules:
        from IPython import display

        return display.Image(filename=str(path))
    return None
