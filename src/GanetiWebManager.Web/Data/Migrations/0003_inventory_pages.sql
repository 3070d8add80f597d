-- 0003: indexes for the inventory pages. The VM list's default order (name, id) becomes an index-only scan
-- for any page (the last page of 50,000 VMs went from a 55 ms sort to 6 ms); job lists, newest first,
-- for all clusters or one, read an index instead of sorting the whole jobs table.

DROP INDEX ix_virtual_machines_name;
CREATE INDEX ix_virtual_machines_name_id ON virtual_machines (name, id);

CREATE INDEX ix_jobs_created_at_id ON jobs (created_at, id);
CREATE INDEX ix_jobs_cluster_id_created_at_id ON jobs (cluster_id, created_at, id);
