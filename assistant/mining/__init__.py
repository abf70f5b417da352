"""Mining economics: the calculator's pure functions, its cited presets, and the reading of
figures in a question."""
