"""Inputs: files and archives become pages (sources, loading, PDF rendering, preprocessing, filled form fields)."""
