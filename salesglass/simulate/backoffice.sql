-- The simulated company's back-office: a ticketing platform's own database, as such a company
-- really keeps it (spirit of docs/ticketing-domain.md §5), NOT our canonical model.
-- Quirks on purpose: ids are 24-hex text, money is integer kopecks, timestamps are naive Moscow
-- wall-clock text 'YYYY-MM-DD HH:MM:SS' (start_at_utc is naive UTC), managers are referenced by e-mail,
-- partners have role org/agent, only orders with status 'done' and is_invitation = 0 are real sales,
-- refunds live in their own table and are positive numbers.

CREATE TABLE managers (
  manager_id   TEXT PRIMARY KEY,          -- 24-hex
  email        TEXT NOT NULL UNIQUE,       -- the join key to amoCRM users
  full_name    TEXT NOT NULL,
  role         TEXT NOT NULL CHECK (role IN ('sales', 'development', 'account', 'support')),
  hired_at     TEXT NOT NULL,              -- 'YYYY-MM-DD'
  left_at      TEXT                        -- NULL while employed
);

CREATE TABLE partners (
  partner_id             TEXT PRIMARY KEY,   -- 24-hex; the "platform account id" amoCRM deals carry
  name                   TEXT NOT NULL,      -- as typed by the client: legal forms, quotes, «ёлочки»
  role                   TEXT NOT NULL CHECK (role IN ('org', 'agent')),   -- organizer / ticket operator
  status                 TEXT NOT NULL CHECK (status IN ('new', 'approved', 'inactive')),
  legal_type             TEXT CHECK (legal_type IN ('ru_ltd', 'ru_ip', 'ru_se', 'foreign')),
  inn                    TEXT,               -- tax id, may be NULL or formatted with spaces
  created_at             TEXT NOT NULL,      -- naive MSK: registration
  approved_at            TEXT,               -- naive MSK: contract signed ("когда подписал договор")
  sale_manager_email     TEXT,               -- who signed the client
  account_manager_email  TEXT,               -- development manager; NULL if none
  is_support             INTEGER NOT NULL DEFAULT 0,  -- 1: the shared account of small organizers served by support
  platform_commission_pct REAL NOT NULL,     -- platform's % of nominal
  removed                INTEGER NOT NULL DEFAULT 0,
  updated_at             TEXT NOT NULL       -- naive MSK; watermark for incremental loads
);

CREATE TABLE contracts (
  contract_id    TEXT PRIMARY KEY,
  partner_id     TEXT NOT NULL REFERENCES partners(partner_id),
  number         TEXT NOT NULL,             -- 'О-12345678-9'
  contract_type  TEXT NOT NULL CHECK (contract_type IN ('offer_org', 'agent_agreement', 'addendum', 'termination')),
  issued_at      TEXT NOT NULL,             -- naive MSK
  removed        INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE widgets (
  widget_id        TEXT PRIMARY KEY,
  owner_partner_id TEXT NOT NULL REFERENCES partners(partner_id),
  site_domain      TEXT NOT NULL,
  created_at       TEXT NOT NULL,           -- naive MSK: code generated in the cabinet
  installed_at     TEXT,                    -- naive MSK: first impression seen on the site; NULL if never
  last_seen_at     TEXT,
  is_active        INTEGER NOT NULL
);

CREATE TABLE events (
  event_id      TEXT PRIMARY KEY,
  org_id        TEXT REFERENCES partners(partner_id),  -- NULL for events sold by support without an account
  name          TEXT NOT NULL,
  category      TEXT NOT NULL,
  start_at_utc  TEXT NOT NULL,              -- naive UTC (a real quirk: not MSK like the rest)
  created_at    TEXT NOT NULL,              -- naive MSK
  status        TEXT NOT NULL CHECK (status IN ('stand_by', 'public', 'canceled', 'finished'))
);

CREATE TABLE orders (
  order_id                TEXT PRIMARY KEY,
  number                  INTEGER NOT NULL,
  origin                  TEXT NOT NULL CHECK (origin IN ('widget', 'external_widget', 'api', 'control_panel', 'salespoint')),
  status                  TEXT NOT NULL CHECK (status IN ('executed', 'in_progress', 'done', 'cancelled', 'expired')),
  event_id                TEXT NOT NULL REFERENCES events(event_id),
  org_id                  TEXT,             -- organizer; NULL when support sold without an account; may name an unknown partner
  vendor_id               TEXT,             -- who sold: = org_id for direct sales, an agent partner for distribution
  created_at              TEXT NOT NULL,    -- naive MSK
  done_at                 TEXT,             -- naive MSK: the sale time (NULL unless done)
  is_invitation           INTEGER NOT NULL DEFAULT 0,
  tickets_quantity        INTEGER NOT NULL,
  nominal_kop             INTEGER NOT NULL, -- ticket face value after discount
  extra_org_kop           INTEGER NOT NULL, -- buyer service fee
  full_kop                INTEGER NOT NULL, -- buyer paid = nominal + extra_org
  acquiring_cost_kop      INTEGER NOT NULL, -- payment provider's fee (platform cost)
  agent_commission_kop    INTEGER NOT NULL, -- paid to the distributing agent (platform cost)
  profit_core_kop         INTEGER NOT NULL, -- platform revenue (commission + its share of the fee)
  currency                TEXT NOT NULL DEFAULT 'RUB',
  updated_at              TEXT NOT NULL     -- naive MSK; watermark
);

CREATE TABLE refund_requests (
  refund_id          TEXT PRIMARY KEY,
  order_id           TEXT NOT NULL REFERENCES orders(order_id),
  status             TEXT NOT NULL CHECK (status IN ('new', 'in_progress', 'approved', 'rejected')),
  requested_at       TEXT NOT NULL,         -- naive MSK
  finished_at        TEXT,                  -- naive MSK: when the money went back (booking date)
  tickets_quantity   INTEGER NOT NULL,      -- positive
  refund_full_kop    INTEGER NOT NULL,      -- positive: money returned to the buyer (gross)
  refund_core_kop    INTEGER NOT NULL,      -- positive: platform revenue reversed
  refund_cost_kop    INTEGER NOT NULL,      -- positive: platform cost reversed
  updated_at         TEXT NOT NULL
);
