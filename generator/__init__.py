"""A static site generator for archives of captured official statements."""

__version__ = "0.1.0"
