"""Prefect glue around `pipeline`: flows and tasks only, no document logic."""
