"""The project's lock: which one its own tool installs from (``rules``), one interface every format answers
(``formats``), and one reader per format."""
