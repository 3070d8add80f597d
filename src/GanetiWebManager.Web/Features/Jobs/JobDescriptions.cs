using GanetiWebManager.Web.Domain.Jobs;

namespace GanetiWebManager.Web.Features.Jobs;

/// <summary>What a job does, in words a user reads in a list.</summary>
public static class JobDescriptions
{
    private static readonly Dictionary<string, string> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        [JobOperations.InstanceStartup] = "Start",
        [JobOperations.InstanceShutdown] = "Shut down",
        [JobOperations.InstanceReboot] = "Reboot",
        [JobOperations.InstanceReinstall] = "Reinstall",
        [JobOperations.InstanceCreate] = "Create",
        [JobOperations.InstanceTagsAdd] = "Add tags",
        [JobOperations.InstanceTagsRemove] = "Remove tags",

        // --- i5-actions ---
        [JobOperations.InstanceModify] = "Modify",
        [JobOperations.InstanceRename] = "Rename",
        [JobOperations.InstanceRemove] = "Delete",
        [JobOperations.InstanceMigrate] = "Migrate",
        [JobOperations.InstanceFailover] = "Fail over",
        [JobOperations.InstanceReplaceDisks] = "Replace disks",
        [JobOperations.NodeSetRole] = "Change role",
        [JobOperations.NodeMigrate] = "Migrate all primaries",
        [JobOperations.NodeEvacuate] = "Evacuate",
        [JobOperations.ClusterRedistributeConfig] = "Redistribute configuration",
        [JobOperations.ClusterTagsAdd] = "Add cluster tags",
        [JobOperations.ClusterTagsRemove] = "Remove cluster tags",
    };

    /// <summary>
    /// The portal's name for its own operations; for a job started outside the portal, Ganeti's op summaries
    /// (e.g. <c>INSTANCE_STARTUP(web1)</c>) say more than any name we could give it.
    /// </summary>
    public static string Describe(string operation, IReadOnlyList<string> summary) =>
        Known.TryGetValue(operation, out var text) ? text
        : summary.Count > 0 ? string.Join(", ", summary)
        : operation;
}
