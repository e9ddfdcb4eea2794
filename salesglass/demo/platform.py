"""How the simulated company's back-office maps into the canonical tables: the demo's own
[[platform.inputs]], a worked example of every conversion the platform source offers."""

from __future__ import annotations

import json
from pathlib import Path


def toml_string(text: str) -> str:
    """A TOML basic string: a folder named with a quote or a backslash must not break the written config."""
    return json.dumps(text, ensure_ascii=False)


def platform_section(company: Path) -> str:
    """The demo's [platform] and [plans] sections (`salesglass demo` writes them; a worked example for users)."""
    db = (company / "backoffice.sqlite").as_posix()
    plans = (company / "plans.xlsx").as_posix()
    return f'''
# ---------------------------------------------------------------------------------------------------
# [platform]: your back-office database, mapped into the canonical `partners`, `sales` and `events` tables.
# Each [[platform.inputs]] reads one table, SQL query or file and says how every canonical column is
# computed. A value is a source column name, or an inline table with conversions:
#   column / sql        the source column, or a SQL expression over source columns
#   unit = "kopecks"    integer kopecks → rubles (÷ 100)
#   negate = true       refunds stored as positive numbers
#   timezone = "…"      zone of naive timestamps (default: [platform].timezone)
#   map = {{ a = "b" }}   value map;  digits_only = true: keep digits (tax ids);  prefix = "…"
# `where` filters rows in the source (only real sales); `watermark` names a column that grows on every
# change so the daily refresh reads only new and changed rows (`salesglass load --full` reloads all).
# Rows that cannot be used go to the `quarantine` table with the reason (`salesglass doctor`).
# ---------------------------------------------------------------------------------------------------
[platform]
url = {toml_string("sqlite:///" + db)}   # any SQLAlchemy URL: postgresql://user@host/db, mysql+pymysql://…
timezone = "Europe/Moscow"   # the back-office writes Moscow wall-clock time without a zone

# partners: organizers (role org) and ticket operators (role agent)
[[platform.inputs]]
name = "partners"
target = "partners"
table = "partners"
watermark = "updated_at"
[platform.inputs.columns]
partner_id = "partner_id"
name = "name"
kind = {{ column = "role", map = {{ org = "organizer", agent = "operator" }} }}
inn = {{ column = "inn", digits_only = true }}
created_at = "created_at"
contract_signed_at = "approved_at"       # "когда подписал договор"
development_manager_email = "account_manager_email"   # matched to amoCRM users by e-mail
is_support = "is_support"

# widget installs: a partner's widget_installed_at is the earliest install of its widgets
[[platform.inputs]]
name = "widgets"
target = "widget_installs"
table = "widgets"
where = "installed_at IS NOT NULL"
[platform.inputs.columns]
widget_id = "widget_id"
partner_id = "owner_partner_id"
installed_at = "installed_at"

# events (shows): when each show starts, which the forecast reads (optional: leave it out if you have none).
# No status: a status is only known as of today, and the forecast replays past days
[[platform.inputs]]
name = "events"
target = "events"
table = "events"
[platform.inputs.columns]
event_id = "event_id"
partner_id = "org_id"                     # NULL: an event sold by support without an account
name = "name"
show_at = {{ column = "start_at_utc", timezone = "UTC" }}   # naive UTC, unlike the rest of the back-office
created_at = "created_at"

# sales: only orders that were paid (status done) and are not free invitations
[[platform.inputs]]
name = "orders"
target = "sales"
query = """
SELECT o.order_id, o.org_id, o.event_id, o.done_at, o.tickets_quantity, o.full_kop, o.profit_core_kop,
       o.acquiring_cost_kop, o.agent_commission_kop, o.updated_at,
       CASE WHEN o.vendor_id IS NULL OR o.vendor_id = o.org_id THEN 'widget'
            ELSE COALESCE(v.name, o.vendor_id) END AS channel
FROM orders o LEFT JOIN partners v ON v.partner_id = o.vendor_id
WHERE o.status = 'done' AND o.is_invitation = 0"""
watermark = "updated_at"
[platform.inputs.columns]
sale_id = "order_id"
partner_id = "org_id"                     # NULL: sold by support without an account
event_id = "event_id"
sold_at = "done_at"
tickets = "tickets_quantity"
turnover = {{ column = "full_kop", unit = "kopecks" }}
revenue = {{ column = "profit_core_kop", unit = "kopecks" }}
cost = {{ sql = "acquiring_cost_kop + agent_commission_kop", unit = "kopecks" }}
channel = "channel"

# refunds: approved refund requests become negative sales of the order's partner
[[platform.inputs]]
name = "refunds"
target = "sales"
query = """
SELECT r.refund_id, r.finished_at, r.tickets_quantity, r.refund_full_kop, r.refund_core_kop,
       r.refund_cost_kop, r.updated_at, o.org_id, o.event_id,
       CASE WHEN o.vendor_id IS NULL OR o.vendor_id = o.org_id THEN 'widget'
            ELSE COALESCE(v.name, o.vendor_id) END AS channel
FROM refund_requests r JOIN orders o ON o.order_id = r.order_id
     LEFT JOIN partners v ON v.partner_id = o.vendor_id
WHERE r.status = 'approved'"""
watermark = "updated_at"
[platform.inputs.columns]
sale_id = {{ column = "refund_id", prefix = "refund:" }}
partner_id = "org_id"
event_id = "event_id"
sold_at = "finished_at"
tickets = {{ column = "tickets_quantity", negate = true }}
turnover = {{ column = "refund_full_kop", unit = "kopecks", negate = true }}
revenue = {{ column = "refund_core_kop", unit = "kopecks", negate = true }}
cost = {{ column = "refund_cost_kop", unit = "kopecks", negate = true }}
channel = "channel"                       # the refunded order's channel

# ---------------------------------------------------------------------------------------------------
# [plans]: monthly targets (CSV, XLSX or a SQL table/query). manager = amoCRM user id, e-mail or
# name; empty = the whole company. metric: turnover, revenue, margin, tickets, new_partners.
# ---------------------------------------------------------------------------------------------------
[plans]
path = {toml_string(plans)}
'''
