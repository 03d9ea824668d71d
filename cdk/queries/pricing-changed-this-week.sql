-- Companies whose pricing changed in the last 7 days: a price, or a plan or tier added or
-- removed, with the price before and after, both quotes and the lake keys of both stored texts.
-- Over the `signals` table (one line per detected change and ICP, partitioned by the run's day):
-- the same change is listed once.
WITH pricing AS (
  SELECT company_name, domain, plan, price_before, price_after, summary, before_quote, after_quote, url, observed_at,
         before_key, after_key, run_id,
         row_number() OVER (PARTITION BY domain, signal_key ORDER BY detected_at DESC) AS rn
  FROM signals
  WHERE dt >= CAST(CAST(current_date - INTERVAL '7' DAY AS DATE) AS VARCHAR)
    AND kind = 'pricing_changed'
)
SELECT company_name, domain, plan, price_before, price_after, summary, before_quote, after_quote, url, observed_at,
       before_key, after_key, run_id
FROM pricing
WHERE rn = 1
ORDER BY observed_at DESC, domain, summary
