using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.VirtualMachines.Actions;

namespace GanetiWebManager.Web.Tests.Features.VirtualMachines.Actions;

/// <summary>The modify confirm step's words, problems and quota need, and which disk templates may move (pure functions).</summary>
public sealed class VmModificationPlanTests
{
    private static VirtualMachine Vm(string adminState = VmStates.AdminUp) => new()
    {
        Name = "web1",
        AdminState = adminState,
        MaxMemoryMiB = 1024,
        MinMemoryMiB = 1024,
        Vcpus = 2,
        Disks = [new VmDisk { SizeMiB = 10240 }],
        Nics = [new VmNic { Mac = "aa:00:00:00:00:01" }],
        HvParams = """{"kernel_path": "/boot/vmlinuz", "acpi": true}""",
    };

    [Fact]
    public void Describe_DecreaseAndParameters_InWords()
    {
        var vm = Vm();
        var change = VmModificationPlan.Effective(vm, new VmModification
        {
            MemoryMiB = 512,
            Vcpus = 2,
            HvParams = new Dictionary<string, string> { ["acpi"] = "false", ["kernel_path"] = "/boot/vmlinuz", ["boot_order"] = "cdrom" },
            RemoveNics = [0],
        });

        var lines = VmModificationPlan.Describe(vm, change).Select(l => l.Text).ToList();

        lines.ShouldBe(
        [
            "memory decreased from 1 GiB to 512 MiB",
            "hypervisor parameter acpi changed from \"true\" to \"false\"",
            "hypervisor parameter boot_order set to \"cdrom\"",
            "NIC 0 (aa:00:00:00:00:01) removed",
        ]);
    }

    [Fact]
    public void QuotaNeed_IncreasesOnly_RamAndCpusOnlyWhenMeantToRun()
    {
        var change = new VmModification { MemoryMiB = 2048, Vcpus = 1, AddDisksMiB = [1024], GrowDisks = [new DiskGrowth(0, 20480)] };

        VmModificationPlan.QuotaNeed(Vm(), change).ShouldBe(new(1024, 1024 + 10240, 0));
        VmModificationPlan.QuotaNeed(Vm(VmStates.AdminStateDown), change).ShouldBe(new(0, 1024 + 10240, 0));
    }

    [Fact]
    public void Problems_ShrinkUnknownDiskBadParameterNameAndNoNicTarget_EachNamed()
    {
        var problems = VmModificationPlan.Problems(Vm(), new VmModification
        {
            GrowDisks = [new DiskGrowth(0, 5), new DiskGrowth(3, 50000)],
            HvParams = new Dictionary<string, string> { ["bad name"] = "x" },
            AddNics = [new NicSpec(null, "bridged", null)],
            Vcpus = 0,
        });

        problems.ShouldContain(p => p.Contains("cannot shrink", StringComparison.Ordinal));
        problems.ShouldContain("There is no disk 3.");
        problems.ShouldContain(p => p.Contains("\"bad name\" is not a parameter name", StringComparison.Ordinal));
        problems.ShouldContain("A new NIC needs a network or a link.");
        problems.ShouldContain(p => p.StartsWith("vCPUs must be", StringComparison.Ordinal));
    }

    [Fact]
    public void Effective_NothingDiffers_IsEmpty()
    {
        var vm = Vm();
        var change = VmModificationPlan.Effective(vm, new VmModification { MemoryMiB = 1024, Vcpus = 2, GrowDisks = [new DiskGrowth(0, 10240)] });

        VmModificationPlan.IsEmpty(change).ShouldBeTrue();
    }

    [Theory]
    [InlineData("drbd", VmMobility.InternalMirror)]
    [InlineData("sharedfile", VmMobility.ExternalMirror)]
    [InlineData("diskless", VmMobility.ExternalMirror)]
    [InlineData("rbd", VmMobility.ExternalMirror)]
    [InlineData("plain", VmMobility.None)]
    [InlineData("file", VmMobility.None)]
    [InlineData(null, VmMobility.None)]
    public void MobilityOf_DiskTemplate_AsGaneti(string? template, VmMobility expected) =>
        VmManageService.MobilityOf(template).ShouldBe(expected);

    [Theory]
    [InlineData("web-1.example.org", true)]
    [InlineData("web_1", false)]
    [InlineData("-web", false)]
    [InlineData("", false)]
    public void IsHostName_Rfc1123(string name, bool expected) => VmManageService.IsHostName(name).ShouldBe(expected);
}
