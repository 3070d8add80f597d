using System.Security.Claims;
using GanetiWebManager.FakeRapi;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Domain.Quotas;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Sync;
using GanetiWebManager.Web.Features.VirtualMachines.Actions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.VirtualMachines.Actions;

/// <summary>
/// The VM actions of issue 5 §3 against a fake cluster: what reaches RAPI when allowed, and for every refusal
/// (permission, state, disk template, input, quota) no RAPI request and the audit entry that says why.
/// </summary>
public sealed class VmManageServiceTests : IAsyncLifetime
{
    private FakeRapiServer _fake = null!;
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;
    private IDbContextFactory<AppDbContext> _contexts = null!;
    private InventoryBuilder _build = null!;
    private Cluster _cluster = null!;
    private AppUser _alice = null!;
    private ClaimsPrincipal _aliceUser = null!;
    private AppUser _mover = null!;
    private ClaimsPrincipal _moverUser = null!;
    private ClaimsPrincipal _admin = null!;
    private Queue<VirtualMachine> _unused = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 60, Nodes = 3, JobStepDelay = TimeSpan.FromMilliseconds(10) });
        _database = await TestDatabase.CreateAsync("vmmanage");
        _services = await PortalServices.CreateAsync(_database);
        _contexts = _services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        _cluster = await ClusterRegistration.AddAsync(_services, "fake", _fake.BaseUrl, _fake.CertificateSha256, _fake.WriteUser.Name, _fake.WriteUser.Password);
        (await _services.GetRequiredService<ClusterSynchronizer>().SyncAsync(_cluster.Id, SyncParts.Info | SyncParts.Nodes | SyncParts.Instances | SyncParts.Runtime, CancellationToken.None))
            .Succeeded.ShouldBeTrue();
        _admin = await TestPrincipals.AddSuperuserAsync(_database.ConnectionString);
        _build = new InventoryBuilder(_contexts);
        _alice = await _build.AddUserAsync("alice");
        _aliceUser = Principal(_alice);
        _mover = await _build.AddUserAsync("mover");
        _moverUser = Principal(_mover);
        await using var db = await _contexts.CreateDbContextAsync();
        db.ClusterGrants.Add(new ClusterGrant { ClusterId = _cluster.Id, UserId = _mover.Id, Permissions = ClusterPermissions.Migrate });
        await db.SaveChangesAsync();
        _unused = new(await db.VirtualMachines.AsNoTracking().OrderBy(v => v.Name).ToListAsync());
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
        await _fake.DisposeAsync();
    }

    private VmManageService Manage => _services.GetRequiredService<VmManageService>();

    private static ClaimsPrincipal Principal(AppUser user) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()), new Claim(ClaimTypes.Name, user.UserName!)], "test"));

    /// <summary>A VM no other test touched, owned by alice, optionally of a disk template; its mirror row adjusted.</summary>
    private async Task<VirtualMachine> AliceVmAsync(Func<VirtualMachine, bool>? where = null, Action<VirtualMachine>? change = null)
    {
        var pick = _unused.FirstOrDefault(v => where is null || where(v)) ?? throw new InvalidOperationException("The fake cluster has no such VM left.");
        _unused = new(_unused.Where(v => v.Id != pick.Id));
        return await _build.UpdateVmAsync(pick.Id, vm =>
        {
            vm.OwnerUserId = _alice.Id;
            change?.Invoke(vm);
        });
    }

    private async Task<List<AuditEntry>> AuditAsync(long vmId)
    {
        await using var db = await _contexts.CreateDbContextAsync();
        return await db.AuditLog.AsNoTracking().Where(a => a.VirtualMachineId == vmId).OrderBy(a => a.Id).ToListAsync();
    }

    private int Requests(string pathPart) => _fake.RequestLog.Entries.Count(r => r.Path.Contains(pathPart, StringComparison.Ordinal));

    [Fact]
    public async Task PreviewModify_MemoryAndDisk_HumanDiff()
    {
        var vm = await AliceVmAsync(v => v.Disks.Count > 0, v => { v.MaxMemoryMiB = 512; v.MinMemoryMiB = 512; v.Vcpus = 1; });

        var preview = await Manage.PreviewModifyAsync(_aliceUser, vm.Id, new VmModification
        {
            MemoryMiB = 1024,
            Vcpus = 1,
            GrowDisks = [new DiskGrowth(0, vm.Disks[0].SizeMiB + 1024)],
            AddDisksMiB = [2048],
        });

        preview.ShouldNotBeNull();
        preview.Problems.ShouldBeEmpty();
        var lines = preview.Lines.Select(l => l.Text).ToList();
        lines.ShouldContain("memory increased from 512 MiB to 1 GiB");
        lines.ShouldContain("disk of 2 GiB added");
        lines.ShouldContain(l => l.StartsWith("disk 0 grown from", StringComparison.Ordinal));
        lines.ShouldNotContain(l => l.Contains("vCPUs", StringComparison.Ordinal)); // unchanged figures drop out
        preview.QuotaNeed.DiskMiB.ShouldBe(3072);
    }

    [Fact]
    public async Task PreviewModify_WithoutModifyPermission_Null()
    {
        var vm = await AliceVmAsync();
        var bob = Principal(await _build.AddUserAsync("bob-preview"));

        (await Manage.PreviewModifyAsync(bob, vm.Id, new VmModification { MemoryMiB = 1024 })).ShouldBeNull();
    }

    [Fact]
    public async Task Modify_MemoryWithReboot_ModifyThenRebootSent_AuditedWithDiff()
    {
        var vm = await AliceVmAsync(v => v.Status == VmStates.Running, v => { v.MaxMemoryMiB = 512; v.MinMemoryMiB = 512; });

        var result = await Manage.ModifyAsync(_aliceUser, vm.Id, new VmModification { MemoryMiB = 1024 }, rebootAfter: true);

        result.Outcome.ShouldBe(VmActionOutcome.Accepted, result.Message);
        var modify = _fake.RequestLog.Entries.Single(r => r.Path == $"/2/instances/{vm.Name}/modify");
        modify.Body!.ShouldContain("\"maxmem\":1024");
        modify.Body!.ShouldContain("\"minmem\":1024");
        _fake.RequestLog.Entries.ShouldContain(r => r.Path == $"/2/instances/{vm.Name}/reboot" && r.Sequence > modify.Sequence);
        var entry = (await AuditAsync(vm.Id)).Single(a => a.Action == "vm.modify");
        entry.After!.ShouldContain("memory increased from 512 MiB to 1 GiB");
        entry.JobId.ShouldBe(result.JobId);
    }

    [Fact]
    public async Task Modify_OverQuota_RefusedBeforeRapi_AuditedOnce()
    {
        var vm = await AliceVmAsync(v => v.AdminState == VmStates.AdminUp, v => { v.MaxMemoryMiB = 512; v.MinMemoryMiB = 512; });
        await using (var db = await _contexts.CreateDbContextAsync())
        {
            db.QuotaOverrides.Add(new QuotaOverride { ClusterId = _cluster.Id, UserId = _alice.Id, RamMiB = 600, DiskMiB = null, Vcpus = null, UpdatedAt = _build.Now });
            await db.SaveChangesAsync();
        }

        try
        {
            var before = _fake.RequestLog.Count;
            var result = await Manage.ModifyAsync(_aliceUser, vm.Id, new VmModification { MemoryMiB = 4096 }, rebootAfter: false);

            result.Outcome.ShouldBe(VmActionOutcome.Refused);
            result.Message.ShouldContain("RAM", Case.Insensitive);
            _fake.RequestLog.Count.ShouldBe(before);
            var refusals = (await AuditAsync(vm.Id)).Where(a => a.Outcome == AuditOutcome.Refused).ToList();
            refusals.Count.ShouldBe(1);
        }
        finally
        {
            await using var db = await _contexts.CreateDbContextAsync();
            await db.QuotaOverrides.Where(q => q.UserId == _alice.Id).ExecuteDeleteAsync();
        }
    }

    [Fact]
    public async Task Modify_ShrinkDisk_Refused_NothingSent()
    {
        var vm = await AliceVmAsync(v => v.Disks.Count > 0 && v.Disks[0].SizeMiB > 1);
        var before = _fake.RequestLog.Count;

        var result = await Manage.ModifyAsync(_aliceUser, vm.Id, new VmModification { GrowDisks = [new DiskGrowth(0, 1)] }, rebootAfter: false);

        result.Outcome.ShouldBe(VmActionOutcome.Refused);
        result.Message.ShouldContain("cannot shrink");
        _fake.RequestLog.Count.ShouldBe(before);
    }

    [Fact]
    public async Task Modify_GrowDisk_AbsoluteGrowSent()
    {
        var vm = await AliceVmAsync(v => v.Disks.Count > 0 && v.DiskTemplate is "plain" or "file" or "drbd");
        var result = await Manage.ModifyAsync(_aliceUser, vm.Id, new VmModification { GrowDisks = [new DiskGrowth(0, vm.Disks[0].SizeMiB + 512)] }, rebootAfter: false);

        result.Outcome.ShouldBe(VmActionOutcome.Accepted, result.Message);
        var grow = _fake.RequestLog.Entries.Single(r => r.Path == $"/2/instances/{vm.Name}/disk/0/grow");
        grow.Body!.ShouldContain($"\"amount\":{vm.Disks[0].SizeMiB + 512}");
        grow.Body!.ShouldContain("\"absolute\":true");
        Requests($"/2/instances/{vm.Name}/modify").ShouldBe(0);
    }

    [Fact]
    public async Task Rename_Valid_Sent_NameTakenOrInvalid_Refused()
    {
        var vm = await AliceVmAsync(v => v.Status is not (VmStates.Running or VmStates.ErrorUp));
        var other = _unused.Peek();
        var before = _fake.RequestLog.Count;

        (await Manage.RenameAsync(_aliceUser, vm.Id, other.Name, false, false)).Message.ShouldContain("Another virtual machine");
        (await Manage.RenameAsync(_aliceUser, vm.Id, "bad_name!", false, false)).Message.ShouldContain("not a valid host name");
        (await Manage.RenameAsync(_aliceUser, vm.Id, vm.Name, false, false)).Message.ShouldContain("already its name");
        _fake.RequestLog.Count.ShouldBe(before);

        var result = await Manage.RenameAsync(_aliceUser, vm.Id, "Renamed-" + vm.Name, nameCheck: false, ipCheck: false);

        result.Outcome.ShouldBe(VmActionOutcome.Accepted, result.Message);
        var rename = _fake.RequestLog.Entries.Single(r => r.Path == $"/2/instances/{vm.Name}/rename");
        rename.Body!.ShouldContain($"\"new_name\":\"renamed-{vm.Name}\"");
        rename.Body!.ShouldContain("\"name_check\":false");
    }

    [Fact]
    public async Task Rename_Running_RefusedBeforeRapi()
    {
        var vm = await AliceVmAsync(v => v.Status == VmStates.Running);
        var before = _fake.RequestLog.Count;

        var result = await Manage.RenameAsync(_aliceUser, vm.Id, "new-" + vm.Name, false, false);

        result.Message.ShouldContain("renames only stopped instances");
        _fake.RequestLog.Count.ShouldBe(before);
    }

    [Fact]
    public async Task Migrate_ByOwnerWithoutClusterMigrate_Refused_AuditedOnce_NothingSent()
    {
        var vm = await AliceVmAsync(v => v.DiskTemplate == "drbd" && v.Status == VmStates.Running);
        var before = _fake.RequestLog.Count;

        var result = await Manage.MigrateAsync(_aliceUser, vm.Id, live: true, targetNode: null);

        result.Outcome.ShouldBe(VmActionOutcome.Refused);
        _fake.RequestLog.Count.ShouldBe(before);
        await using var db = await _contexts.CreateDbContextAsync();
        (await db.AuditLog.CountAsync(a => a.Action == "vm.migrate" && a.Outcome == AuditOutcome.Refused && a.ActorUserId == _alice.Id)).ShouldBe(1);
    }

    [Fact]
    public async Task Migrate_NodeLocalDisk_RefusedWithReason_NothingSent()
    {
        var vm = await AliceVmAsync(v => v.DiskTemplate is "plain" or "file");
        var before = _fake.RequestLog.Count;

        var result = await Manage.MigrateAsync(_moverUser, vm.Id, live: true, targetNode: null);
        var failover = await Manage.FailoverAsync(_moverUser, vm.Id, targetNode: null);

        result.Message.ShouldContain("keeps the disks on one node");
        failover.Outcome.ShouldBe(VmActionOutcome.Refused);
        _fake.RequestLog.Count.ShouldBe(before);
    }

    [Fact]
    public async Task Migrate_DrbdByMigrateHolder_LiveSentWithoutTarget()
    {
        var vm = await AliceVmAsync(v => v.DiskTemplate == "drbd" && v.Status == VmStates.Running);

        var result = await Manage.MigrateAsync(_moverUser, vm.Id, live: true, targetNode: null);

        result.Outcome.ShouldBe(VmActionOutcome.Accepted, result.Message);
        var migrate = _fake.RequestLog.Entries.Single(r => r.Path == $"/2/instances/{vm.Name}/migrate");
        migrate.Method.ShouldBe("PUT");
        migrate.Body!.ShouldContain("\"mode\":\"live\"");
        migrate.Body!.ShouldNotContain("target_node");
    }

    [Fact]
    public async Task Failover_SharedStorage_TargetNodeSent()
    {
        var vm = await AliceVmAsync(v => v.DiskTemplate is "sharedfile" or "diskless");
        var target = (await _services.GetRequiredService<VmManageService>().GetStateAsync(_admin, vm.Id))!.OtherNodes[0];

        var result = await Manage.FailoverAsync(_moverUser, vm.Id, target);

        result.Outcome.ShouldBe(VmActionOutcome.Accepted, result.Message);
        _fake.RequestLog.Entries.Single(r => r.Path == $"/2/instances/{vm.Name}/failover").Body!.ShouldContain($"\"target_node\":\"{target}\"");
    }

    [Fact]
    public async Task ReplaceDisks_NotDrbd_Refused()
    {
        var vm = await AliceVmAsync(v => v.DiskTemplate != "drbd");
        var before = _fake.RequestLog.Count;

        var result = await Manage.ReplaceDisksAsync(_admin, vm.Id, ReplaceDisksMode.ReplaceAuto, null);

        result.Message.ShouldContain("only on DRBD");
        _fake.RequestLog.Count.ShouldBe(before);
    }

    [Fact]
    public async Task Delete_WrongName_Refused_RightName_PendingDeleteThenClearedWhenTheJobFails()
    {
        var vm = await AliceVmAsync();
        var before = _fake.RequestLog.Count;

        var wrong = await Manage.DeleteAsync(_aliceUser, vm.Id, vm.Name + "x");

        wrong.Message.ShouldContain("Type the name");
        _fake.RequestLog.Count.ShouldBe(before);

        var result = await Manage.DeleteAsync(_aliceUser, vm.Id, vm.Name.ToUpperInvariant());

        result.Outcome.ShouldBe(VmActionOutcome.Accepted, result.Message);
        _fake.RequestLog.Entries.ShouldContain(r => r.Method == "DELETE" && r.Path == $"/2/instances/{vm.Name}");
        await using (var db = await _contexts.CreateDbContextAsync())
        {
            (await db.VirtualMachines.SingleAsync(v => v.Id == vm.Id)).PendingDelete.ShouldBeTrue();
        }

        // Another action now waits for the delete: the runner refuses it as "being deleted".
        (await _services.GetRequiredService<VmPowerService>().StartAsync(_aliceUser, vm.Id)).Message.ShouldContain("being deleted");

        var releaser = _services.GetRequiredService<PendingDeleteReleaser>();
        (await releaser.ReleaseAsync(default)).ShouldBe(0); // the job has not failed
        await _build.UpdateJobAsync(result.JobId!.Value, j => j.Status = JobStatus.Error);
        (await releaser.ReleaseAsync(default)).ShouldBe(1);
        await using (var db = await _contexts.CreateDbContextAsync())
        {
            (await db.VirtualMachines.SingleAsync(v => v.Id == vm.Id)).PendingDelete.ShouldBeFalse();
        }
    }

    [Fact]
    public async Task Delete_GanetiRefuses_PendingDeleteUndone()
    {
        var vm = await AliceVmAsync();
        var fault = _fake.Faults.Add(new GanetiWebManager.FakeRapi.Faults.FaultRule { Kind = GanetiWebManager.FakeRapi.Faults.FaultKind.Status, Status = 400, PathPrefix = $"/2/instances/{vm.Name}", Method = "DELETE" });
        try
        {
            var result = await Manage.DeleteAsync(_aliceUser, vm.Id, vm.Name);

            result.Outcome.ShouldBe(VmActionOutcome.Refused);
            await using var db = await _contexts.CreateDbContextAsync();
            (await db.VirtualMachines.SingleAsync(v => v.Id == vm.Id)).PendingDelete.ShouldBeFalse();
        }
        finally
        {
            _fake.Faults.Remove(fault);
        }
    }

    [Fact]
    public async Task Tags_OwnershipTag_Refused_OrdinaryTag_Sent()
    {
        var vm = await AliceVmAsync();
        var before = _fake.RequestLog.Count;

        (await Manage.AddTagsAsync(_aliceUser, vm.Id, ["gwm:owner:user:alice"])).Message.ShouldContain("records the owner");
        (await Manage.RemoveTagsAsync(_aliceUser, vm.Id, ["GWM:OWNER:group:x"])).Outcome.ShouldBe(VmActionOutcome.Refused);
        (await Manage.AddTagsAsync(_aliceUser, vm.Id, ["has space"])).Message.ShouldContain("is not a Ganeti tag");
        _fake.RequestLog.Count.ShouldBe(before);

        (await Manage.AddTagsAsync(_aliceUser, vm.Id, ["web", "prod"])).Outcome.ShouldBe(VmActionOutcome.Accepted);
        var put = _fake.RequestLog.Entries.Single(r => r.Method == "PUT" && r.Path == $"/2/instances/{vm.Name}/tags");
        Uri.UnescapeDataString(put.Query).ShouldContain("tag=web");
    }

    [Fact]
    public async Task Notes_OwnerSaves_AuditedBeforeAfter_OtherUserRefused()
    {
        var vm = await AliceVmAsync();
        var bob = Principal(await _build.AddUserAsync("bob-notes"));

        (await Manage.SetNotesAsync(bob, vm.Id, "mine now")).Succeeded.ShouldBeFalse();
        (await Manage.SetNotesAsync(_aliceUser, vm.Id, "runs the wiki")).Succeeded.ShouldBeTrue();
        (await Manage.SetNotesAsync(_aliceUser, vm.Id, new string('x', VmManageService.MaxNotesLength + 1))).Succeeded.ShouldBeFalse();

        await using var db = await _contexts.CreateDbContextAsync();
        (await db.VirtualMachines.SingleAsync(v => v.Id == vm.Id)).Notes.ShouldBe("runs the wiki");
        var entries = await AuditAsync(vm.Id);
        entries.ShouldContain(a => a.Action == "vm.notes" && a.Outcome == AuditOutcome.Refused);
        entries.Single(a => a.Action == "vm.notes" && a.Outcome == AuditOutcome.Allowed).After!.ShouldContain("runs the wiki");
    }

    [Fact]
    public async Task Lock_ByAdmin_OwnerCanOnlyView_UnlockRestores()
    {
        var vm = await AliceVmAsync();
        var power = _services.GetRequiredService<VmPowerService>();

        (await Manage.SetLockedAsync(_aliceUser, vm.Id, true)).Succeeded.ShouldBeFalse(); // owners cannot lock
        (await Manage.SetLockedAsync(_admin, vm.Id, true)).Succeeded.ShouldBeTrue();
        var before = _fake.RequestLog.Count;

        (await power.RebootAsync(_aliceUser, vm.Id, RebootKind.Soft)).Outcome.ShouldBe(VmActionOutcome.Refused);
        (await Manage.RenameAsync(_aliceUser, vm.Id, "locked-rename", false, false)).Outcome.ShouldBe(VmActionOutcome.Refused);
        (await Manage.DeleteAsync(_aliceUser, vm.Id, vm.Name)).Outcome.ShouldBe(VmActionOutcome.Refused);
        (await Manage.SetNotesAsync(_aliceUser, vm.Id, "x")).Succeeded.ShouldBeFalse();
        _fake.RequestLog.Count.ShouldBe(before);
        var state = await Manage.GetStateAsync(_aliceUser, vm.Id);
        state.ShouldNotBeNull(); // still visible
        state.IsLocked.ShouldBeTrue();
        state.Permissions.ShouldBe(VmPermissions.None);

        (await Manage.SetLockedAsync(_admin, vm.Id, false)).Succeeded.ShouldBeTrue();
        (await Manage.GetStateAsync(_aliceUser, vm.Id))!.Permissions.ShouldBe(VmPermissions.All);
    }

    [Fact]
    public async Task Reinstall_OsNameChecked_ReinstallSent()
    {
        var vm = await AliceVmAsync(v => v.DiskTemplate != "diskless");
        var before = _fake.RequestLog.Count;

        (await Manage.ReinstallAsync(_aliceUser, vm.Id, "rm -rf /", start: true)).Message.ShouldContain("not an OS name");
        (await Manage.ReinstallAsync(_aliceUser, vm.Id, "windows+default", start: true)).Message.ShouldBe("The cluster does not offer the OS \"windows+default\".");
        _fake.RequestLog.Count.ShouldBe(before);
        (await Manage.GetStateAsync(_aliceUser, vm.Id))!.OperatingSystems.ShouldContain("debootstrap+minimal", "the choices offered in the form");

        var result = await Manage.ReinstallAsync(_aliceUser, vm.Id, null, start: false);

        result.Outcome.ShouldBe(VmActionOutcome.Accepted, result.Message);
        _fake.RequestLog.Entries.Single(r => r.Path == $"/2/instances/{vm.Name}/reinstall").Body!.ShouldContain("\"start\":false");
    }

    [Fact]
    public async Task Bulk_StartThree_OneWithoutPermission_TwoStartedOneRefused_LinePerVm()
    {
        var stopped = new List<VirtualMachine>();
        for (var i = 0; i < 3; i++)
        {
            stopped.Add(await AliceVmAsync(v => v.AdminState != VmStates.AdminUp));
        }

        await _build.UpdateVmAsync(stopped[1].Id, v => v.OwnerUserId = null); // an orphan alice holds nothing on
        var bulk = _services.GetRequiredService<VmBulkService>();

        var lines = await bulk.RunAsync(_aliceUser, [.. stopped.Select(v => v.Id)], BulkVmAction.Start);

        lines.Count.ShouldBe(3);
        lines.Count(l => l.Outcome == VmActionOutcome.Accepted).ShouldBe(2);
        lines[1].Outcome.ShouldBe(VmActionOutcome.Refused);
        lines[1].Name.ShouldBe($"VM #{stopped[1].Id}"); // not visible to alice: its name is not revealed
        _fake.RequestLog.Entries.ShouldNotContain(r => r.Path == $"/2/instances/{stopped[1].Name}/startup");
    }

    [Fact]
    public async Task Bulk_Delete_OnlyTypedNamesDeleted()
    {
        var a = await AliceVmAsync();
        var b = await AliceVmAsync();
        var bulk = _services.GetRequiredService<VmBulkService>();

        var lines = await bulk.RunAsync(_aliceUser, [a.Id, b.Id], BulkVmAction.Delete, [a.Name]);

        lines.Single(l => l.VmId == a.Id).Outcome.ShouldBe(VmActionOutcome.Accepted);
        lines.Single(l => l.VmId == b.Id).Message.ShouldContain("Type the name");
        _fake.RequestLog.Entries.ShouldNotContain(r => r.Method == "DELETE" && r.Path == $"/2/instances/{b.Name}");
    }
}
