using System.Text.Json;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Clusters;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Console;

/// <summary>
/// Where the relay connects for a VM's console. Source is "rapi" when Ganeti's console endpoint named it,
/// "mirror" when it was derived from the VM's network_port and vnc_bind_address (Ganeti 3.0.2 answers 500
/// for kvm VNC consoles).
/// </summary>
public sealed record ConsoleTarget(int ClusterId, string Host, int Port, string? NodeName, string Source)
{
    public override string ToString() => $"{Host}:{Port}";
}

/// <summary>A target, or why there is none (a message for the user).</summary>
public sealed record ConsoleTargetResult(ConsoleTarget? Target, string? Problem)
{
    public static ConsoleTargetResult Fail(string problem) => new(null, problem);
}

/// <summary>
/// Finds a VM's VNC endpoint: Ganeti's <c>/2/instances/X/console</c> first; when that fails (500 on kvm with
/// Ganeti 3.0.2 and 3.1.1, or the RAPI is unreachable), the VM's mirrored <c>network_port</c> and
/// <c>vnc_bind_address</c>, where 0.0.0.0 / :: mean the primary node's address. Either way the cluster's
/// console address mapping has the last word on the host, because it says how the portal reaches a node.
/// </summary>
public sealed partial class ConsoleTargetResolver(
    IDbContextFactory<AppDbContext> contextFactory,
    ClusterConnector connector,
    ILogger<ConsoleTargetResolver> logger)
{
    private static readonly TimeSpan RapiTimeout = TimeSpan.FromSeconds(5);

    public async Task<ConsoleTargetResult> ResolveAsync(long vmId, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var vm = await db.VirtualMachines.AsNoTracking().Where(v => v.Id == vmId)
            .Select(v => new { v.Name, v.ClusterId, v.Status, v.NetworkPort, v.HvParams, v.PrimaryNode, v.Hypervisor })
            .SingleOrDefaultAsync(ct);
        if (vm is null)
        {
            return ConsoleTargetResult.Fail("This virtual machine is no longer known to the portal.");
        }

        if (!IsRunning(vm.Status))
        {
            return ConsoleTargetResult.Fail("The virtual machine is not running, so it has no console. Start it first.");
        }

        var cluster = await db.Clusters.AsNoTracking().SingleAsync(c => c.Id == vm.ClusterId, ct);
        var nodeAddress = vm.PrimaryNode is null ? null : await db.Nodes.AsNoTracking()
            .Where(n => n.ClusterId == cluster.Id && n.Name == vm.PrimaryNode)
            .Select(n => n.PrimaryIp)
            .SingleOrDefaultAsync(ct);

        string? host = null;
        int? port = null;
        var source = "rapi";
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(RapiTimeout);
            var info = await connector.GetClient(cluster).GetInstanceConsoleAsync(vm.Name, timeout.Token);
            switch (info.Kind)
            {
                case ConsoleKind.Vnc:
                    host = info.Host;
                    port = info.Port;
                    break;
                case ConsoleKind.Message:
                    return ConsoleTargetResult.Fail($"Ganeti has no console for this VM: {info.Message}");
                default:
                    return ConsoleTargetResult.Fail(
                        $"This VM's console is of kind \"{info.KindName}\", not VNC; the portal shows VNC consoles only.");
            }
        }
        catch (RapiConsoleUnavailableException)
        {
            return ConsoleTargetResult.Fail("Ganeti says the VM's console is unavailable: it is not running (the portal's view may be a few seconds old).");
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is not OutOfMemoryException)
        {
            // Expected on Ganeti 3.0.2/3.1.1 with kvm (500), and when the RAPI is down or its settings are unusable
            // (e.g. a password the key ring can no longer decrypt): the mirror knows enough.
            LogRapiConsoleFailed(logger, e, vm.Name, cluster.Slug);
        }

        if (port is null)
        {
            source = "mirror";
            port = vm.NetworkPort;
            host = BindAddress(vm.HvParams);
            if (port is null or <= 0 || string.IsNullOrEmpty(host))
            {
                return ConsoleTargetResult.Fail(
                    "Ganeti reports no VNC port for this VM (its hypervisor parameters set no vnc_bind_address), so it has no graphical console.");
            }
        }

        if (host is "0.0.0.0" or "::" or null or "")
        {
            host = nodeAddress;
        }

        var mapped = vm.PrimaryNode is null ? null : ConsoleAddressMapping.Parse(cluster.ConsoleAddressMapping, out _).Resolve(vm.PrimaryNode);
        host = mapped ?? host;
        if (string.IsNullOrEmpty(host))
        {
            return ConsoleTargetResult.Fail(
                "The portal does not know the address of the VM's primary node. An administrator can give one in the cluster's console address mapping.");
        }

        return new ConsoleTargetResult(new ConsoleTarget(cluster.Id, host, port!.Value, vm.PrimaryNode, source), null);
    }

    /// <summary>Running as far as a console is concerned: the mirror says a qemu/xen process is up.</summary>
    public static bool IsRunning(string? status) => status is VmStates.Running or VmStates.ErrorUp;

    private static string? BindAddress(string hvParams)
    {
        try
        {
            using var document = JsonDocument.Parse(hvParams);
            return document.RootElement.ValueKind == JsonValueKind.Object
                   && document.RootElement.TryGetProperty("vnc_bind_address", out var value)
                   && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The console endpoint of {Vm} on {Cluster} failed; using its network_port and vnc_bind_address")]
    private static partial void LogRapiConsoleFailed(ILogger logger, Exception exception, string vm, string cluster);
}
