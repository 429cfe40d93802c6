"""Keras-style name registries: ``get(identifier)`` resolves names and objects."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any


def to_snake_case(name: str) -> str:
    """Keras's naming rule: ``BatchNormalization`` -> ``batch_normalization``, ``KLDivergence`` -> ``kl_divergence``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


class Registry:
    """Maps Keras string names (and aliases) to factories.

    ``kind`` names what is looked up, for error messages ("optimizer",
    "loss", ...). ``get`` accepts a registered name, an instance of
    ``base`` (returned as is), a subclass of ``base`` (instantiated), or a
    Keras ``{"class_name": ..., "config": ...}`` dict.
    """

    def __init__(self, kind: str, base: type | None = None) -> None:
        self.kind = kind
        self.base = base
        self._items: dict[str, Callable[..., Any]] = {}

    def register(self, *names: str) -> Callable:
        """Decorator: register ``obj`` under each of ``names``."""

        def wrap(obj):
            for name in names:
                self._items[name] = obj
            return obj

        return wrap

    def add(self, name: str, obj: Callable[..., Any]) -> None:
        """Register ``obj`` under ``name``."""
        self._items[name] = obj

    def names(self) -> list[str]:
        """All registered names, sorted."""
        return sorted(self._items)

    def lookup(self, name: str) -> Callable[..., Any]:
        """The object registered as ``name``; ValueError listing close names."""
        if not isinstance(name, str):
            raise TypeError(f"Argument `name` must be a {self.kind} name (str). Received: name={name!r}")
        key = name if name in self._items else name.lower()
        if key not in self._items:
            close = difflib.get_close_matches(name.lower(), list(self._items), n=3)
            hint = f" Did you mean: {', '.join(map(repr, close))}?" if close else ""
            raise ValueError(
                f"Unknown {self.kind}: {name!r}.{hint} "
                f"Valid names: {', '.join(self.names())}."
            )
        return self._items[key]

    def get(self, identifier: Any) -> Any:
        """Resolve a name, an instance, a class or a config dict."""
        if identifier is None:
            return None
        if isinstance(identifier, str):
            obj = self.lookup(identifier)
            return obj() if isinstance(obj, type) else obj
        if isinstance(identifier, dict) and "class_name" in identifier:
            cls = self.lookup(identifier["class_name"])
            config = identifier.get("config") or {}
            return cls.from_config(config) if hasattr(cls, "from_config") else cls(**config)
        if isinstance(identifier, type) and self.base is not None and issubclass(identifier, self.base):
            return identifier()
        if self.base is not None and isinstance(identifier, self.base):
            return identifier
        if callable(identifier):
            return identifier
        raise ValueError(
            f"Could not interpret {self.kind} identifier: {identifier!r}. "
            f"Expected a name ({', '.join(self.names())}) or a {self.kind} object."
        )
