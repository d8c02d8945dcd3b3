-- A random identity for this database, fixed at its first migration. Job and refresh locks in
-- Redis carry it in their keys, so daemons of two different stores sharing one Redis never skip
-- each other's jobs, while replicas of one store still exclude each other.
INSERT INTO store_settings (key, value) VALUES ('database_id', gen_random_uuid()::text) ON CONFLICT (key) DO NOTHING;
