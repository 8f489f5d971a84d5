-- profile_version(): the loaded library's version, matching the installed extension,
-- and the git revision it was built from.
SELECT split_part(profile_version(), ' ', 1) = extversion AS matches_extension
FROM pg_extension WHERE extname = 'pg_persona';

SELECT profile_version() ~ '^[0-9]+\.[0-9]+\.[0-9]+ \(git ([0-9a-f]{12}|unknown)\)$' AS well_formed;
