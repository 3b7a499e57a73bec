-- Scenario 1 baseline (issue 13): the bare database doing a vote's write, one statement per transaction: a
-- unique-key insert into a table exactly like reviews.votes (its columns, primary key, unique key on (round,
-- application, voter, day, slot) and every index), without the foreign key to the voters table.
--
-- Expects: the table bench.votes, which the bench harness (gateway/e2e/bench_pgbench_test.go) creates in a
-- scratch schema of the suite's database, away from the services' data:
--   CREATE SCHEMA bench;
--   CREATE TABLE bench.votes (LIKE reviews.votes INCLUDING ALL);  -- LIKE copies no foreign key
--
-- Run (prepared, 16 clients, as `make bench` does):
--   pgbench -n -M prepared -c 16 -j 2 -T 10 -f vote.sql <database>
-- Voters are drawn at random from a billion, so nearly every insert stores a row; a rare repeat does nothing
-- (ON CONFLICT DO NOTHING), as a repeated vote does in the service.
\set voter random(1, 1000000000)
\set app random(1, 3)
INSERT INTO bench.votes (id, round_id, application_id, voter_id, vote_day, slot, cast_at, client_network)
VALUES (gen_random_uuid(), '00000000-0000-0000-0000-00000000b001', ('00000000-0000-0000-0000-' || lpad(:app::text, 12, '0'))::uuid,
	md5(:voter::text)::uuid, current_date, 1, now(), '127.0.0.0/24')
ON CONFLICT DO NOTHING;
