using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Jobs;
using GanetiWebManager.Web.Features.VirtualMachines.Actions;

namespace GanetiWebManager.Web.Tests.Features.Jobs;

public sealed class JobActionTypesTests
{
    public static TheoryData<JobAction> Actions() =>
    [
        new StartInstance("web1"),
        new ShutdownInstance("web1", 0),
        new ShutdownInstance("web1", 120),
        new RebootInstance("web1", Hard: true, ShutdownTimeoutSeconds: 0),
        new RebootInstance("web1", Hard: false),
        new ReinstallInstance("web1", "debootstrap+default", Start: true),
        new CreateInstance(new CreateInstanceRequest { Name = "web9", DiskTemplate = "diskless", OsType = "debootstrap+default", Nics = [new NicDefinition { Link = "br0" }] }),
    ];

    [Theory]
    [MemberData(nameof(Actions))]
    public void StoredAction_ReadsBackEqual_SoItCanBeSentAgainAfterARestart(JobAction action)
    {
        var stored = action.ToJson();

        var read = JobActionTypes.TryRead(action.Operation, stored);

        read.ShouldNotBeNull();
        read.ToJson().ShouldBe(stored);
        read.GetType().ShouldBe(action.GetType());
    }

    [Fact]
    public void Operation_ComesFromTheAttribute_AndNamesGanetisOpcodeTheSameWay()
    {
        new StartInstance("a").Operation.ShouldBe(JobOperations.InstanceStartup);
        new ShutdownInstance("a", 0).Operation.ShouldBe(JobOperations.InstanceShutdown);
        new RebootInstance("a", true).Operation.ShouldBe(JobOperations.InstanceReboot);
        new ReinstallInstance("a", null, Start: false).Operation.ShouldBe(JobOperations.InstanceReinstall);
        new CreateInstance(new CreateInstanceRequest { Name = "a", DiskTemplate = "diskless" }).Operation.ShouldBe(JobOperations.InstanceCreate);
    }

    [Fact]
    public void TryRead_UnknownOperationOrBrokenJson_IsNull()
    {
        JobActionTypes.TryRead("instance.teleport", "{}").ShouldBeNull();
        JobActionTypes.TryRead(JobOperations.InstanceStartup, "{not json").ShouldBeNull();
    }
}
