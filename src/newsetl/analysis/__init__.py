"""What analysts ask of the warehouse: full-text search, attention over time, reports."""
