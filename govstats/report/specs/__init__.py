"""Study specs shipped with govstats: ``default`` (the package's report) and ``example``."""
