"""Embedded indicator tables (CNNIC, census, national series) and the survey and panel simulators.

Examples
--------
>>> import govstats.datasets as ds
>>> int(ds.load_census("national")["population_total"].iloc[0])
1411778724
"""

from govstats.datasets.census import census_margins, load_census
from govstats.datasets.cnnic import load_cnnic
from govstats.datasets.context import merge_context, nearest_cnnic_report
from govstats.datasets.items import SimulatedItems, simulate_items
from govstats.datasets.national import load_national_series
from govstats.datasets.provinces import PROVINCES, province_code
from govstats.datasets.simulate import ChainTruth, SimulatedSurvey, simulate_survey
from govstats.datasets.simulate_panel import SimulatedPanel, simulate_panel

__all__ = [
    "PROVINCES",
    "ChainTruth",
    "SimulatedItems",
    "SimulatedPanel",
    "SimulatedSurvey",
    "census_margins",
    "load_census",
    "load_cnnic",
    "load_national_series",
    "merge_context",
    "nearest_cnnic_report",
    "province_code",
    "simulate_items",
    "simulate_panel",
    "simulate_survey",
]
