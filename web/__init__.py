"""The web application of demat: the review station (`demat web`). It imports `pipeline/` and `flows/`;
neither imports it."""
