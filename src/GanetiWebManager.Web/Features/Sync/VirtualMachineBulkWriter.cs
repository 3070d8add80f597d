using System.Text.Json;
using System.Text.Json.Serialization;
using GanetiWebManager.Web.Domain.VirtualMachines;
using Npgsql;
using NpgsqlTypes;

namespace GanetiWebManager.Web.Features.Sync;

/// <summary>
/// Writes mirrored instances in bulk: rows go into a temporary table with binary COPY, then one UPDATE
/// and one INSERT move them into <c>virtual_machines</c>. A first sync of 5,000 instances costs three
/// statements instead of 5,000. Only Ganeti's fields are written; the portal's own (owner, notes,
/// pending delete) are left alone, except the owner of a new row, resolved from its ownership tag.
/// </summary>
public static class VirtualMachineBulkWriter
{
    // Ganeti's fields of virtual_machines, in COPY order. Keep in step with VirtualMachineConfiguration.
    private const string MirroredColumns =
        "name, uuid, status, oper_state, oper_ram_mib, admin_state, os, hypervisor, vcpus, min_memory_mib, max_memory_mib, " +
        "disk_template, disk_total_mib, disks, nics, primary_node, secondary_nodes, network_port, hv_params, be_params, " +
        "os_params, tags, serial_no, ctime, mtime, search_text";

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    /// <summary>
    /// Inserts the rows with id 0 and updates the others, inside the caller's transaction. Each row carries
    /// its existing id (0 for a new instance) and, for new ones, the owner resolved from its tag.
    /// Returns the ids and names of the inserted rows.
    /// </summary>
    public static async Task<IReadOnlyList<(long Id, string Name)>> UpsertAsync(
        NpgsqlConnection connection, int clusterId, IReadOnlyCollection<MirroredRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        await using (var create = new NpgsqlCommand(
            $"CREATE TEMP TABLE vm_sync ON COMMIT DROP AS SELECT id, owner_user_id, owner_group_id, {MirroredColumns} FROM virtual_machines WITH NO DATA",
            connection))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        await using (var import = await connection.BeginBinaryImportAsync(
            $"COPY vm_sync (id, owner_user_id, owner_group_id, {MirroredColumns}) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var row in rows)
            {
                var vm = row.Machine;
                await import.StartRowAsync(ct);
                await import.WriteAsync(row.Id, NpgsqlDbType.Bigint, ct);
                await WriteNullableAsync(import, row.OwnerUserId, NpgsqlDbType.Uuid, ct);
                await WriteNullableAsync(import, row.OwnerGroupId, NpgsqlDbType.Integer, ct);
                await import.WriteAsync(vm.Name, NpgsqlDbType.Varchar, ct);
                await WriteNullableAsync(import, vm.Uuid, NpgsqlDbType.Text, ct);
                await WriteNullableAsync(import, vm.Status, NpgsqlDbType.Varchar, ct);
                await WriteNullableAsync(import, vm.OperState, NpgsqlDbType.Boolean, ct);
                await WriteNullableAsync(import, vm.OperRamMiB, NpgsqlDbType.Bigint, ct);
                await WriteNullableAsync(import, vm.AdminState, NpgsqlDbType.Varchar, ct);
                await WriteNullableAsync(import, vm.Os, NpgsqlDbType.Text, ct);
                await WriteNullableAsync(import, vm.Hypervisor, NpgsqlDbType.Text, ct);
                await WriteNullableAsync(import, vm.Vcpus, NpgsqlDbType.Integer, ct);
                await WriteNullableAsync(import, vm.MinMemoryMiB, NpgsqlDbType.Bigint, ct);
                await WriteNullableAsync(import, vm.MaxMemoryMiB, NpgsqlDbType.Bigint, ct);
                await WriteNullableAsync(import, vm.DiskTemplate, NpgsqlDbType.Text, ct);
                await import.WriteAsync(vm.DiskTotalMiB, NpgsqlDbType.Bigint, ct);
                await import.WriteAsync(DisksJson(vm.Disks), NpgsqlDbType.Jsonb, ct);
                await import.WriteAsync(NicsJson(vm.Nics), NpgsqlDbType.Jsonb, ct);
                await WriteNullableAsync(import, vm.PrimaryNode, NpgsqlDbType.Text, ct);
                await import.WriteAsync(vm.SecondaryNodes.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                await WriteNullableAsync(import, vm.NetworkPort, NpgsqlDbType.Integer, ct);
                await import.WriteAsync(vm.HvParams, NpgsqlDbType.Jsonb, ct);
                await import.WriteAsync(vm.BeParams, NpgsqlDbType.Jsonb, ct);
                await import.WriteAsync(vm.OsParams, NpgsqlDbType.Jsonb, ct);
                await import.WriteAsync(vm.Tags.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                await WriteNullableAsync(import, vm.SerialNo, NpgsqlDbType.Bigint, ct);
                await WriteNullableAsync(import, vm.Ctime, NpgsqlDbType.Double, ct);
                await WriteNullableAsync(import, vm.Mtime, NpgsqlDbType.Double, ct);
                await import.WriteAsync(vm.SearchText, NpgsqlDbType.Text, ct);
            }

            await import.CompleteAsync(ct);
        }

        var assignments = string.Join(", ", MirroredColumns.Split(", ").Select(c => $"{c} = s.{c}"));
        await using (var update = new NpgsqlCommand(
            $"UPDATE virtual_machines v SET {assignments}, missing_since = NULL FROM vm_sync s WHERE s.id <> 0 AND v.id = s.id AND v.cluster_id = $1",
            connection))
        {
            update.Parameters.Add(new NpgsqlParameter { Value = clusterId });
            await update.ExecuteNonQueryAsync(ct);
        }

        var inserted = new List<(long Id, string Name)>();
        await using (var insert = new NpgsqlCommand(
            $"INSERT INTO virtual_machines (cluster_id, owner_user_id, owner_group_id, notes, pending_delete, {MirroredColumns}) " +
            $"SELECT $1, owner_user_id, owner_group_id, '', false, {MirroredColumns} FROM vm_sync WHERE id = 0 RETURNING id, name",
            connection))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = clusterId });
            await using var reader = await insert.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                inserted.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }

        await using (var drop = new NpgsqlCommand("DROP TABLE vm_sync", connection))
        {
            await drop.ExecuteNonQueryAsync(ct);
        }

        return inserted;
    }

    /// <summary>Runtime state of many VMs in one statement.</summary>
    public static async Task UpdateRuntimeAsync(NpgsqlConnection connection, IReadOnlyCollection<(long Id, InstanceRuntime State)> changes, CancellationToken ct)
    {
        if (changes.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand(
            """
            UPDATE virtual_machines v SET status = s.status, oper_state = s.oper_state, oper_ram_mib = s.oper_ram
            FROM unnest($1::bigint[], $2::varchar[], $3::boolean[], $4::bigint[]) AS s(id, status, oper_state, oper_ram)
            WHERE v.id = s.id
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = changes.Select(c => c.Id).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = changes.Select(c => c.State.Status).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = changes.Select(c => c.State.OperState).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = changes.Select(c => c.State.OperRamMiB).ToArray() });
        await command.ExecuteNonQueryAsync(ct);
    }

    // The same JSON the EF model maps (snake_case keys, see SnakeCaseNaming); a test reads these back through EF.
    internal static string DisksJson(IEnumerable<VmDisk> disks) =>
        JsonSerializer.Serialize(disks.Select(d => new DiskJson(d.SizeMiB, d.Name, d.Uuid, d.Spindles)), Json);

    internal static string NicsJson(IEnumerable<VmNic> nics) =>
        JsonSerializer.Serialize(nics.Select(n => new NicJson(n.Mac, n.Ip, n.Mode, n.Link, n.Network, n.Name, n.Uuid)), Json);

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter import, T? value, NpgsqlDbType type, CancellationToken ct)
        where T : struct =>
        value is { } v ? import.WriteAsync(v, type, ct) : import.WriteNullAsync(ct);

    private static Task WriteNullableAsync(NpgsqlBinaryImporter import, string? value, NpgsqlDbType type, CancellationToken ct) =>
        value is not null ? import.WriteAsync(value, type, ct) : import.WriteNullAsync(ct);

    private sealed record DiskJson(
        [property: JsonPropertyName("size_mib")] long SizeMiB,
        [property: JsonPropertyName("name")] string? Name,
        [property: JsonPropertyName("uuid")] string? Uuid,
        [property: JsonPropertyName("spindles")] int? Spindles);

    private sealed record NicJson(
        [property: JsonPropertyName("mac")] string? Mac,
        [property: JsonPropertyName("ip")] string? Ip,
        [property: JsonPropertyName("mode")] string? Mode,
        [property: JsonPropertyName("link")] string? Link,
        [property: JsonPropertyName("network")] string? Network,
        [property: JsonPropertyName("name")] string? Name,
        [property: JsonPropertyName("uuid")] string? Uuid);
}

/// <summary>A row for <see cref="VirtualMachineBulkWriter.UpsertAsync"/>: id 0 inserts.</summary>
public sealed record MirroredRow(long Id, VirtualMachine Machine, Guid? OwnerUserId = null, int? OwnerGroupId = null);
