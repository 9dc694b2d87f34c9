"""govstats.design."""
