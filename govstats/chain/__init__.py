"""govstats.chain."""
