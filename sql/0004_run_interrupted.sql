-- A run stopped on purpose (Ctrl-C, SIGTERM) or by its process dying is `interrupted`, not
-- `failed`: nothing went wrong with its leads, and `redrive` finishes what it left.

ALTER TABLE run DROP CONSTRAINT run_status_check;
ALTER TABLE run ADD CONSTRAINT run_status_check CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted'));
