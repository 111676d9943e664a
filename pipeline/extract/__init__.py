"""extract: figures out of a normalized Document (prose and standard tables)."""
