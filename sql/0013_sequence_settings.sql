-- Sequence settings per ICP: the touches drafted for a lead, in order, each with its kind and
-- its day (business days from the first email), as the onboarding file gives them.
--
-- Stored as a JSON array of {kind, day} beside the ICP's other drafting settings (fit threshold,
-- autopilot, generic drafts): it is read and written whole, with the ICP, and never queried by
-- step. The default is the sequence every ICP had before this setting existed. The checks hold
-- what the drafting and the `sequence_step` table rely on: at least one and at most six steps,
-- the first an email on day 0. The onboarding schema checks the rest (known kinds, days in order)
-- and names the field in its errors.
ALTER TABLE icp ADD COLUMN sequence_steps jsonb NOT NULL DEFAULT
  '[{"kind": "email", "day": 0}, {"kind": "linkedin_connection_note", "day": 1},
    {"kind": "follow_up_email", "day": 3}, {"kind": "follow_up_email", "day": 8}]'::jsonb;

ALTER TABLE icp ADD CONSTRAINT icp_sequence_steps_shape CHECK (
  jsonb_typeof(sequence_steps) = 'array'
  AND jsonb_array_length(sequence_steps) BETWEEN 1 AND 6
  AND sequence_steps -> 0 ->> 'kind' = 'email'
  AND (sequence_steps -> 0 ->> 'day') = '0'
);
