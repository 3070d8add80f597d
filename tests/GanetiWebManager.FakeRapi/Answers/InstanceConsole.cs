using System.Text.Json.Nodes;
using GanetiWebManager.FakeRapi.Model;

namespace GanetiWebManager.FakeRapi.Answers;

/// <summary>What <c>GET /2/instances/{name}/console</c> describes, per hypervisor (rapi.md §3.7).</summary>
internal static class InstanceConsole
{
    /// <summary>The console description; null where Ganeti 3.0.2 fails (kvm with VNC, see
    /// <see cref="FakeClusterOptions.KvmConsoleReturns500"/>).</summary>
    public static JsonObject? Describe(FakeCluster cluster, FakeInstance instance)
    {
        var hv = cluster.Defaults.EffectiveHvParams(instance.Hypervisor, instance.CustomHvParams);
        var result = new JsonObject { ["instance"] = instance.Name };
        switch (instance.Hypervisor)
        {
            case "fake":
                result["kind"] = "msg";
                result["message"] = "Console not available for fake hypervisor";
                return result;
            case "kvm" when (string?)hv["vnc_bind_address"] is { Length: > 0 } bind && instance.NetworkPort > 5900:
                if (cluster.Options.KvmConsoleReturns500)
                {
                    return null;
                }

                result["kind"] = "vnc";
                result["host"] = bind;
                result["port"] = instance.NetworkPort;
                result["display"] = instance.NetworkPort - 5900;
                return result;
            case "kvm" when (string?)hv["spice_bind"] is { Length: > 0 } spice:
                result["kind"] = "spice";
                result["host"] = spice;
                result["port"] = instance.NetworkPort;
                return result;
            case "kvm" when (bool?)hv["serial_console"] == true:
                result["kind"] = "ssh";
                result["host"] = instance.PrimaryNode;
                result["port"] = 22;
                result["user"] = "root";
                result["command"] = new JsonArray("/usr/lib/ganeti/tools/kvm-console-wrapper", "/usr/bin/socat", instance.Name, $"/var/run/ganeti/kvm-hypervisor/ctrl/{instance.Name}.serial");
                return result;
            case "kvm":
                result["kind"] = "msg";
                result["message"] = $"No serial shell for instance {instance.Name}";
                return result;
            case "xen-hvm":
                result["kind"] = "vnc";
                result["host"] = (string?)hv["vnc_bind_address"] ?? "0.0.0.0";
                result["port"] = instance.NetworkPort;
                result["display"] = instance.NetworkPort - 5900;
                return result;
            default:
                result["kind"] = "ssh";
                result["host"] = instance.PrimaryNode;
                result["port"] = 22;
                result["user"] = "root";
                result["command"] = new JsonArray("/usr/lib/ganeti/tools/xen-console-wrapper", (string?)cluster.Defaults.HvParams[instance.Hypervisor]?["xen_cmd"] ?? "xm", instance.Name);
                return result;
        }
    }
}
