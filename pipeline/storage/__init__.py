"""Storage: stores (local folder, S3), their layout, the counting index and the counts."""
