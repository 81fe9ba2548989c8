-- A flush's minute blocks are "open" (tagged with the writing process)
-- until that minute is over: the writer then merges its blocks of the
-- minute into one and clears the tag, and merges them earlier when a busy
-- minute piles up (server/src/store/buckets/mod.rs, `compact_open`).
ALTER TABLE blocks ADD COLUMN writer BIGINT;
CREATE INDEX blocks_open ON blocks (writer, family, bucket_start) WHERE writer IS NOT NULL;
