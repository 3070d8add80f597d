using Npgsql;

namespace GanetiWebManager.Testing.Inventory;

/// <summary>
/// Fills a portal database with a large, varied inventory in a few set-based statements (50,000 VMs take
/// about a second), for measuring queries at scale. The mix is deterministic: row i always gets the same
/// values, so plans and timings can be compared between runs.
/// </summary>
public static class BulkInventory
{
    public sealed record Seeded(int Clusters, int NodesPerCluster, int Vms, int Users, int Groups);

    /// <summary>
    /// <paramref name="clusters"/> clusters (slugs bulk01...), each with <paramref name="nodesPerCluster"/> nodes;
    /// <paramref name="vms"/> VMs spread over them: ~70 % running, the rest stopped, down or in error, 1 % missing,
    /// 0.5 % pending delete; owned ~60 % by one of <paramref name="users"/> users, ~30 % by one of
    /// <paramref name="groups"/> groups, ~10 % orphans.
    /// </summary>
    public static async Task<Seeded> SeedAsync(string connectionString, int clusters = 10, int nodesPerCluster = 20, int vms = 50_000, int users = 500, int groups = 40)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandTimeout = 300;
        command.CommandText = """
            INSERT INTO clusters (slug, hostname, port, description, rapi_username, created_at, sync_last_success_at,
                console_address_mapping, info_software_version, info_master_node, info_enabled_hypervisors,
                info_enabled_disk_templates, info_tags, info_parameters, info_operating_systems)
            SELECT 'bulk' || lpad(c::text, 2, '0'), 'bulk' || lpad(c::text, 2, '0') || '.cluster.invalid', 5080, '', 'gwm',
                   now(), now(), '', '3.0.2', 'node001.bulk' || lpad(c::text, 2, '0') || '.invalid', '{kvm}', '{plain,drbd}', '{}', '{}', '{debootstrap+default}'
            FROM generate_series(1, @clusters) c;

            INSERT INTO nodes (cluster_id, name, role, offline, drained, master_candidate, master_capable, vm_capable,
                memory_total_mib, memory_free_mib, disk_total_mib, disk_free_mib, cpu_count,
                primary_instance_count, secondary_instance_count, tags)
            SELECT cl.id, 'node' || lpad(n::text, 3, '0') || '.' || cl.slug || '.invalid', CASE WHEN n = 1 THEN 'Master' ELSE 'Regular' END,
                   false, false, n <= 3, true, true, 262144, 131072, 4194304, 2097152, 48, 0, 0, '{}'
            FROM clusters cl CROSS JOIN generate_series(1, @nodes) n
            WHERE cl.slug LIKE 'bulk%';

            INSERT INTO users (id, is_superuser, is_disabled, is_awaiting_approval, created_at, user_name, normalized_user_name, email_confirmed,
                security_stamp, phone_number_confirmed, two_factor_enabled, lockout_enabled, access_failed_count)
            SELECT gen_random_uuid(), false, false, false, now(), 'user' || lpad(u::text, 4, '0'), 'USER' || lpad(u::text, 4, '0'), true,
                   md5(u::text), false, false, true, 0
            FROM generate_series(1, @users) u;

            INSERT INTO groups (slug, name, description, created_at)
            SELECT 'team' || lpad(g::text, 3, '0'), 'Team ' || lpad(g::text, 3, '0'), '', now()
            FROM generate_series(1, @groups) g;

            CREATE TEMP TABLE bulk_clusters AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, slug FROM clusters WHERE slug LIKE 'bulk%';
            CREATE TEMP TABLE bulk_users AS SELECT row_number() OVER (ORDER BY user_name) - 1 AS k, id FROM users WHERE user_name LIKE 'user%';
            CREATE TEMP TABLE bulk_groups AS SELECT row_number() OVER (ORDER BY slug) - 1 AS k, id FROM groups WHERE slug LIKE 'team%';

            INSERT INTO virtual_machines (cluster_id, name, uuid, owner_user_id, owner_group_id, status, oper_state, admin_state,
                os, hypervisor, vcpus, min_memory_mib, max_memory_mib, disk_template, disk_total_mib, primary_node,
                secondary_nodes, network_port, hv_params, be_params, os_params, tags, serial_no, ctime, mtime, notes,
                pending_delete, missing_since, search_text, disks, nics)
            SELECT c.id, v.name, md5(v.i::text), u.id, g.id, v.status, v.status = 'running', v.admin_state,
                   v.os, 'kvm', v.vcpus, v.memory, v.memory, v.template, v.disk, v.pnode,
                   v.snodes, 11000 + v.i, '{}', '{}', '{}', v.tags, 1, 1700000000 + v.i, 1700000000 + v.i, '',
                   v.i % 200 = 7, CASE WHEN v.i % 100 = 3 THEN now() END,
                   lower(concat_ws(' ', v.name, v.os, v.pnode, array_to_string(v.snodes, ' '), v.ip, v.mac, array_to_string(v.tags, ' '))),
                   jsonb_build_array(jsonb_build_object('name', 'disk0', 'size_mib', v.disk)),
                   jsonb_build_array(jsonb_build_object('mac', v.mac, 'ip', v.ip, 'mode', 'bridged', 'link', 'br0'))
            FROM (
                SELECT i,
                       (ARRAY['web','db','mail','build','app','cache','proxy','ci'])[1 + i % 8] || '-' || lpad(i::text, 6, '0') || '.example.org' AS name,
                       CASE WHEN i % 20 < 14 THEN 'running' WHEN i % 20 < 17 THEN 'ADMIN_down' WHEN i % 20 = 17 THEN 'USER_down'
                            WHEN i % 20 = 18 THEN 'ERROR_down' ELSE 'ERROR_nodedown' END AS status,
                       CASE WHEN i % 20 IN (14, 15, 16) THEN 'down' ELSE 'up' END AS admin_state,
                       (ARRAY['debootstrap+default','debootstrap+bookworm','image+ubuntu-24.04','image+alma-9','noop'])[1 + i % 5] AS os,
                       1 + i % 8 AS vcpus,
                       512 * (1 << (i % 5)) AS memory,
                       CASE WHEN i % 3 = 0 THEN 'drbd' ELSE 'plain' END AS template,
                       10240 * (1 + i % 10) AS disk,
                       i % @clusters AS ck,
                       'node' || lpad((1 + (i / @clusters) % @nodes)::text, 3, '0') AS pnode_prefix,
                       'node' || lpad((1 + (i / @clusters + 1) % @nodes)::text, 3, '0') AS snode_prefix,
                       '10.' || (i / 65536) % 256 || '.' || (i / 256) % 256 || '.' || i % 256 AS ip,
                       'aa:00:' || lpad(to_hex((i >> 16) & 255), 2, '0') || ':' || lpad(to_hex((i >> 8) & 255), 2, '0') || ':'
                           || lpad(to_hex(i & 255), 2, '0') || ':01' AS mac,
                       CASE WHEN i % 7 = 0 THEN ARRAY['env:prod'] WHEN i % 7 = 1 THEN ARRAY['env:test', 'backup'] ELSE ARRAY[]::text[] END AS tags,
                       i % 10 AS owner_kind
                FROM generate_series(1, @vms) i
            ) AS raw
            CROSS JOIN LATERAL (SELECT raw.*,
                    raw.pnode_prefix || '.' || (SELECT slug FROM bulk_clusters WHERE k = raw.ck) || '.invalid' AS pnode,
                    CASE WHEN raw.template = 'drbd' THEN ARRAY[raw.snode_prefix || '.' || (SELECT slug FROM bulk_clusters WHERE k = raw.ck) || '.invalid']
                         ELSE ARRAY[]::text[] END AS snodes) AS v
            JOIN bulk_clusters c ON c.k = v.ck
            LEFT JOIN bulk_users u ON v.owner_kind < 6 AND u.k = v.i % @users
            LEFT JOIN bulk_groups g ON v.owner_kind BETWEEN 6 AND 8 AND g.k = v.i % @groups;

            """;
        command.Parameters.AddWithValue("clusters", clusters);
        command.Parameters.AddWithValue("nodes", nodesPerCluster);
        command.Parameters.AddWithValue("vms", vms);
        command.Parameters.AddWithValue("users", users);
        command.Parameters.AddWithValue("groups", groups);
        await command.ExecuteNonQueryAsync();

        // As autovacuum would leave a settled database: statistics for the planner, visibility map for index-only scans.
        await using var vacuum = new NpgsqlCommand("VACUUM ANALYZE clusters, nodes, users, groups, virtual_machines", connection) { CommandTimeout = 300 };
        await vacuum.ExecuteNonQueryAsync();
        return new Seeded(clusters, nodesPerCluster, vms, users, groups);
    }
}
