"""The demo's two logins: an admin, and a manager who sees only their own deals and bonus.

`salesglass demo` creates them and prints them; the manager is the one whose view shows the most (see
`demo_manager_email`). Demo values live here, not in the dashboard: a real installation adds its users
with `salesglass users add`.
"""

from __future__ import annotations

from datetime import timedelta

from salesglass.config import Config
from salesglass.serve.users import UserStore
from salesglass.serve.web.data import NoData, Published, Query

DEMO_ADMIN = ("admin@demo.local", "demo-admin")
DEMO_MANAGER_PASSWORD = "demo-manager"
# each simulated company's admin login, of the company's own domain (its managers' e-mails)
DEMO_ADMINS = {"biletoid": DEMO_ADMIN, "sibkassa": ("admin@sibkassa.ru", "demo-admin")}


def demo_logins(cfg: Config, profile: str = "biletoid") -> tuple[tuple[str, str], tuple[str, str]]:
    """The (e-mail, password) of the admin and the manager login `salesglass demo` creates and prints for the
    company of `profile`: the manager is `demo_manager_email`, or a placeholder of the admin's domain when
    no manager has an e-mail."""
    admin = DEMO_ADMINS.get(profile, DEMO_ADMIN)
    manager = demo_manager_email(cfg) or "manager@" + admin[0].split("@", 1)[1]
    return admin, (manager, DEMO_MANAGER_PASSWORD)


def ensure_demo_users(cfg: Config, admin: tuple[str, str], manager: tuple[str, str]) -> None:
    """Create (or reset) the demo's admin and manager logins; `salesglass demo` prints them."""
    store = UserStore(cfg.resolve(cfg.dashboard.users_path))
    store.add(admin[0], admin[1], "admin", replace=True)
    store.add(manager[0], manager[1], "manager", replace=True)


def demo_manager_email(cfg: Config) -> str | None:
    """E-mail of the demo's manager login: the active manager busiest in the last three months (deals
    created, partners developed, bonus lines), so the manager's view shows what the product is for."""
    try:
        snap = Published(cfg.published_path).snapshot()
    except NoData:
        return None
    q = Query(snap)
    try:
        if not all(snap.has(t) for t in ("deals", "partners", "report_bonus_lines")):
            return q.one(
                "SELECT email FROM managers WHERE is_active AND email IS NOT NULL ORDER BY manager_id LIMIT 1"
            ).get("email")
        since = snap.as_of - timedelta(days=91)
        row = q.one(
            """WITH recent_deals AS (SELECT sales_manager_id AS id, count(*) AS n FROM deals
                                     WHERE NOT is_deleted AND created_at >= ? GROUP BY 1),
                    developed AS (SELECT development_manager_id AS id, count(*) AS n FROM partners GROUP BY 1),
                    bonus AS (SELECT manager_id AS id, count(*) AS n FROM report_bonus_lines
                              WHERE month >= ? GROUP BY 1)
               SELECT m.email FROM managers m
               LEFT JOIN recent_deals d ON d.id = m.manager_id LEFT JOIN developed p ON p.id = m.manager_id
               LEFT JOIN bonus b ON b.id = m.manager_id
               WHERE m.is_active AND m.email IS NOT NULL
               ORDER BY (coalesce(d.n, 0) > 0 AND coalesce(p.n, 0) > 0 AND coalesce(b.n, 0) > 0) DESC,
                        coalesce(d.n, 0) + coalesce(p.n, 0) + coalesce(b.n, 0) DESC, m.manager_id
               LIMIT 1""",
            [since, since.replace(day=1)],
        )
        return row.get("email")
    finally:
        q.close()
