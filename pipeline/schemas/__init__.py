"""Schemas: what a procedure is (zones, types, rules), strict loading, normalization by type, AcroForm import."""
