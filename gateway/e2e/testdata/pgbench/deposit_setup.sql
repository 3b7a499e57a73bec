-- Scenario 2 baseline setup (issue 13): the tables a deposit confirmation writes, copied from the donations
-- schema into the scratch schema bench (indexes, unique keys and checks by LIKE … INCLUDING ALL; the foreign
-- keys the confirmation's writes check are added back by hand; serial columns get sequences of their own so
-- nothing here touches the donations schema's data or sequences), then 200,000 cash pledges to one
-- application, its accounts and one entry in each hash chain, so deposit.sql always finds a chain head.
--
-- Run once against the suite's database after the donations migrations (make bench does this):
--   psql -v ON_ERROR_STOP=1 -f deposit_setup.sql <database>
SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS bench;
DROP TABLE IF EXISTS bench.pledge_events, bench.ledger_transfers, bench.ledger_accounts, bench.receipt_counters, bench.pledges,
	bench.donors CASCADE;
DROP SEQUENCE IF EXISTS bench.pledge_events_id_seq, bench.ledger_transfers_seq_seq;

CREATE TABLE bench.donors (LIKE donations.donors INCLUDING ALL);
CREATE TABLE bench.pledges (LIKE donations.pledges INCLUDING ALL);
ALTER TABLE bench.pledges ADD FOREIGN KEY (donor_id) REFERENCES bench.donors (id);
CREATE TABLE bench.pledge_events (LIKE donations.pledge_events INCLUDING ALL);
CREATE SEQUENCE bench.pledge_events_id_seq OWNED BY bench.pledge_events.id;
ALTER TABLE bench.pledge_events ALTER COLUMN id SET DEFAULT nextval('bench.pledge_events_id_seq'),
	ADD FOREIGN KEY (pledge_id) REFERENCES bench.pledges (id);
CREATE TABLE bench.receipt_counters (LIKE donations.receipt_counters INCLUDING ALL);
CREATE TABLE bench.ledger_accounts (LIKE donations.ledger_accounts INCLUDING ALL);
CREATE TABLE bench.ledger_transfers (LIKE donations.ledger_transfers INCLUDING ALL);
CREATE SEQUENCE bench.ledger_transfers_seq_seq OWNED BY bench.ledger_transfers.seq;
ALTER TABLE bench.ledger_transfers ALTER COLUMN seq SET DEFAULT nextval('bench.ledger_transfers_seq_seq'),
	ADD FOREIGN KEY (debit_account) REFERENCES bench.ledger_accounts (code),
	ADD FOREIGN KEY (credit_account) REFERENCES bench.ledger_accounts (code),
	ADD FOREIGN KEY (pending_id) REFERENCES bench.ledger_transfers (id);

INSERT INTO bench.donors (id, kind, name, created_at, owner_subject)
SELECT '00000000-0000-0000-0000-00000000d001', 'ENTERPRISE', 'Bench Co', now(), 'bench';

-- Pledge n has the ID 00000000-0000-0000-0000-<n in 12 digits>; all are cash pledges to one application.
INSERT INTO bench.pledges (id, donor_id, application_id, round_id, amount_fen, kind, agreement_ref, state, created_at, created_by)
SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid, '00000000-0000-0000-0000-00000000d001',
	'00000000-0000-0000-0000-0000000a0001', '00000000-0000-0000-0000-0000000b0001', 10000, 'CASH', 'AG', 'PLEDGED', now(), 'bench'
FROM generate_series(1, 200000) AS n;

INSERT INTO bench.ledger_accounts (code, may_go_negative) VALUES ('bank', true), ('earmarked:00000000-0000-0000-0000-0000000a0001', false);
INSERT INTO bench.ledger_transfers (id, kind, debit_account, credit_account, amount_fen, reason, reference, requested_by, created_at,
	chain_seq, prev_hash, hash)
VALUES ('bench:genesis', 'POSTED', 'bank', 'earmarked:00000000-0000-0000-0000-0000000a0001', 1, 'bench', 'bench', 'bench', now(),
	1, repeat('0', 64), encode(sha256('bench'::bytea), 'hex'));
UPDATE bench.ledger_accounts SET debits_posted = 1 WHERE code = 'bank';
UPDATE bench.ledger_accounts SET credits_posted = 1 WHERE code <> 'bank';
INSERT INTO bench.pledge_events (pledge_id, action, at, by_subject, chain_seq, prev_hash, hash)
VALUES ('00000000-0000-0000-0000-000000000001', 'PLEDGED', now(), 'bench', 1, repeat('0', 64), encode(sha256('bench'::bytea), 'hex'));
ANALYZE bench.donors, bench.pledges, bench.pledge_events, bench.receipt_counters, bench.ledger_accounts, bench.ledger_transfers;
