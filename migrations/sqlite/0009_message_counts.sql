-- Messages per day of receipt and outcome (screened, duplicate,
-- out_of_scope, too_old, rejected): counts only, no personal data, kept
-- beyond the retention so operators see what was refused and why.
CREATE TABLE message_counts (
    day TEXT NOT NULL,
    outcome TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, outcome)
);
