"""Reports: every table of the report contract (docs/reports.md), computed inside the warehouse.

One module per report (`weekly`, `monthly_deals`, `funnel`, `plan_fact`, `new_partners`, `sales_share`,
`cohorts`, `declining`, `bonus_lines`, `bonus_summary`), the shared as-of view and helpers in `derive/`,
the list of tables in `registry`, and `build.run_build` to compute and publish them all.
"""
