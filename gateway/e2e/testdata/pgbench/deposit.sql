-- Scenario 2 baseline (issue 13): the bare database doing what the donations service does to confirm one cash
-- deposit (ConfirmDeposit without a request_id, as the benchmarks call it), statement for statement and round
-- trip for round trip (pgbench's \startpipeline … \endpipeline where the service sends a pgx batch), in the
-- tables deposit_setup.sql copies into the scratch schema bench. Keep it in step with
-- services/donations/internal/app/confirm_deposit.go, internal/store/pledges.go (LockForDeposit, BookDeposit),
-- pkg/ledger/pgledger (CreateTransfersThen, createPosted) and pkg/hashchain/pgchain (QueueNext,
-- Events.QueueAppend, HashSQL). What is not SQL is left out: the round's cutoff the service asks of the
-- applications service before its transaction, and the checks it makes in Go of the last round trip's answers.
-- The hashes are computed in SQL by both; here over the same parts without their netstring lengths.
-- The service confirms in group commits (DEPOSIT_BATCH: many confirmations, each in a savepoint, per
-- transaction and WAL flush); this baseline stays one transaction per confirmation.
--
-- Run (prepared, 16 clients, as `make bench` does), after deposit_setup.sql:
--   pgbench -n -M prepared -c 16 -j 2 -T 10 -f deposit.sql <database>
-- -M prepared (or extended) is needed for the pipelines. A pledge is drawn at random from the 200,000 of the
-- setup, with a fresh bank reference each time; a pledge drawn again is confirmed again (the service would
-- refuse it; here the writes are what is measured), and the transfer ID carries the bank reference so that it
-- is new each time. pgbench substitutes :name even inside quotes, hence chr(58) for the colons of literals.
\set p random(1, 200000)
\set r random(1, 1000000000000)
-- GetPledge, outside the transaction: is this a retry? (and which round's cutoff to ask for)
SELECT id, donor_id, application_id, round_id, amount_fen, kind, agreement_ref, description, state, created_at, created_by,
	bank_reference, deposited_amount_fen, deposited_at, confirmed_at, appraised_value_fen, appraisal_notes, appraised_at, approved_at,
	late, receipt_number, refunded_at, redirected_at, redirect_application_id::text
FROM bench.pledges WHERE id = ('00000000-0000-0000-0000-' || lpad(:p::text, 12, '0'))::uuid;
BEGIN;
-- 1. LockForDeposit: the pledge, locked, and the pledge confirmed under the bank reference, if any
\startpipeline
SELECT id, donor_id, application_id, round_id, amount_fen, kind, agreement_ref, description, state, created_at, created_by,
	bank_reference, deposited_amount_fen, deposited_at, confirmed_at, appraised_value_fen, appraisal_notes, appraised_at, approved_at,
	late, receipt_number, refunded_at, redirected_at, redirect_application_id::text
FROM bench.pledges WHERE id = ('00000000-0000-0000-0000-' || lpad(:p::text, 12, '0'))::uuid FOR UPDATE;
SELECT id, donor_id, application_id, round_id, amount_fen, kind, agreement_ref, description, state, created_at, created_by,
	bank_reference, deposited_amount_fen, deposited_at, confirmed_at, appraised_value_fen, appraisal_notes, appraised_at, approved_at,
	late, receipt_number, refunded_at, redirected_at, redirect_application_id::text
FROM bench.pledges WHERE bank_reference = 'PGB-' || :r;
\endpipeline
-- 2. the last round trip before the commit (pgledger.createPosted with BookDeposit's statements after it): the
-- accounts missing created, the accounts locked in code order, the transfer if made before, the ledger chain's
-- lock and head, the transfer as the chain's next entry (hash in SQL) and the balances moved if it was stored,
-- the events chain's lock and the DEPOSITED event as its next entry (Events.QueueAppend), the year's receipt
-- counter and the pledge saved with its receipt number
\startpipeline
INSERT INTO bench.ledger_accounts (code, may_go_negative)
SELECT c.code, c.neg FROM unnest(ARRAY['bank', 'earmarked' || chr(58) || '00000000-0000-0000-0000-0000000a0001'], ARRAY[true, false]) AS c (code, neg)
WHERE NOT EXISTS (SELECT 1 FROM bench.ledger_accounts a WHERE a.code = c.code)
ORDER BY c.code
ON CONFLICT (code) DO NOTHING;
SELECT code, debits_posted, credits_posted, debits_pending, credits_pending
FROM bench.ledger_accounts WHERE code = ANY(ARRAY['bank', 'earmarked' || chr(58) || '00000000-0000-0000-0000-0000000a0001']) ORDER BY code FOR UPDATE;
SELECT id, kind, debit_account, credit_account, amount_fen, coalesce(pending_id, ''), reason, reference, requested_by, request_id, created_at
FROM bench.ledger_transfers WHERE id = 'pledge' || chr(58) || :r || chr(58) || 'confirm';
SELECT pg_advisory_xact_lock(hashtextextended('commonweal.hashchain' || chr(58) || 'bench.ledger_transfers', 0));
SELECT chain_seq, hash FROM bench.ledger_transfers ORDER BY chain_seq DESC LIMIT 1;
WITH made AS (
	INSERT INTO bench.ledger_transfers (id, kind, debit_account, credit_account, amount_fen, reason, reference, requested_by, request_id,
		created_at, chain_seq, prev_hash, hash)
	SELECT 'pledge' || chr(58) || :r || chr(58) || 'confirm', 'POSTED', 'bank', 'earmarked' || chr(58) || '00000000-0000-0000-0000-0000000a0001', 10000::bigint,
		'cash deposit, bank reference PGB-' || :r, 'pledge' || chr(58) || lpad(:p::text, 12, '0'), 'federation', '', now(), n.seq, n.prev,
		encode(sha256(convert_to(n.prev || '16' || chr(58) || 'ledger_transfers,' || length(n.seq::text) || chr(58) || n.seq::text || ',' ||
			'pledge' || chr(58) || :r || chr(58) || 'confirm' || 'POSTED' || 'bank' || 'earmarked' || chr(58) || '00000000-0000-0000-0000-0000000a0001' || '10000' || 'cash deposit' || :r || 'federation' || now()::text, 'UTF8')), 'hex')
	FROM (SELECT coalesce(h.chain_seq, 0) + 1 AS seq, coalesce(h.hash, repeat('0', 64)) AS prev
		FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT chain_seq, hash FROM bench.ledger_transfers ORDER BY chain_seq DESC LIMIT 1) AS h ON true) AS n
	ON CONFLICT DO NOTHING
	RETURNING chain_seq, prev_hash, hash),
moved AS (
	UPDATE bench.ledger_accounts a SET debits_posted = a.debits_posted + CASE WHEN a.code = 'bank' THEN 10000 ELSE 0 END,
		credits_posted = a.credits_posted + CASE WHEN a.code = 'earmarked' || chr(58) || '00000000-0000-0000-0000-0000000a0001' THEN 10000 ELSE 0 END
	WHERE a.code IN ('bank', 'earmarked' || chr(58) || '00000000-0000-0000-0000-0000000a0001') AND EXISTS (SELECT 1 FROM made)
	RETURNING a.code)
SELECT chain_seq, prev_hash, hash, (SELECT count(*) FROM moved) FROM made;
SELECT pg_advisory_xact_lock(hashtextextended('commonweal.hashchain' || chr(58) || 'bench.pledge_events', 0));
INSERT INTO bench.pledge_events (pledge_id, action, at, by_subject, request_id, detail, chain_seq, prev_hash, hash)
SELECT ('00000000-0000-0000-0000-' || lpad(:p::text, 12, '0'))::uuid, 'DEPOSITED', now(), 'federation', '',
	'bank_reference=PGB-' || :r || ' amount_fen=10000 pledged_fen=10000 deposited_at=2026-11-30T00' || chr(58) || '00' || chr(58) || '00Z late=false',
	n.seq, n.prev, encode(sha256(convert_to(n.prev || '13' || chr(58) || 'pledge_events,' || length(n.seq::text) || chr(58) || n.seq::text || ',' ||
		:p || 'DEPOSITED' || now()::text || 'federation' || 'bank_reference=PGB-' || :r, 'UTF8')), 'hex')
FROM (SELECT coalesce(h.chain_seq, 0) + 1 AS seq, coalesce(h.hash, repeat('0', 64)) AS prev
	FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT chain_seq, hash FROM bench.pledge_events ORDER BY chain_seq DESC LIMIT 1) AS h ON true) AS n
RETURNING chain_seq, prev_hash, hash;
WITH n AS (INSERT INTO bench.receipt_counters (year, last) VALUES (2026, 1)
		ON CONFLICT (year) DO UPDATE SET last = bench.receipt_counters.last + 1 RETURNING last)
UPDATE bench.pledges SET state = 'CONFIRMED', bank_reference = 'PGB-' || :r, deposited_amount_fen = 10000, deposited_at = now(),
	confirmed_at = now(), appraised_value_fen = 0, appraisal_notes = '', appraised_at = NULL, approved_at = NULL, late = false,
	receipt_number = lpad(2026::text, 4, '0') || '-' || lpad(n.last::text, greatest(6, length(n.last::text)), '0'),
	refunded_at = NULL, redirected_at = NULL, redirect_application_id = NULL
FROM n WHERE id = ('00000000-0000-0000-0000-' || lpad(:p::text, 12, '0'))::uuid RETURNING n.last, receipt_number;
\endpipeline
COMMIT;
