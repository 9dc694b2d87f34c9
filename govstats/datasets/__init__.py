"""Embedded indicator tables (CNNIC, census, national series) and the survey simulator.

Examples
--------
>>> import govstats.datasets as ds
>>> int(ds.load_census("national")["population_total"].iloc[0])
1411778724
"""

from govstats.datasets.census import census_margins, load_census
from govstats.datasets.cnnic import load_cnnic
from govstats.datasets.items import SimulatedItems, simulate_items
from govstats.datasets.national import load_national_series
from govstats.datasets.simulate import ChainTruth, SimulatedSurvey, simulate_survey

__all__ = [
    "ChainTruth",
    "SimulatedItems",
    "SimulatedSurvey",
    "census_margins",
    "load_census",
    "load_cnnic",
    "load_national_series",
    "simulate_items",
    "simulate_survey",
]
