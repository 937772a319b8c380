"""A partnership's roster as a file: read and checked as a whole, imported in one transaction,
exported in the same shape."""
