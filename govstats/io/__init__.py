"""govstats.io."""
