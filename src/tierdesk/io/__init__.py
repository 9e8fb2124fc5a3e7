"""Reading input tables and writing output files."""
