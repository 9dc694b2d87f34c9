"""govstats.report."""
