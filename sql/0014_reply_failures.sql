-- Replies the replies state machine could not finish (statemachine/replies.asl.json): the mail
-- could not be read, the classifier stayed unavailable past its retries, the database refused.
--
-- The raw mail is already in the lake (`raw_key`) before any step runs, so a failure loses
-- nothing: the row says what went wrong and where the mail is, and the mail is listed for a rep.
-- - `error` is `<ErrorName>: <reason>`, set only on a reply that has no label (nothing was acted
--   on: a failure never suppresses, stops or pauses anything);
-- - processing the same mail again replaces the failed row in the transaction that records the
--   reply (lambdas/core/replies/act.ts), so a retried mail is one reply.

ALTER TABLE reply ADD COLUMN error text CHECK (error IS NULL OR (length(error) > 0 AND classification IS NULL));
CREATE INDEX reply_failed ON reply (workspace_id, received_at DESC) WHERE error IS NOT NULL;
