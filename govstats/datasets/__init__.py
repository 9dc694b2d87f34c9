"""govstats.datasets."""
