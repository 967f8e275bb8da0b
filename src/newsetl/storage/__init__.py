"""Storage: the Parquet lake and the DuckDB warehouse."""
