"""govstats.gaps."""
