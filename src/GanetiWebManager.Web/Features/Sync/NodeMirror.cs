using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Web.Domain.Clusters;
using RapiNodeRole = GanetiWebManager.Rapi.Models.NodeRole;

namespace GanetiWebManager.Web.Features.Sync;

/// <summary>Copies what Ganeti says about a node onto the portal's row; reports whether anything changed.</summary>
public static class NodeMirror
{
    public static bool Apply(Node node, NodeInfo info, IReadOnlyDictionary<string, string> groupNames)
    {
        var before = Snapshot(node);
        node.Name = info.Name.ToLowerInvariant();
        node.Uuid = info.Uuid;
        node.Role = info.Role switch
        {
            RapiNodeRole.Master => Domain.Clusters.NodeRole.Master,
            RapiNodeRole.MasterCandidate => Domain.Clusters.NodeRole.Candidate,
            RapiNodeRole.Drained => Domain.Clusters.NodeRole.Drained,
            RapiNodeRole.Offline => Domain.Clusters.NodeRole.Offline,
            _ => Domain.Clusters.NodeRole.Regular,
        };
        node.Offline = info.Offline ?? false;
        node.Drained = info.Drained ?? false;
        node.MasterCandidate = info.MasterCandidate ?? false;
        node.MasterCapable = info.MasterCapable ?? false;
        node.VmCapable = info.VmCapable ?? false;
        node.GroupUuid = info.GroupUuid;
        node.GroupName = info.GroupUuid is not null && groupNames.TryGetValue(info.GroupUuid, out var group) ? group : node.GroupName;
        node.PrimaryIp = info.PrimaryIp;
        node.SecondaryIp = info.SecondaryIp;
        node.MemoryTotalMiB = info.MemoryTotal;
        node.MemoryFreeMiB = info.MemoryFree;
        node.MemoryNodeMiB = info.MemoryNode;
        node.DiskTotalMiB = info.DiskTotal;
        node.DiskFreeMiB = info.DiskFree;
        node.CpuCount = info.CpuTotal;
        node.CpuNodeCount = info.CpuNodeOs;
        node.Sockets = info.CpuSockets;
        node.PrimaryInstanceCount = info.PrimaryInstanceCount ?? info.PrimaryInstances.Count;
        node.SecondaryInstanceCount = info.SecondaryInstanceCount ?? info.SecondaryInstances.Count;
        node.Tags = [.. info.Tags];
        node.SerialNo = info.SerialNo;
        node.Mtime = info.MTime;
        node.MissingSince = null;
        return before != Snapshot(node);
    }

    /// <summary>Everything a node listing says that the mirror keeps: equal signatures, nothing to write.</summary>
    public static string Signature(IReadOnlyList<NodeInfo> nodes, IReadOnlyDictionary<string, string> groupNames) =>
        string.Join('\u001e', nodes.Select(n => string.Join('\u001f',
            n.Name, n.Uuid, n.RoleCode, n.Offline, n.Drained, n.MasterCandidate, n.MasterCapable, n.VmCapable, n.GroupUuid,
            n.GroupUuid is not null && groupNames.TryGetValue(n.GroupUuid, out var group) ? group : null,
            n.PrimaryIp, n.SecondaryIp, n.MemoryTotal, n.MemoryFree, n.MemoryNode, n.DiskTotal, n.DiskFree, n.CpuTotal, n.CpuNodeOs,
            n.CpuSockets, n.PrimaryInstanceCount ?? n.PrimaryInstances.Count, n.SecondaryInstanceCount ?? n.SecondaryInstances.Count,
            string.Join(',', n.Tags), n.SerialNo, n.MTime)));

    // Every mirrored value, as one comparable string: cheaper to reason about than a field-by-field compare.
    private static string Snapshot(Node n) => string.Join('\u001f',
        n.Name, n.Uuid, n.Role, n.Offline, n.Drained, n.MasterCandidate, n.MasterCapable, n.VmCapable, n.GroupUuid, n.GroupName,
        n.PrimaryIp, n.SecondaryIp, n.MemoryTotalMiB, n.MemoryFreeMiB, n.MemoryNodeMiB, n.DiskTotalMiB, n.DiskFreeMiB,
        n.CpuCount, n.CpuNodeCount, n.Sockets, n.PrimaryInstanceCount, n.SecondaryInstanceCount, string.Join(',', n.Tags),
        n.SerialNo, n.Mtime, n.MissingSince);
}
