"""Database: versioned SQL migrations, the migration runner and small query modules."""
