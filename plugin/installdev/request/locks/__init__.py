"""The project's lock: which one its own tool installs from (``rules``), and one reader per format."""
