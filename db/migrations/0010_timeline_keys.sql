-- A timeline line's catalog key (schemas/timeline_texts.py) and params (codes, numbers,
-- reference names; no personal data), so pages show it in the reader's language. Rows written
-- before have no key and are shown with their (English) summary.
ALTER TABLE timeline
    ADD COLUMN text_key text,
    ADD COLUMN params jsonb NOT NULL DEFAULT '{}';
