"""govstats.panel."""
