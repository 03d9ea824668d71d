-- Reads by lead. The leads list takes each lead's latest run from `run_lead`, whose key starts
-- with the run; a lead's page lists its sequences and its latest drafting outcome; a reply's
-- effects find the lead's last sequence. `run_lead` and `lead_draft` had no index by lead, and
-- `sequence` one for open sequences only (sequence_one_open_per_lead), so each of these read
-- the whole table, once a lead on the list.
CREATE INDEX run_lead_lead ON run_lead (lead_id);
CREATE INDEX sequence_lead ON sequence (lead_id, created_at DESC);
CREATE INDEX lead_draft_lead ON lead_draft (lead_id);
