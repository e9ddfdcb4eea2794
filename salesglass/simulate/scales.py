"""Size presets of the simulated company (`--scale`), and the business ranges chosen for it.

Ranges are those of a Russian ticketing business; the values picked (stated here so reports can be checked against
them) are:

- partner sizes: organizer segments micro/small/mid/large/key with 55/28/13/3.5/0.5 % of organizers and a
  mean annual turnover of 0.1/1.1/7.5/50/300 M ₽ (§3.8; top 1 % ≈ 40 % of turnover); agents (ticket
  operators) are ~3 % of partners, the top three take 60–70 % of agent sales (Zipf 1.5);
- about 70 % of organizer registrations go on to sell (micro 60 %, small 80 %, larger 95 %; the latest ones
  may not have sold yet by `end`); a launch wave of accounts around the start (a young platform), then
  steady growth; contract 0–60 days after registration (median 3, a quarter the same day), widget median
  7 days after contract, 18 % of selling organizers never install (§3.9);
- purchase-month index Jan..Dec 0.80 … 1.44 and weekday index Mon..Sun 1.02 … 0.90 (§3.3–3.4); a
  bimodal purchase hour; the sales curve per event is 12 % launch spike, 38 % flat, 50 % final-days ramp;
- tickets per order 1/2/3/4/5+ = 52/34/6/5/3 %; 3 % invitations at 0 ₽; 85 % of order rows are `done`,
  the rest cancelled/expired (a minority of the real checkout funnel, to keep the file small);
- platform commission by segment 8–10 / 7–9 / 5–7 / 3.5–5 / 2–4 % of nominal, 30 % of organizers push
  the fee to the buyer (commission 0, fee 8–12 %, platform keeps 60–100 %); service fee
  {0,5,7,10,12,15} %; acquiring charged 2.5–3.5 %, cost 1.8–2.4 % of full (0 on agent `api` orders);
  agent commission 5–12 % of nominal;
- user refunds on ~2.5 % of paid orders (FZ-193 tiers by days before the event, 12 % rejected, 40 % of
  multi-ticket refunds partial, booked 1 hour–40 days after the request, median 3 days, so some land in a
  later month); 1.5 % of events
  cancelled with every ticket refunded;
- amoCRM "New business" stage conversions 80/45/65/65/70 %, stage medians 1/6/4/8/10 days; 65 % of selling
  organizers come through a sales deal; the deal is moved after the platform milestone with a 0–14 day
  manual lag, 10 % of deals never moved to won, 5 % moved to won before the first sale;
- about 20 % of sales managers left during the history; their open deals are handed over.
"""

from __future__ import annotations

from dataclasses import dataclass

from salesglass.errors import SalesglassError


@dataclass(frozen=True)
class Scale:
    name: str
    years: int
    sales_managers: int  # including those who left
    dev_managers: int
    support_managers: int
    partners: int
    deals: int
    orders: int  # order rows in the back-office (all statuses)
    chunk_orders: int = 100_000  # orders generated and written per step (bounds memory)


SCALES: dict[str, Scale] = {
    "xs": Scale("xs", 1, 3, 1, 1, 60, 100, 5_000),
    "s": Scale("s", 2, 5, 3, 1, 800, 2_000, 200_000),
    "m": Scale("m", 3, 24, 13, 2, 10_000, 30_000, 10_000_000),
    "l": Scale("l", 4, 120, 70, 9, 100_000, 300_000, 100_000_000),
}


def get_scale(name: str) -> Scale:
    """The preset called `name`, or a clear error listing the known ones."""
    try:
        return SCALES[name]
    except KeyError:
        raise SalesglassError(f"unknown scale {name!r}: expected one of {', '.join(SCALES)}") from None
