-- A small hand-written back-office (same statements for SQLite and PostgreSQL). Expected canonical
-- rows are computed by hand in test_sources.py: Moscow is UTC+3, amounts are kopecks.
INSERT INTO partners (partner_id, name, role, status, legal_type, inn, created_at, approved_at, sale_manager_email,
                      account_manager_email, is_support, platform_commission_pct, removed, updated_at) VALUES
 ('p1', 'ООО «Ромашка»', 'org', 'approved', 'ru_ltd', '77 01 234567', '2024-01-10 12:00:00', '2024-01-20 15:30:00',
  'boris@x.ru', 'Anna@X.ru', 0, 5.0, 0, '2024-02-01 00:00:00'),
 ('p2', 'Кассир', 'agent', 'approved', 'ru_ltd', NULL, '2024-01-05 09:00:00', NULL, NULL, NULL, 0, 0, 0,
  '2024-02-01 00:00:00'),
 ('p3', 'Поддержка', 'org', 'approved', NULL, NULL, '2024-01-01 03:00:00', NULL, NULL, 'ghost@x.ru', 1, 5.0, 0,
  '2024-02-02 00:00:00');
INSERT INTO widgets (widget_id, owner_partner_id, site_domain, created_at, installed_at, last_seen_at, is_active) VALUES
 ('w1', 'p1', 'a.ru', '2024-01-21 10:00:00', '2024-02-01 10:00:00', NULL, 1),
 ('w2', 'p1', 'b.ru', '2024-01-21 10:00:00', '2024-01-25 08:00:00', NULL, 1),
 ('w3', 'p2', 'c.ru', '2024-01-21 10:00:00', NULL, NULL, 0);
INSERT INTO events (event_id, org_id, name, category, start_at_utc, created_at, status) VALUES
 ('e1', 'p1', 'Концерт', 'music', '2024-04-01 16:00:00', '2024-02-01 10:00:00', 'public'),
 ('e2', NULL, 'Ёлка', 'kids', '2026-03-31 21:30:00', '2026-03-01 12:00:00', 'finished');
INSERT INTO orders (order_id, number, origin, status, event_id, org_id, vendor_id, created_at, done_at, is_invitation,
                    tickets_quantity, nominal_kop, extra_org_kop, full_kop, acquiring_cost_kop, agent_commission_kop,
                    profit_core_kop, currency, updated_at) VALUES
 ('o1', 1, 'widget', 'done', 'e1', 'p1', 'p1', '2024-03-01 01:55:00', '2024-03-01 02:00:00', 0,
  2, 280000, 20000, 300000, 6000, 0, 15050, 'RUB', '2024-03-01 02:00:00'),
 ('o2', 2, 'external_widget', 'done', 'e1', 'p1', 'p2', '2024-03-02 11:55:00', '2024-03-02 12:00:00', 0,
  1, 140000, 10000, 150000, 3000, 10000, 7525, 'RUB', '2024-03-02 12:00:00'),
 ('o3', 3, 'widget', 'cancelled', 'e1', 'p1', 'p1', '2024-03-02 13:00:00', NULL, 0,
  1, 140000, 10000, 150000, 0, 0, 0, 'RUB', '2024-03-02 13:10:00'),
 ('o4', 4, 'control_panel', 'done', 'e1', 'p1', 'p1', '2024-03-02 14:00:00', '2024-03-02 14:00:00', 1,
  5, 0, 0, 0, 0, 0, 0, 'RUB', '2024-03-02 14:00:00'),
 ('o5', 5, 'salespoint', 'done', 'e1', NULL, NULL, '2024-03-03 09:59:00', '2024-03-03 10:00:00', 0,
  1, 45000, 5000, 50000, 1000, 0, 2500, 'RUB', '2024-03-03 10:00:00'),
 ('o6', 6, 'widget', 'in_progress', 'e1', 'p1', 'p1', '2024-03-04 10:00:00', NULL, 0,
  1, 45000, 5000, 50000, 0, 0, 0, 'RUB', '2024-03-04 10:00:00');
INSERT INTO refund_requests (refund_id, order_id, status, requested_at, finished_at, tickets_quantity, refund_full_kop,
                             refund_core_kop, refund_cost_kop, updated_at) VALUES
 ('r1', 'o1', 'approved', '2024-03-04 10:00:00', '2024-03-05 10:00:00', 1, 150000, 7525, 3000, '2024-03-05 10:00:00'),
 ('r2', 'o2', 'rejected', '2024-03-04 11:00:00', NULL, 1, 150000, 7525, 6500, '2024-03-04 12:00:00');
