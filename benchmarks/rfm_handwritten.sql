-- The rfm command's definitions as one hand-written DuckDB query: the benchmark's peer.
-- Same filters (guests, credit notes, non-positive lines, identical lines), same netting of
-- credit notes (by invoice, then by customer, product and quantity), same Recency /
-- Frequency / MonetaryValue / holdout / CustomerValue / scores / segments, written to CSV.
-- Placeholders: {path}, {as_of}, {window_start}, {holdout_end}, {margin}, {out}.
COPY (
WITH lines AS (
    SELECT DISTINCT * FROM read_csv('{path}', header = true, timestampformat = '%m/%d/%Y %H:%M',
        columns = {{'InvoiceNo': 'VARCHAR', 'StockCode': 'VARCHAR', 'Description': 'VARCHAR',
                    'Quantity': 'DOUBLE', 'InvoiceDate': 'TIMESTAMP', 'UnitPrice': 'DOUBLE',
                    'CustomerID': 'VARCHAR', 'Country': 'VARCHAR'}})
),
member AS (
    SELECT CustomerID AS customer, InvoiceNo AS inv, coalesce(StockCode, '') AS product, Quantity AS q,
           UnitPrice AS p, CAST(InvoiceDate AS DATE) AS day
    FROM lines WHERE CustomerID IS NOT NULL
),
kept AS (SELECT * FROM member WHERE NOT starts_with(inv, 'C') AND q > 0 AND p > 0),
cancels AS (
    SELECT customer, inv, product, abs(q) AS size, day, sum(CAST(round(abs(q * p * 100)) AS BIGINT)) AS cents
    FROM member WHERE starts_with(inv, 'C') GROUP BY ALL
),
by_invoice AS (
    SELECT c.*, k.inv AS target, k.day AS target_day
    FROM cancels c JOIN (SELECT customer, inv, product, min(day) AS day FROM kept GROUP BY ALL) k
      ON c.customer = k.customer AND substr(c.inv, 2) = k.inv AND c.product = k.product
),
by_match AS (
    SELECT c.*, k.inv AS target, k.day AS target_day
    FROM (SELECT * FROM cancels ANTI JOIN by_invoice USING (customer, inv, product, size, day)) c
    JOIN (SELECT DISTINCT customer, inv, product, q AS size, day FROM kept) k
      ON c.customer = k.customer AND c.product = k.product AND c.size = k.size AND k.day <= c.day
    QUALIFY row_number() OVER (PARTITION BY c.customer, c.inv, c.product, c.size, c.day
                               ORDER BY k.day DESC, k.inv DESC) = 1
),
netted AS (
    SELECT customer, inv, day, CAST(round(q * p * 100) AS BIGINT) AS cents FROM kept
    UNION ALL SELECT customer, target, target_day, -cents FROM by_invoice
    UNION ALL SELECT customer, target, target_day, -cents FROM by_match
),
orders AS (
    SELECT customer, inv, min(day) AS day, sum(cents) AS cents FROM netted GROUP BY ALL HAVING sum(cents) > 0
),
history AS (
    SELECT customer, max(day) AS last_day,
           count(*) FILTER (WHERE day > DATE '{window_start}') AS frequency,
           coalesce(sum(cents) FILTER (WHERE day > DATE '{window_start}'), 0) AS window_cents
    FROM orders WHERE day <= DATE '{as_of}' GROUP BY customer
),
holdout AS (
    SELECT customer, sum(cents) AS holdout_cents FROM orders
    WHERE day > DATE '{as_of}' AND day <= DATE '{holdout_end}' GROUP BY customer
),
valued AS (
    SELECT h.customer AS CustomerID, DATE '{as_of}' - h.last_day AS Recency, h.frequency AS Frequency,
           CASE WHEN h.frequency > 0 THEN round(h.window_cents / h.frequency) ELSE 0 END / 100 AS MonetaryValue,
           h.window_cents / 100 AS Revenue12m, coalesce(o.holdout_cents, 0) / 100 AS HoldoutRevenue,
           round(h.window_cents * {margin} + coalesce(o.holdout_cents, 0)) / 100 AS CustomerValue
    FROM history h LEFT JOIN holdout o USING (customer)
),
scored AS (
    SELECT *,
           CAST(floor(5 * (rank() OVER (ORDER BY Recency DESC) - 1) / count(*) OVER ()) AS BIGINT) + 1 AS R_score,
           CAST(floor(5 * (rank() OVER (ORDER BY Frequency) - 1) / count(*) OVER ()) AS BIGINT) + 1 AS F_score,
           CAST(floor(5 * (rank() OVER (ORDER BY MonetaryValue) - 1) / count(*) OVER ()) AS BIGINT) + 1 AS M_score
    FROM valued
),
segmented AS (
    SELECT *, CASE
        WHEN R_score = 5 AND F_score >= 4 THEN 'Champions'
        WHEN R_score IN (3, 4) AND F_score >= 4 THEN 'Loyal'
        WHEN R_score >= 4 AND F_score IN (2, 3) THEN 'Potential Loyalists'
        WHEN R_score = 5 AND F_score = 1 THEN 'New'
        WHEN R_score = 4 AND F_score = 1 THEN 'Promising'
        WHEN R_score = 3 AND F_score = 3 THEN 'Need Attention'
        WHEN R_score = 3 AND F_score <= 2 THEN 'About to Sleep'
        WHEN R_score <= 2 AND F_score IN (3, 4) THEN 'At Risk'
        WHEN R_score <= 2 AND F_score = 5 THEN 'Can''t Lose Them'
        ELSE 'Hibernating' END AS RFMSegment
    FROM scored
)
SELECT CustomerID, printf('%.2f', CustomerValue) AS CustomerValue, Recency, Frequency,
       printf('%.2f', MonetaryValue) AS MonetaryValue,
       CASE WHEN RFMSegment IN ('Champions', 'Loyal') THEN 'High Value'
            WHEN RFMSegment IN ('At Risk', 'Can''t Lose Them') THEN 'At Risk'
            WHEN RFMSegment IN ('About to Sleep', 'Hibernating') THEN 'Low Value'
            ELSE 'Medium Value' END AS Segment,
       R_score, F_score, M_score, RFMSegment, printf('%.2f', Revenue12m) AS Revenue12m,
       printf('%.2f', HoldoutRevenue) AS HoldoutRevenue
FROM segmented ORDER BY CustomerID
) TO '{out}' (HEADER, QUOTE '');
