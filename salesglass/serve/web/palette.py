"""The dashboard's chart colours, in one place: the same thing has the same colour on every page."""

from __future__ import annotations

BLUE = "#3b6fd4"  # the main measure (turnover, fact, widgets installed)
GREEN = "#2e9e6a"  # reached / earned (first sales, plan met, bonuses)
ORANGE = "#e08a2c"  # a forecast or a plan
GREY = "#9aa5b8"  # the start of a process (contracts signed, leads)
RED = "#d45b5b"  # lost, unknown
YELLOW = "#e0b44c"  # support
LIGHT_GREY = "#b9c0cc"  # empty

# categorical series (one per manager, bucket, …), first colours first
SERIES = [BLUE, GREEN, ORANGE, "#8a5cc7", "#2f86a6", "#c75c8a", "#6b8e23", "#5b7fd0"]
# funnel stages, lead → first sale
STAGE_STEPS = [GREY, "#7b93c9", "#5b7fd0", BLUE, "#2f86a6", GREEN]
# heat map of the cohorts, low → high
HEAT = ["#f4f7fc", "#9cb7e6", BLUE, "#1d3f8a"]
