-- 0005: a version number of the set of owner names (user names, group slugs). Triggers bump it whenever a
-- user or group is added, removed or renamed; the sync compares it with the last value it saw to decide
-- whether orphans must be checked against their ownership tags again (one row read per pass).

CREATE TABLE owner_directory_version (
    id integer NOT NULL,
    version bigint NOT NULL,
    CONSTRAINT pk_owner_directory_version PRIMARY KEY (id)
);

INSERT INTO owner_directory_version (id, version) VALUES (1, 0);

CREATE FUNCTION bump_owner_directory_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE owner_directory_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_added_or_removed_bump_owner_directory_version
    AFTER INSERT OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION bump_owner_directory_version();

-- Identity rewrites every column of a user on any change: only a real change of the name counts.
CREATE TRIGGER users_renamed_bump_owner_directory_version
    AFTER UPDATE OF normalized_user_name ON users
    FOR EACH ROW WHEN (OLD.normalized_user_name IS DISTINCT FROM NEW.normalized_user_name)
    EXECUTE FUNCTION bump_owner_directory_version();

CREATE TRIGGER groups_added_or_removed_bump_owner_directory_version
    AFTER INSERT OR DELETE ON groups
    FOR EACH STATEMENT EXECUTE FUNCTION bump_owner_directory_version();

CREATE TRIGGER groups_renamed_bump_owner_directory_version
    AFTER UPDATE OF slug ON groups
    FOR EACH ROW WHEN (OLD.slug IS DISTINCT FROM NEW.slug)
    EXECUTE FUNCTION bump_owner_directory_version();
