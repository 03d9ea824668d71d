-- A queued message that can never be composed as it stands (a first email without a subject, a
-- body that is empty once its citation markers are removed, an address that is not one) is
-- `parked`: set aside with the reason a rep reads in `prospector outbox`, never claimed again by
-- itself, instead of being claimed, failing and going back to the queue on every execution.
-- A parked row always carries its reason; only waiting and parked rows carry one.

ALTER TABLE scheduled_message DROP CONSTRAINT scheduled_message_status_check;
ALTER TABLE scheduled_message ADD CONSTRAINT scheduled_message_status_check
  CHECK (status IN ('scheduled', 'claimed', 'parked', 'done', 'cancelled'));

-- was: CHECK (status = 'scheduled' OR deferred_reason IS NULL), named by PostgreSQL as the
-- table's fourth unnamed check (0008_sending.sql)
ALTER TABLE scheduled_message DROP CONSTRAINT scheduled_message_check3;
ALTER TABLE scheduled_message ADD CONSTRAINT scheduled_message_reason_only_waiting
  CHECK (status IN ('scheduled', 'parked') OR deferred_reason IS NULL);
ALTER TABLE scheduled_message ADD CONSTRAINT scheduled_message_parked_has_reason
  CHECK (status <> 'parked' OR deferred_reason IS NOT NULL);

CREATE INDEX scheduled_message_parked ON scheduled_message (workspace_id, updated_at DESC) WHERE status = 'parked';
