"""The composition root: the `interlude` command wires web, worker and messaging."""

__version__ = "0.1.0"
