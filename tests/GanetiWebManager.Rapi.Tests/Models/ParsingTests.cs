using System.Diagnostics;
using System.Text;
using System.Text.Json;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Serialization;
using GanetiWebManager.Rapi.Tests.TestSupport;

namespace GanetiWebManager.Rapi.Tests.Models;

public sealed class ParsingTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void InstanceInfo_BulkFixture_ParsesEveryField()
    {
        var instances = JsonSerializer.Deserialize(Fixture.Read("instances-bulk.json"), RapiJsonContext.Default.IReadOnlyListInstanceInfo)!;

        var web1 = instances[0];
        web1.Name.ShouldBe("web1");
        web1.AdminState.ShouldBe("up");
        web1.Status.ShouldBe("running");
        web1.PrimaryNode.ShouldBe("node1.ganeti.test");
        web1.DiskSizes.ShouldBe([2048L]);
        web1.DiskSpindles.ShouldBe([(int?)null]);
        web1.NicIps.ShouldBe([(string?)null]);
        web1.NicMacs.ShouldBe(["aa:00:00:6f:fe:34"]);
        web1.NicNetworkNames.ShouldBe([(string?)null]);
        web1.BeParams.GetInt64("memory").ShouldBe(512);
        web1.CustomBeParams.Count.ShouldBe(3);
        web1.OperRam.ShouldBe(512);
        web1.SerialNo.ShouldBe(3);
        web1.NetworkPort.ShouldBeNull();
        web1.CustomNicParams.Single().Count.ShouldBe(0);
        web1.Tags.ShouldBe(["gwm:owner:user:alice"]);
        web1.CreatedAt!.Value.ShouldBe(DateTimeOffset.FromUnixTimeMilliseconds(1795235265370), TimeSpan.FromMicroseconds(1));

        var kvm = instances[1];
        kvm.Status.ShouldBe("ERROR_nodedown");
        kvm.OperState.ShouldBeNull();
        kvm.OperRam.ShouldBeNull();
        kvm.SecondaryNodes.ShouldBe(["node4"]);
        kvm.NetworkPort.ShouldBe(11000);
        kvm.HvParams.GetString("vnc_bind_address").ShouldBe("0.0.0.0");
        kvm.HvParams.GetBoolean("acpi").ShouldBe(false);
        kvm.CustomOsParams.GetString("fail").ShouldBe("false");
        kvm.AdditionalProperties!["future_key"].GetProperty("added").GetString().ShouldBe("in a later Ganeti");
    }

    [Fact]
    public void InstanceInfo_MinimalObject_HasEmptyDefaults()
    {
        var instance = JsonSerializer.Deserialize("""{"name": "x", "snodes": null, "hvparams": null, "tags": null}""", RapiJsonContext.Default.InstanceInfo)!;

        instance.SecondaryNodes.ShouldBeEmpty();
        instance.HvParams.Count.ShouldBe(0);
        instance.Tags.ShouldBeEmpty();
        instance.DiskSizes.ShouldBeEmpty();
        instance.CTime.ShouldBeNull();
    }

    [Theory]
    [InlineData("console-vnc-string-display.json", ConsoleKind.Vnc)]
    [InlineData("console-ssh.json", ConsoleKind.Ssh)]
    [InlineData("console-msg.json", ConsoleKind.Message)]
    public void ConsoleInfo_Kinds_Parse(string fixture, ConsoleKind kind)
    {
        var console = JsonSerializer.Deserialize(Fixture.Read(fixture), RapiJsonContext.Default.ConsoleInfo)!;

        console.Kind.ShouldBe(kind);
        switch (kind)
        {
            case ConsoleKind.Vnc:
                console.Display.ShouldBe(5119);
                console.Port.ShouldBe(11019);
                break;
            case ConsoleKind.Ssh:
                console.User.ShouldBe("root");
                console.Command.ShouldBe(["/usr/sbin/xl", "console", "xen1"]);
                break;
            default:
                console.Message.ShouldBe("Console not available for fake hypervisor");
                break;
        }
    }

    [Fact]
    public void JobLogEntry_StructuredMessage_KeepsJson()
    {
        var change = JsonSerializer.Deserialize(
            """{"job_info": ["running"], "log_entries": [[7, [1795235266, 5], "message-list", ["a", "b"]]]}""",
            RapiJsonContext.Default.JobChange)!;

        change.LogEntries.Single().ShouldBe(new JobLogEntry(7, DateTimeOffset.FromUnixTimeSeconds(1795235266).AddTicks(50), "message-list", """["a", "b"]"""));
    }

    [Fact]
    public void JobInfo_UnknownStatus_MapsToUnknown()
    {
        var job = JsonSerializer.Deserialize("""{"id": 1, "status": "frobnicating", "opstatus": ["frobnicating", null]}""", RapiJsonContext.Default.JobInfo)!;

        job.Status.ShouldBe(JobStatus.Unknown);
        job.OpStatus.ShouldBe([JobStatus.Unknown, JobStatus.Unknown]);
        job.IsFinalized.ShouldBeFalse();
    }

    [Fact]
    public void RapiTime_EpochSeconds_KeepsMicroseconds()
    {
        RapiTime.FromEpochSeconds(1327334413.084552)!.Value.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(1327334413).AddTicks(845520), TimeSpan.FromMicroseconds(1));
        RapiTime.FromEpochSeconds(null).ShouldBeNull();
        RapiTime.FromSecondsAndMicroseconds(1714000001, 123456).ShouldBe(DateTimeOffset.FromUnixTimeSeconds(1714000001).AddTicks(1234560));
    }

    [Fact]
    public async Task InstanceInfo_FiveThousandKvmInstances_ParseQuickly()
    {
        var json = BuildBulkInstances(5000);
        JsonSerializer.Deserialize(json, RapiJsonContext.Default.IReadOnlyListInstanceInfo); // warm-up

        var watch = Stopwatch.StartNew();
        using var stream = new MemoryStream(json);
        var instances = (await JsonSerializer.DeserializeAsync(stream, RapiJsonContext.Default.IReadOnlyListInstanceInfo))!;
        watch.Stop();

        output.WriteLine($"{json.Length / 1024.0 / 1024.0:F1} MB, 5000 instances parsed in {watch.ElapsedMilliseconds} ms");
        instances.Count.ShouldBe(5000);
        instances[4999].HvParams.GetString("kvm_path").ShouldBe("/usr/bin/qemu-system-x86_64");
        // ~12 MB; generous bound for a slow CI machine (measured well under a second locally).
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5), $"{json.Length / 1024 / 1024} MB in {watch.ElapsedMilliseconds} ms");
    }

    private static byte[] BuildBulkInstances(int count)
    {
        var hv = new StringBuilder();
        for (var i = 0; i < 60; i++)
        {
            hv.Append($"\"param_{i}\": \"value {i}\", ");
        }

        hv.Append("\"kvm_path\": \"/usr/bin/qemu-system-x86_64\", \"vnc_bind_address\": \"0.0.0.0\", \"acpi\": false");
        var builder = new StringBuilder("[");
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append($$"""
                {"name": "vm{{i}}.example.com", "admin_state": "up", "os": "debian-image", "pnode": "node{{i % 40}}", "snodes": ["node{{(i + 1) % 40}}"],
                 "disk_template": "drbd", "nic.ips": ["10.0.{{i / 250}}.{{i % 250}}"], "nic.macs": ["aa:00:00:00:00:01"], "nic.modes": ["bridged"],
                 "nic.links": ["br0"], "nic.bridges": ["br0"], "nic.names": [null], "nic.uuids": ["u"], "nic.networks": [null], "nic.networks.names": [null],
                 "network_port": {{11000 + i}}, "disk.sizes": [10240, 20480], "disk.spindles": [null, null], "disk.names": [null, null], "disk.uuids": ["a", "b"],
                 "disk_usage": 30976, "beparams": {"vcpus": 2, "maxmem": 2048, "minmem": 2048, "memory": 2048, "auto_balance": true, "always_failover": false, "spindle_use": 1},
                 "hvparams": { {{hv}} }, "oper_state": true, "oper_ram": 2048, "oper_vcpus": 2, "status": "running",
                 "custom_hvparams": {}, "custom_beparams": {}, "custom_nicparams": [{}], "ctime": 1327334413.08, "mtime": 1330349951.51,
                 "uuid": "4b9ff2a2-3399-4141-b4e1-{{i:D12}}", "serial_no": 7, "tags": ["gwm:owner:user:u{{i}}"]}
                """);
        }

        return Encoding.UTF8.GetBytes(builder.Append(']').ToString());
    }
}
