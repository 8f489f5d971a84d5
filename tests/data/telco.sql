-- The telecom churn table, loaded from telco_churn.csv (see README.md here); psql runs
-- it from the repository root.
CREATE TABLE telco (
    churn text, female int, senior_citizen int, partner int, dependents int, tenure int,
    phone_service int, multiple_lines text, internet_service text, online_security text,
    online_backup text, device_protection text, tech_support text, streaming_tv text,
    streaming_movies text, contract text, paperless_billing int, payment_method text,
    monthly_charges float8, total_charges numeric
);
\copy telco FROM 'tests/data/telco_churn.csv' WITH (FORMAT csv, HEADER)
