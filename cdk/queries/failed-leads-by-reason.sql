-- Leads that failed or were skipped in the last 30 days, by stage and reason. Every lead of every
-- run has a line in the lake (failed and skipped ones included), so this is the whole picture;
-- the reason is cut at its first colon so "FetchTimeout: https://…" groups by the error name.
SELECT status,
       coalesce(failure_stage, '-') AS stage,
       split_part(coalesce(failure_reason, status), ':', 1) AS reason,
       count(*) AS leads,
       min(researched_at) AS first_seen,
       max(researched_at) AS last_seen
FROM research
WHERE dt >= CAST(CAST(current_date - INTERVAL '30' DAY AS DATE) AS VARCHAR)
  AND status <> 'researched'
GROUP BY status, coalesce(failure_stage, '-'), split_part(coalesce(failure_reason, status), ':', 1)
ORDER BY leads DESC
