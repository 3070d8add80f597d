using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Domain.Quotas;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Quotas;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Tests.Features.Quotas;

/// <summary>
/// Effective quota, usage, reservations and settlement (product-spec §5), and the quota cases of gwm.md §13:
/// get_quota, the quota form (blank = unlimited, partial values, reset), used_resources, the refusal message.
/// </summary>
public sealed class QuotaServiceTests : IAsyncLifetime
{
    private QuotaWorld _world = null!;
    private int _n;

    public async Task InitializeAsync() => _world = await QuotaWorld.CreateAsync("quotasvc");

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private async Task<Cluster> ClusterAsync(long? ram = null, long? disk = null, int? vcpus = null) =>
        await _world.Build.AddClusterAsync($"c{++_n}", c => c.DefaultQuota = new ResourceLimits { RamMiB = ram, DiskMiB = disk, Vcpus = vcpus });

    private async Task<AppUser> UserAsync(string name, bool superuser = false) => await _world.Build.AddUserAsync($"{name}{++_n}", superuser);

    [Fact]
    public async Task GetQuota_NoOverride_ClusterDefault_OverrideReplacesAllThree_NullMeansUnlimited()
    {
        var cluster = await ClusterAsync(ram: 1000, disk: 2000, vcpus: 10);
        var alice = await UserAsync("alice");
        var owner = QuotaOwner.User(alice.Id);

        (await _world.Quotas.GetQuotaAsync(cluster.Id, owner)).ShouldBe(new QuotaLimits(1000, 2000, 10, IsDefault: true));

        var admin = QuotaWorld.Principal(await UserAsync("root", superuser: true));
        (await _world.Admin.SetOverrideAsync(admin, cluster.Id, owner, new QuotaValues(4, 5, null))).Succeeded.ShouldBeTrue();
        // An override replaces all three: disk null is unlimited even though the default sets 2000.
        (await _world.Quotas.GetQuotaAsync(cluster.Id, owner)).ShouldBe(new QuotaLimits(4, 5, null, IsDefault: false));

        (await _world.Admin.SetOverrideAsync(admin, cluster.Id, owner, new QuotaValues(null, null, null))).Succeeded.ShouldBeTrue();
        (await _world.Quotas.GetQuotaAsync(cluster.Id, owner)).ShouldBe(new QuotaLimits(null, null, null, IsDefault: false), "blank form = an override of nulls, not the default");

        (await _world.Admin.ResetAsync(admin, cluster.Id, owner)).Succeeded.ShouldBeTrue();
        (await _world.Quotas.GetQuotaAsync(cluster.Id, owner)).IsDefault.ShouldBeTrue();
        await using var db = await _world.DbAsync();
        (await db.QuotaOverrides.CountAsync(q => q.ClusterId == cluster.Id)).ShouldBe(0, "reset deletes the row");
    }

    [Fact]
    public async Task SetOverride_AuditedWithBeforeAndAfter_ResetAndDefaultToo()
    {
        var cluster = await ClusterAsync(vcpus: 2);
        var bob = await UserAsync("bob");
        var admin = QuotaWorld.Principal(await UserAsync("root", superuser: true));

        await _world.Admin.SetOverrideAsync(admin, cluster.Id, QuotaOwner.User(bob.Id), new QuotaValues(1024, null, 4));
        await _world.Admin.SetOverrideAsync(admin, cluster.Id, QuotaOwner.User(bob.Id), new QuotaValues(2048, null, 4));
        await _world.Admin.ResetAsync(admin, cluster.Id, QuotaOwner.User(bob.Id));
        await _world.Admin.SetDefaultAsync(admin, cluster.Id, new QuotaValues(null, 100, 8));

        var sets = (await _world.AuditAsync("quota.set")).Where(a => a.ClusterId == cluster.Id).ToList();
        sets.Count.ShouldBe(2);
        SameJson(sets[0].Before, """{"default":true}""");
        SameJson(sets[0].After, """{"ramMiB":1024,"diskMiB":null,"vcpus":4}""");
        SameJson(sets[1].Before, sets[0].After);
        sets[1].SubjectUserId.ShouldBe(bob.Id);
        sets[1].Persona.ShouldBe("user:" + bob.UserName);
        var reset = (await _world.AuditAsync("quota.reset")).Single(a => a.ClusterId == cluster.Id);
        SameJson(reset.Before, """{"ramMiB":2048,"diskMiB":null,"vcpus":4}""");
        var defaults = (await _world.AuditAsync("quota.default.set")).Single(a => a.ClusterId == cluster.Id);
        SameJson(defaults.Before, """{"ramMiB":null,"diskMiB":null,"vcpus":2}""");
        SameJson(defaults.After, """{"ramMiB":null,"diskMiB":100,"vcpus":8}""");
    }

    [Fact]
    public async Task SetOverride_NotClusterAdmin_RefusedAuditedNothingChanged_NegativeValuesRejected()
    {
        var cluster = await ClusterAsync();
        var carol = await UserAsync("carol");
        var creator = await UserAsync("creator");
        await _world.GrantAsync(cluster, ClusterPermissions.CreateVm, creator);
        var clusterAdmin = await UserAsync("ca");
        await _world.GrantAsync(cluster, ClusterPermissions.Admin, clusterAdmin);

        var refused = await _world.Admin.SetOverrideAsync(QuotaWorld.Principal(creator), cluster.Id, QuotaOwner.User(carol.Id), new QuotaValues(1, 1, 1));
        refused.Succeeded.ShouldBeFalse();
        (await _world.Admin.SetDefaultAsync(QuotaWorld.Principal(creator), cluster.Id, new QuotaValues(1, 1, 1))).Succeeded.ShouldBeFalse();
        (await _world.Admin.ResetAsync(QuotaWorld.Principal(creator), cluster.Id, QuotaOwner.User(carol.Id))).Succeeded.ShouldBeFalse();
        (await _world.Queries.GetClusterQuotasAsync(QuotaWorld.Principal(creator), cluster.Id)).ShouldBeNull("the tab is for cluster admins");
        (await _world.AuditAsync("quota.set")).Where(a => a.ClusterId == cluster.Id).ShouldHaveSingleItem().Outcome.ShouldBe(AuditOutcome.Refused);
        (await _world.AuditAsync("quota.default.set")).Where(a => a.ClusterId == cluster.Id).ShouldHaveSingleItem().Outcome.ShouldBe(AuditOutcome.Refused);

        var negative = await _world.Admin.SetOverrideAsync(QuotaWorld.Principal(clusterAdmin), cluster.Id, QuotaOwner.User(carol.Id), new QuotaValues(-1, 0, 0));
        negative.Succeeded.ShouldBeFalse();
        await using var db = await _world.DbAsync();
        (await db.QuotaOverrides.CountAsync(q => q.ClusterId == cluster.Id)).ShouldBe(0);
        (await db.Clusters.SingleAsync(c => c.Id == cluster.Id)).DefaultQuota.Vcpus.ShouldBeNull();

        (await _world.Admin.SetOverrideAsync(QuotaWorld.Principal(clusterAdmin), cluster.Id, QuotaOwner.User(carol.Id), new QuotaValues(0, 0, 0))).Succeeded.ShouldBeTrue("cluster admins edit quotas on their cluster");
    }

    [Fact]
    public async Task GetUsage_RamAndVcpusOfVmsMeantToRun_DiskOfAll_PendingDeleteCounts_OtherOwnersAndClustersDoNot()
    {
        var c1 = await ClusterAsync();
        var c2 = await ClusterAsync();
        var alice = await UserAsync("alice");
        var team = await _world.Build.AddGroupAsync($"team{++_n}", $"Team {_n}");
        await _world.Build.AddVmAsync(c1, $"up{_n}", v => { v.OwnerUserId = alice.Id; v.Vcpus = 2; v.MaxMemoryMiB = 1024; v.Disks = [new VmDisk { SizeMiB = 4000 }]; });
        await _world.Build.AddVmAsync(c1, $"down{_n}", v => { v.OwnerUserId = alice.Id; v.AdminState = "down"; v.Status = "ADMIN_down"; v.Vcpus = 3; v.MaxMemoryMiB = 2048; v.Disks = [new VmDisk { SizeMiB = 4000 }]; });
        await _world.Build.AddVmAsync(c1, $"leaving{_n}", v => { v.OwnerUserId = alice.Id; v.PendingDelete = true; v.Vcpus = 1; v.MaxMemoryMiB = 128; v.Disks = [new VmDisk { SizeMiB = 4000 }]; });
        await _world.Build.AddVmAsync(c1, $"gone{_n}", v => { v.OwnerUserId = alice.Id; v.MissingSince = _world.Clock.GetUtcNow(); v.Disks = [new VmDisk { SizeMiB = 999 }]; });
        await _world.Build.AddVmAsync(c1, $"unknown{_n}", v => { v.OwnerUserId = alice.Id; v.Vcpus = null; v.MaxMemoryMiB = null; v.Disks = []; });
        await _world.Build.AddVmAsync(c1, $"grp{_n}", v => { v.OwnerGroupId = team.Id; v.Vcpus = 8; });
        await _world.Build.AddVmAsync(c1, $"orphan{_n}", v => v.Vcpus = 8);
        await _world.Build.AddVmAsync(c2, $"other{_n}", v => { v.OwnerUserId = alice.Id; v.Vcpus = 16; });

        (await _world.Quotas.GetUsageAsync(c1.Id, QuotaOwner.User(alice.Id))).ShouldBe(new ResourceAmounts(1024 + 128, 12000, 3));
        (await _world.Quotas.GetUsageAsync(c1.Id, QuotaOwner.Group(team.Id))).ShouldBe(new ResourceAmounts(512, 10240, 8), "group-owned VMs count for the group only");
        (await _world.Quotas.GetUsageAsync(c2.Id, QuotaOwner.Group(team.Id))).ShouldBe(ResourceAmounts.Zero, "no VMs → zeros");

        var admin = QuotaWorld.Principal(await UserAsync("root", superuser: true));
        var tab = (await _world.Queries.GetClusterQuotasAsync(admin, c1.Id)).ShouldNotBeNull();
        tab.Owners.Select(o => o.Name).ShouldBe([alice.UserName!, team.Name], "users first, then groups; orphans are charged to nobody");
        tab.Owners[0].Used.ShouldBe(new ResourceAmounts(1024 + 128, 12000, 3));
        tab.Owners[0].VmsTotal.ShouldBe(4);
    }

    [Fact]
    public async Task TryReserve_OverQuota_RefusedNamingResourceNeedAndRemaining_Audited_NothingHeld()
    {
        var cluster = await ClusterAsync(ram: null, disk: null, vcpus: 4);
        var alice = await UserAsync("alice");
        await _world.Build.AddVmAsync(cluster, $"a{_n}", v => { v.OwnerUserId = alice.Id; v.Vcpus = 3; });
        var down = await _world.Build.AddVmAsync(cluster, $"b{_n}", v => { v.OwnerUserId = alice.Id; v.AdminState = "down"; v.Vcpus = 2; v.MaxMemoryMiB = 256; });

        var decision = await _world.Quotas.TryReserveAsync(QuotaWorld.Principal(alice),
            new QuotaRequest(cluster.Id, QuotaOwner.User(alice.Id), QuotaService.StartNeed(down), QuotaPurpose.Start, down.Name, down.Id, "vm.start"));

        decision.Granted.ShouldBeFalse();
        decision.Message.ShouldBe($"Not enough quota: {alice.UserName} on {cluster.Slug} needs 2 vCPUs, 1 of 4 left.");
        var entry = (await _world.AuditAsync("vm.start")).ShouldHaveSingleItem();
        entry.Outcome.ShouldBe(AuditOutcome.Refused);
        entry.Reason.ShouldBe(decision.Message);
        entry.VirtualMachineId.ShouldBe(down.Id);
        entry.Persona.ShouldBe("user:" + alice.UserName);
        await using var db = await _world.DbAsync();
        (await db.QuotaReservations.CountAsync(r => r.ClusterId == cluster.Id)).ShouldBe(0);
    }

    [Fact]
    public async Task TryReserve_ZeroMeansNone_NullMeansUnlimited()
    {
        var cluster = await ClusterAsync(ram: 0, disk: null, vcpus: null);
        var alice = QuotaWorld.Principal(await UserAsync("alice"));
        var owner = QuotaOwner.User(Guid.Parse(alice.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)!.Value));

        var ramNeeded = await _world.Quotas.ReserveForCreateAsync(alice, cluster.Id, owner, "x1", diskMiB: 10, ramMiB: 1, vcpus: 1, start: true);
        ramNeeded.Granted.ShouldBeFalse();
        ramNeeded.Message.ShouldNotBeNull().ShouldEndWith("needs 1 MiB of RAM, 0 of 0 MiB left.");

        var diskOnly = await _world.Quotas.ReserveForCreateAsync(alice, cluster.Id, owner, "x2", diskMiB: 1_000_000, ramMiB: 4096, vcpus: 64, start: false);
        diskOnly.Granted.ShouldBeTrue("a create without start reserves disk only, and disk is unlimited");
        diskOnly.Hold!.Amounts.ShouldBe(new ResourceAmounts(0, 1_000_000, 0));
        (await _world.Quotas.GetUsageAsync(cluster.Id, owner)).ShouldBe(new ResourceAmounts(0, 1_000_000, 0), "a held reservation is usage");
    }

    [Fact]
    public async Task TryReserve_Superuser_NotLimited_ButTheReservationCounts()
    {
        var cluster = await ClusterAsync(vcpus: 1);
        var alice = await UserAsync("alice");
        var root = QuotaWorld.Principal(await UserAsync("root", superuser: true));

        var decision = await _world.Quotas.ReserveForCreateAsync(root, cluster.Id, QuotaOwner.User(alice.Id), "big", 0, 0, vcpus: 8, start: true);

        decision.Granted.ShouldBeTrue();
        (await _world.Quotas.GetUsageAsync(cluster.Id, QuotaOwner.User(alice.Id))).Vcpus.ShouldBe(8);
        (await _world.Quotas.ReserveForCreateAsync(QuotaWorld.Principal(alice), cluster.Id, QuotaOwner.User(alice.Id), "small", 0, 0, vcpus: 1, start: true))
            .Message.ShouldNotBeNull().ShouldEndWith("needs 1 vCPU, 0 of 1 left.");
    }

    [Fact]
    public async Task TryReserve_ClusterAdmin_ExceedsOnlyWithConfirmation_WhichIsAudited()
    {
        var cluster = await ClusterAsync(vcpus: 1);
        var alice = await UserAsync("alice");
        var ca = await UserAsync("ca");
        await _world.GrantAsync(cluster, ClusterPermissions.Admin, ca);
        var request = new QuotaRequest(cluster.Id, QuotaOwner.User(alice.Id), new ResourceAmounts(0, 0, 2), QuotaPurpose.Create, "vm1", null, "vm.create");

        var unconfirmed = await _world.Quotas.TryReserveAsync(QuotaWorld.Principal(ca), request);
        unconfirmed.Granted.ShouldBeFalse();
        unconfirmed.Message.ShouldNotBeNull().ShouldContain("needs 2 vCPUs, 1 of 1 left. As a cluster admin you may confirm exceeding it.");

        var confirmed = await _world.Quotas.TryReserveAsync(QuotaWorld.Principal(ca), request with { ConfirmOverQuota = true });
        confirmed.Granted.ShouldBeTrue();
        var exceed = (await _world.AuditAsync("quota.exceed")).Where(a => a.ClusterId == cluster.Id).ShouldHaveSingleItem();
        exceed.ActorUserId.ShouldBe(ca.Id);
        exceed.Reason.ShouldBe("Confirmed by a cluster admin for vm.create: needs 2 vCPUs, 1 of 1 left");

        // The confirmation flag is no key for a plain user.
        var plain = await _world.Quotas.TryReserveAsync(QuotaWorld.Principal(alice), request with { ConfirmOverQuota = true, VmName = "vm2" });
        plain.Granted.ShouldBeFalse();
        plain.Message.ShouldNotBeNull().ShouldNotContain("confirm");
    }

    [Fact]
    public async Task Settle_FailedOrCancelledJob_Released_AtOnce()
    {
        var (cluster, alice, owner) = await OwnerAsync(vcpus: 4);
        var failed = await ReservedWithJobAsync(cluster, alice, owner, JobStatus.Error);
        var cancelled = await ReservedWithJobAsync(cluster, alice, owner, JobStatus.Canceled);
        var running = await ReservedWithJobAsync(cluster, alice, owner, JobStatus.Running);

        await _world.Settler.SettleAsync(CancellationToken.None);

        (await ReservationAsync(failed)).State.ShouldBe(QuotaReservationState.Released);
        (await ReservationAsync(cancelled)).Outcome.ShouldBe("job cancelled");
        (await ReservationAsync(running)).State.ShouldBe(QuotaReservationState.Held);
        (await _world.Quotas.GetUsageAsync(cluster.Id, owner)).Vcpus.ShouldBe(1);
    }

    [Fact]
    public async Task Settle_StartSucceeded_HeldUntilTheMirrorShowsTheVmUp_UsageNeverDips()
    {
        var (cluster, alice, owner) = await OwnerAsync(vcpus: 4);
        var vm = await _world.Build.AddVmAsync(cluster, $"s{_n}", v => { v.OwnerUserId = alice.Id; v.AdminState = "down"; v.Vcpus = 1; v.MaxMemoryMiB = 512; v.Disks = []; });
        var id = await ReservedWithJobAsync(cluster, alice, owner, JobStatus.Success, vm);

        await _world.Settler.SettleAsync(CancellationToken.None);
        (await ReservationAsync(id)).State.ShouldBe(QuotaReservationState.Held, "the job ended but the mirror still says down");
        (await _world.Quotas.GetUsageAsync(cluster.Id, owner)).ShouldBe(new ResourceAmounts(512, 0, 1));

        await _world.Build.UpdateVmAsync(vm.Id, v => { v.AdminState = "up"; v.Status = "running"; }); // the sync after the job
        await _world.Settler.SettleAsync(CancellationToken.None);

        var settled = await ReservationAsync(id);
        settled.State.ShouldBe(QuotaReservationState.Settled);
        settled.Outcome.ShouldBe("mirrored");
        (await _world.Quotas.GetUsageAsync(cluster.Id, owner)).ShouldBe(new ResourceAmounts(512, 0, 1), "the VM itself now carries the charge");
    }

    [Fact]
    public async Task Settle_CreateSucceeded_SettledWhenTheVmIsMirroredWithItsOwner_OrAfterTheGracePeriod()
    {
        var (cluster, alice, owner) = await OwnerAsync(vcpus: 4);
        var created = await ReservedWithJobAsync(cluster, alice, owner, JobStatus.Success, purpose: QuotaPurpose.Create, name: $"new{_n}");
        var unseen = await ReservedWithJobAsync(cluster, alice, owner, JobStatus.Unknown, purpose: QuotaPurpose.Create, name: $"lost{_n}");
        await _world.Settler.SettleAsync(CancellationToken.None);
        await _world.Build.AddVmAsync(cluster, $"new{_n}", v => v.OwnerUserId = alice.Id);

        await _world.Settler.SettleAsync(CancellationToken.None);
        (await ReservationAsync(created)).State.ShouldBe(QuotaReservationState.Settled);
        (await ReservationAsync(unseen)).State.ShouldBe(QuotaReservationState.Held);

        _world.Clock.Advance(TimeSpan.FromMinutes(11));
        await _world.Settler.SettleAsync(CancellationToken.None);
        var late = await ReservationAsync(unseen);
        late.State.ShouldBe(QuotaReservationState.Settled);
        late.Outcome.ShouldBe("settled after the grace period");
    }

    [Fact]
    public async Task Settle_ReservationWhoseIntentWasNeverRecorded_ReleasedAfterTheTimeout()
    {
        var (cluster, alice, owner) = await OwnerAsync(vcpus: 4);
        var decision = await _world.Quotas.ReserveForCreateAsync(QuotaWorld.Principal(alice), cluster.Id, owner, "crash", 0, 0, 1, start: true);
        var id = decision.Hold!.ReservationId;

        _world.Clock.Advance(TimeSpan.FromMinutes(4));
        await _world.Settler.SettleAsync(CancellationToken.None);
        (await ReservationAsync(id)).State.ShouldBe(QuotaReservationState.Held);

        _world.Clock.Advance(TimeSpan.FromMinutes(2));
        await _world.Settler.SettleAsync(CancellationToken.None);
        var released = await ReservationAsync(id);
        released.State.ShouldBe(QuotaReservationState.Released);
        released.Outcome.ShouldBe("no job was recorded for it");
    }

    private async Task<(Cluster Cluster, AppUser User, QuotaOwner Owner)> OwnerAsync(int vcpus)
    {
        var cluster = await ClusterAsync(vcpus: vcpus);
        var user = await UserAsync("owner");
        return (cluster, user, QuotaOwner.User(user.Id));
    }

    /// <summary>A reservation of 1 vCPU (512 MiB for a start) linked to a job in <paramref name="status"/>.</summary>
    private async Task<long> ReservedWithJobAsync(
        Cluster cluster, AppUser user, QuotaOwner owner, JobStatus status, VirtualMachine? vm = null, QuotaPurpose purpose = QuotaPurpose.Start, string? name = null)
    {
        var decision = await _world.Quotas.TryReserveAsync(QuotaWorld.Principal(user),
            new QuotaRequest(cluster.Id, owner, vm is null ? new ResourceAmounts(0, 0, 1) : QuotaService.StartNeed(vm), purpose, name ?? vm?.Name ?? "x", vm?.Id, "test"));
        decision.Granted.ShouldBeTrue(decision.Message);
        var job = await _world.Build.AddJobAsync(cluster, j => { j.Status = status; j.VirtualMachineId = vm?.Id; });
        await using var db = await _world.DbAsync();
        await db.QuotaReservations.Where(r => r.Id == decision.Hold!.ReservationId).ExecuteUpdateAsync(u => u.SetProperty(r => r.JobId, job.Id));
        return decision.Hold!.ReservationId;
    }

    /// <summary>jsonb normalises spacing and key order: compare the values.</summary>
    private static void SameJson(string? actual, string? expected) =>
        System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(actual!), System.Text.Json.Nodes.JsonNode.Parse(expected!))
            .ShouldBeTrue($"{actual} should be {expected}");

    private async Task<QuotaReservation> ReservationAsync(long id)
    {
        await using var db = await _world.DbAsync();
        return await db.QuotaReservations.AsNoTracking().SingleAsync(r => r.Id == id);
    }
}
