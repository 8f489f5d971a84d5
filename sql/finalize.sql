-- Runs last in the extension script, after every function exists.

-- Training and deploying change what everyone's queries score with, so they are for the
-- roles a DBA chooses: GRANT EXECUTE ON FUNCTION profile_train(...) TO analyst.
-- Scoring and evaluating stay executable by PUBLIC: they read only what the caller may.
REVOKE EXECUTE ON FUNCTION
    profile_train(text, regclass, text, text, text[], text[], jsonb),
    profile_retrain(text),
    profile_deploy(text, integer),
    profile_rollback(text),
    profile_drop(text)
FROM PUBLIC;
