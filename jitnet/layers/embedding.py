"""Embedding: integer ids to rows of a trainable ``(input_dim, output_dim)`` table."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .base import Layer, ProgramBuilder, options_config, positive_int, regularizer_factors, resolve


class Embedding(Layer):
    """Turns ids in ``[0, input_dim)`` into ``output_dim`` vectors: ``(batch, ...)`` to ``(batch, ..., output_dim)``.

    Inputs must be integers in range, and the layer must read the model's
    inputs. With ``mask_zero``, id 0 masks its step for the recurrent layers
    that follow.

    Args:
        input_dim: Positive int, the number of ids (the largest id plus 1).
        output_dim: Positive int, the size of each vector.
        embeddings_initializer: Defaults to ``'uniform'`` (in [-0.05, 0.05]).
        embeddings_regularizer, activity_regularizer, embeddings_constraint: Default to ``None``.
        mask_zero: Bool, id 0 is padding. Defaults to ``False``.
        input_length: Deprecated, as in Keras 3 (a warning; it sets the input shape).
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: Any = "uniform",
                 embeddings_regularizer: Any = None, embeddings_constraint: Any = None, mask_zero: bool = False,
                 activity_regularizer: Any = None, input_length: int | None = None, **kwargs: Any) -> None:
        if input_length is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.", stacklevel=2)
            kwargs.setdefault("input_shape", (positive_int("input_length", input_length),))
        super().__init__(**kwargs)
        self.input_dim = positive_int("input_dim", input_dim)
        self.output_dim = positive_int("output_dim", output_dim)
        if self.input_dim > 2 ** 24:
            raise ValueError(f"Argument `input_dim` must be at most 2**24 (ids travel as float32). "
                             f"Received: input_dim={input_dim}")
        self.embeddings_initializer = resolve("initializer", embeddings_initializer)
        self.embeddings_regularizer = resolve("regularizer", embeddings_regularizer)
        self.embeddings_constraint = resolve("constraint", embeddings_constraint)
        self.activity_regularizer = resolve("regularizer", activity_regularizer)
        self.mask_zero = bool(mask_zero)

    def build(self, input_shape):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim), self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def check_inputs(self, x: np.ndarray, name: str) -> None:
        """Refuse inputs that are not integer ids in ``[0, input_dim)``, naming ``name``."""
        if x.dtype.kind not in "iu":
            raise TypeError(f"Argument `{name}` must hold integer ids for layer {self.name!r} (Embedding). "
                            f"Received: dtype={x.dtype}")
        low, high = int(x.min()), int(x.max())
        if low < 0 or high >= self.input_dim:
            raise ValueError(f"Argument `{name}` holds ids in [{low}, {high}], but layer {self.name!r} (Embedding) "
                             f"takes ids in [0, {self.input_dim}) (input_dim={self.input_dim}).")

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        if slot != program.input_slot:
            raise ValueError(f"Layer {self.name!r} (Embedding) must read the model's inputs (integer ids).")
        out = program.new_slot(self.output_shape)
        program.op("embedding", slot, out, table=self.embeddings.offset, input_dim=self.input_dim)
        if self.mask_zero:
            program.masks[out] = slot
        program.activity_penalty(out, *regularizer_factors(self.activity_regularizer))
        return out

    def get_config(self) -> dict:
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                **options_config(self, "embeddings_initializer", "embeddings_regularizer", "activity_regularizer",
                                 "embeddings_constraint"),
                "mask_zero": self.mask_zero}
