"""Training and evaluation of the three models: reference method vs served method on the same held-out data."""
