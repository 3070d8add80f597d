using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Features.Creation;

namespace GanetiWebManager.Web.Tests.Features.Creation;

/// <summary>The wizard's rules with a cluster's own numbers: instance policy edges, templates, placement, hypervisor parameters.</summary>
public sealed class VmSpecValidatorTests
{
    private const string Parameters = """
        {"ipolicy": {"minmax": [{"min": {"memory-size": 128, "cpu-count": 1, "disk-count": 1, "disk-size": 1024, "nic-count": 1, "spindle-use": 1},
                                  "max": {"memory-size": 4096, "cpu-count": 4, "disk-count": 4, "disk-size": 20480, "nic-count": 2, "spindle-use": 4}}],
                     "std": {"memory-size": 256, "cpu-count": 1, "disk-count": 1, "disk-size": 2048, "nic-count": 1},
                     "disk-templates": ["diskless", "file", "drbd"]},
         "beparams": {"default": {"minmem": 256, "maxmem": 512, "vcpus": 2}},
         "nicparams": {"default": {"mode": "bridged", "link": "gnt-br0"}},
         "hvparams": {"kvm": {"boot_order": "disk", "acpi": true, "vnc_bind_address": "0.0.0.0", "kernel_path": "", "serial_console": true}}}
        """;

    private static readonly CreateClusterFacts Facts = CreateClusterFacts.From(
        new Cluster
        {
            Id = 1,
            Slug = "c",
            Hostname = "c",
            Info = new ClusterMirror
            {
                EnabledHypervisors = ["kvm", "fake"],
                DefaultHypervisor = "kvm",
                EnabledDiskTemplates = ["diskless", "file", "drbd", "plain"],
                OperatingSystems = ["noop", "sandbox+default"],
                DefaultIallocator = "hail",
                Parameters = Parameters,
            },
        },
        [new Node { Name = "n1", VmCapable = true }, new Node { Name = "n2", VmCapable = true }, new Node { Name = "n3", VmCapable = true, Drained = true }]);

    private static VmSpec Valid()
    {
        var spec = Facts.DefaultSpec();
        spec.Os = "sandbox+default";
        return spec;
    }

    private static List<string> Problems(VmSpec spec) =>
        [.. new VmSpecValidator(Facts).Validate(spec).Errors.Select(e => e.PropertyName)];

    [Fact]
    public void DefaultSpec_TakesTheClustersDefaults_AndIsValid()
    {
        var spec = Valid();

        (spec.Hypervisor, spec.Vcpus, spec.MinMemoryMiB, spec.MaxMemoryMiB, spec.DiskTemplate).ShouldBe(("kvm", 2, 256L, 512L, "diskless"));
        spec.Nics.ShouldHaveSingleItem().Link.ShouldBe("gnt-br0");
        spec.Hv.BootOrder.ShouldBe("disk");
        Problems(spec).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(128, true)]
    [InlineData(4096, true)]
    [InlineData(127, false)]
    [InlineData(4097, false)]
    public void MaxMemory_AtAndBeyondThePolicyEdges(long memory, bool valid)
    {
        var spec = Valid();
        spec.MinMemoryMiB = Math.Min(spec.MinMemoryMiB, memory);
        spec.MaxMemoryMiB = memory;

        Problems(spec).Contains("MaxMemoryMiB").ShouldBe(!valid);
    }

    [Theory]
    [InlineData(4, true)]
    [InlineData(5, false)]
    [InlineData(0, false)]
    public void Vcpus_PolicyEdges(int vcpus, bool valid) =>
        Problems(new Func<VmSpec>(() => { var s = Valid(); s.Vcpus = vcpus; return s; })()).Contains("Vcpus").ShouldBe(!valid);

    [Fact]
    public void Disks_SizeAndCountAgainstThePolicy_DisklessHasNone()
    {
        var spec = Valid();
        spec.DiskTemplate = "file";
        spec.Disks = [new DiskSpec { SizeMiB = 20480 }];
        Problems(spec).ShouldBeEmpty();

        spec.Disks = [new DiskSpec { SizeMiB = 20481 }];
        Problems(spec).ShouldContain("Disks[0].SizeMiB");

        spec.Disks = [.. Enumerable.Range(0, 5).Select(_ => new DiskSpec { SizeMiB = 1024 })];
        Problems(spec).ShouldContain("Disks");

        spec.Disks = [];
        Problems(spec).ShouldContain("Disks");

        spec.DiskTemplate = "diskless";
        spec.Disks = [new DiskSpec { SizeMiB = 1024 }];
        Problems(spec).ShouldContain("Disks");
    }

    [Fact]
    public void DiskTemplate_NotInThePolicy_Refused()
    {
        var spec = Valid();
        spec.DiskTemplate = "plain";
        spec.Disks = [new DiskSpec { SizeMiB = 1024 }];

        Problems(spec).ShouldContain("DiskTemplate");
    }

    [Fact]
    public void Placement_Drbd_NeedsTwoDifferentUsableNodes()
    {
        var spec = Valid();
        spec.DiskTemplate = "drbd";
        spec.Disks = [new DiskSpec { SizeMiB = 1024 }];
        spec.UseIallocator = false;
        spec.PrimaryNode = "n1";
        Problems(spec).ShouldContain("SecondaryNode");

        spec.SecondaryNode = "n1";
        Problems(spec).ShouldContain("SecondaryNode");

        spec.SecondaryNode = "n3"; // drained
        Problems(spec).ShouldContain("SecondaryNode");

        spec.SecondaryNode = "n2";
        Problems(spec).ShouldBeEmpty();
    }

    [Fact]
    public void Nics_NoneFailsThePolicysMinimum_ThreeItsMaximum_ModeAndLinkNeeded()
    {
        var spec = Valid();
        spec.Nics = [];
        Problems(spec).ShouldContain("Nics");

        spec.Nics = [new NicSpec { Mode = "bridged", Link = "br0" }, new NicSpec { Mode = "bridged", Link = "br0" }, new NicSpec { Mode = "bridged", Link = "br0" }];
        Problems(spec).ShouldContain("Nics");

        spec.Nics = [new NicSpec { Mode = "bridged" }];
        Problems(spec).ShouldContain("Nics[0].Link");

        spec.Nics = [new NicSpec { Network = "net1" }];
        Problems(spec).ShouldBeEmpty();
    }

    [Fact]
    public void HvParams_BadChoicePathAddressAndCdromBoot_Refused()
    {
        var spec = Valid();
        spec.Hv.DiskType = "floppy";
        spec.Hv.KernelPath = "vmlinuz";
        spec.Hv.VncBindAddress = "everywhere";
        spec.Hv.BootOrder = "cdrom";

        Problems(spec).ShouldBe(["Hv.DiskType", "Hv.KernelPath", "Hv.VncBindAddress", "Hv.CdromImagePath"], ignoreOrder: true);
    }

    [Fact]
    public void HvParams_OnlyChangesFromTheClusterDefaultAreSent()
    {
        var spec = Valid();
        spec.Hv.BootOrder = "network";
        spec.Hv.Acpi = false;

        HvFields.ToParams("kvm", spec.Hv, Facts.HvDefaultsOf("kvm")).ShouldBe(new Dictionary<string, object?> { ["boot_order"] = "network", ["acpi"] = false });
    }

    [Fact]
    public void Os_UnknownOrMissing_AndOsParamsMalformed_Refused()
    {
        var spec = Valid();
        spec.Os = "debian+nope";
        spec.OsParams = "fail";

        Problems(spec).ShouldBe(["Os", "OsParams"], ignoreOrder: true);
        VmSpec.ParseOsParams("fail=true, delay=2\nx = y").ShouldBe(new Dictionary<string, string> { ["fail"] = "true", ["delay"] = "2", ["x"] = "y" });
    }

    [Theory]
    [InlineData("web1", true)]
    [InlineData("web-1.example.org", true)]
    [InlineData("Web1", false)]
    [InlineData("web_1", false)]
    [InlineData("-web", false)]
    [InlineData("", false)]
    [InlineData("web 1", false)]
    public void InstanceName_IsALowerCaseHostName(string name, bool valid) => CreateNames.IsValidInstanceName(name).ShouldBe(valid);
}
