"""Stands for a tesserocr that cannot load (test-only): put on PYTHONPATH, any import of it fails."""

raise ImportError("tesserocr cannot be loaded here")
