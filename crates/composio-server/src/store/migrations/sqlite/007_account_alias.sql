-- Several accounts per user and toolkit (docs/spec/wire-2026.md §16.5–16.7): the alias a
-- user gives an account (alias_key: its lower-cased comparison key) and the generated word
-- id, each unique per (project, user, toolkit) over every stored account, whatever its
-- status.
ALTER TABLE connected_accounts ADD COLUMN alias TEXT;
ALTER TABLE connected_accounts ADD COLUMN alias_key TEXT;
ALTER TABLE connected_accounts ADD COLUMN word_id TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS connected_accounts_alias
    ON connected_accounts(project_id, user_id, toolkit, alias_key) WHERE alias_key IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS connected_accounts_word_id
    ON connected_accounts(project_id, user_id, toolkit, word_id) WHERE word_id IS NOT NULL;
