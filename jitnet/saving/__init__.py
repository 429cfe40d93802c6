"""Saving and loading: ``keras.saving`` names, Keras 3 ``.keras`` and ``.weights.h5`` files."""

from .keras_file import load_model, load_weights, save_model, save_weights
from .serialization import layer_from_config, model_from_config, model_to_config

__all__ = ["layer_from_config", "load_model", "load_weights", "model_from_config", "model_to_config", "save_model",
           "save_weights"]
