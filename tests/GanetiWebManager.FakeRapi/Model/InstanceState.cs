namespace GanetiWebManager.FakeRapi.Model;

/// <summary>Values Ganeti computes live from the nodes (RAPI's status, oper_* and node live fields).</summary>
internal static class InstanceState
{
    /// <summary>How the primary node answers: normally, offline (never asked), or down (RPC fails).</summary>
    public enum NodeHealth
    {
        Ok,
        Offline,
        Down,
    }

    public static NodeHealth PrimaryHealth(FakeCluster cluster, FakeInstance instance)
    {
        var node = cluster.FindNode(instance.PrimaryNode);
        return node is null || node.Down ? NodeHealth.Down : node.Offline ? NodeHealth.Offline : NodeHealth.Ok;
    }

    public static string Status(FakeCluster cluster, FakeInstance instance) => PrimaryHealth(cluster, instance) switch
    {
        NodeHealth.Offline => "ERROR_nodeoffline",
        NodeHealth.Down => "ERROR_nodedown",
        _ when instance.AdminState == "offline" => "ADMIN_offline",
        _ when instance.Running => instance.AdminState == "up" ? "running" : "ERROR_up",
        _ => instance.AdminState == "up" ? "ERROR_down" : "ADMIN_down",
    };

    /// <summary>Whether the hypervisor reports it running; null when the primary node cannot be asked.</summary>
    public static bool? OperState(FakeCluster cluster, FakeInstance instance) =>
        PrimaryHealth(cluster, instance) == NodeHealth.Ok ? instance.Running : null;

    public static long? OperRam(FakeCluster cluster, FakeInstance instance) =>
        OperState(cluster, instance) == true ? MaxMem(cluster, instance) : null;

    public static long? OperVcpus(FakeCluster cluster, FakeInstance instance) =>
        OperState(cluster, instance) == true ? BeParam(cluster, instance, "vcpus") : null;

    public static long MaxMem(FakeCluster cluster, FakeInstance instance) => BeParam(cluster, instance, "maxmem");

    /// <summary>One effective backend parameter, without building the whole merged dictionary.</summary>
    public static long BeParam(FakeCluster cluster, FakeInstance instance, string key) =>
        instance.CustomBeParams.GetInt64(key) ?? Jobs.Units.Long(cluster.Defaults.BeParams[key]) ?? 0;

    /// <summary>MiB the disks take on the nodes: DRBD adds 128 MiB of metadata per disk and stores twice.</summary>
    public static long DiskUsage(FakeInstance instance) => instance.DiskTemplate switch
    {
        "diskless" => 0,
        "drbd" => instance.Disks.Sum(d => d.Size + 128),
        _ => instance.Disks.Sum(d => d.Size),
    };

    public static bool HasDiskOn(FakeInstance instance, string node) =>
        instance.DiskTemplate != "diskless" && (instance.PrimaryNode == node || instance.SecondaryNodes.Contains(node))
        && instance.DiskTemplate is not ("sharedfile" or "rbd" or "ext" or "gluster");
}
