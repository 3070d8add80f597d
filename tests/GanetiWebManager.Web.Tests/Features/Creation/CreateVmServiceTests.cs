using System.Security.Claims;
using System.Text.Json;
using GanetiWebManager.FakeRapi;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Domain.Quotas;
using GanetiWebManager.Web.Features.Creation;
using GanetiWebManager.Web.Features.Quotas;
using GanetiWebManager.Web.Features.Sync;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Creation;

/// <summary>
/// The create service and templates against a fake cluster mirrored into a real database (issue 5 §1–§2): what Ganeti
/// receives, the persona and permission refusals (no RAPI request, one audit entry), quota, templates' permissions, retry.
/// </summary>
public sealed class CreateVmServiceTests : IAsyncLifetime
{
    private FakeRapiServer _fake = null!;
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;
    private InventoryBuilder _build = null!;
    private Cluster _cluster = null!;
    private Group _group = null!;
    private AppUser _member = null!;
    private ClaimsPrincipal _memberPrincipal = null!;
    private ClaimsPrincipal _stranger = null!;

    private CreateVmService Service => _services.GetRequiredService<CreateVmService>();

    private TemplateService Templates => _services.GetRequiredService<TemplateService>();

    private string GroupKey => QuotaOwner.Group(_group.Id).ToString();

    public async Task InitializeAsync()
    {
        _fake = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 2, Nodes = 2, HoldJobs = true });
        _database = await TestDatabase.CreateAsync("createvm");
        _services = await PortalServices.CreateAsync(_database, new Dictionary<string, string?> { ["Quotas:SettlerEnabled"] = "false" });
        _cluster = await ClusterRegistration.AddAsync(_services, "cre", _fake.BaseUrl, _fake.CertificateSha256, _fake.WriteUser.Name, _fake.WriteUser.Password);
        var sync = await _services.GetRequiredService<ClusterSynchronizer>().SyncAsync(_cluster.Id, SyncParts.Info | SyncParts.Nodes | SyncParts.Instances, CancellationToken.None);
        sync.Succeeded.ShouldBeTrue(sync.Failure?.Message);
        _build = new InventoryBuilder(_services.GetRequiredService<IDbContextFactory<AppDbContext>>());
        _group = await _build.AddGroupAsync("lab", "Lab");
        _member = await _build.AddUserAsync("ulla");
        var stranger = await _build.AddUserAsync("sven");
        _memberPrincipal = Principal(_member);
        _stranger = Principal(stranger);
        await using var db = await Db();
        db.GroupMembers.Add(new GroupMember { GroupId = _group.Id, UserId = _member.Id });
        db.ClusterGrants.Add(new ClusterGrant { ClusterId = _cluster.Id, GroupId = _group.Id, Permissions = ClusterPermissions.CreateVm });
        db.QuotaOverrides.Add(new QuotaOverride { ClusterId = _cluster.Id, GroupId = _group.Id, RamMiB = 1024, DiskMiB = 10240, Vcpus = 4, UpdatedAt = TimeProvider.System.GetUtcNow() });
        await db.SaveChangesAsync();
        _cluster = await db.Clusters.AsNoTracking().SingleAsync(c => c.Id == _cluster.Id);
    }

    public async Task DisposeAsync()
    {
        _fake.Cluster.Jobs.Release();
        await _services.DisposeAsync();
        await _database.DisposeAsync();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task Sync_ClusterInfo_MirrorsTheOsList()
    {
        _cluster.Info.OperatingSystems.ShouldBe(["debootstrap+default", "debootstrap+minimal", "noop", "sandbox+default", "sandbox+minimal", "sandbox+slow"]);
    }

    [Fact]
    public async Task GetOptionsAsync_GroupMember_OffersExactlyTheGroup_WithItsQuota()
    {
        var options = await Service.GetOptionsAsync(_memberPrincipal, _cluster.Id);

        options.ShouldNotBeNull();
        options.Owners.Select(o => o.Persona.Key).ShouldBe([GroupKey]);
        options.Owners[0].Quota.RamMiB.ShouldBe(1024);
        options.Facts.OperatingSystems.ShouldContain("sandbox+default");
        options.Facts.IpolicyRanges.ShouldNotBeEmpty();
        (await Service.GetOptionsAsync(_stranger, _cluster.Id)).ShouldBeNull();
        (await Service.ListClustersAsync(_stranger)).ShouldBeEmpty();
        (await Service.ListClustersAsync(_memberPrincipal)).ShouldHaveSingleItem().Unavailable.ShouldBeNull();
    }

    [Fact]
    public async Task CreateAsync_AsTheGroup_SendsWhatWasEntered_WithTheOwnershipTag_ReservesQuota_Audits()
    {
        var form = await FormAsync("wzsvc1");
        form.Spec.Hv.BootOrder = "network";
        form.Spec.OsParams = "delay=1";
        var before = _fake.RequestLog.Count;

        var result = await Service.CreateAsync(_memberPrincipal, form);

        result.Succeeded.ShouldBeTrue(result.Message + string.Join("; ", result.Failures.Select(f => $"{f.PropertyName}: {f.ErrorMessage}")));
        var post = _fake.RequestLog.Entries.Skip(before).Single(r => r.Method == "POST" && r.Path == "/2/instances");
        using var body = JsonDocument.Parse(post.Body!);
        var root = body.RootElement;
        root.GetProperty("__version__").GetInt32().ShouldBe(1);
        root.GetProperty("name").GetString().ShouldBe("wzsvc1");
        root.GetProperty("hypervisor").GetString().ShouldBe("kvm");
        root.GetProperty("disk_template").GetString().ShouldBe("diskless");
        root.GetProperty("os_type").GetString().ShouldBe("sandbox+default");
        root.GetProperty("beparams").GetProperty("maxmem").GetInt64().ShouldBe(256);
        root.GetProperty("beparams").GetProperty("vcpus").GetInt32().ShouldBe(2);
        root.GetProperty("hvparams").GetProperty("boot_order").GetString().ShouldBe("network");
        root.GetProperty("osparams").GetProperty("delay").GetString().ShouldBe("1");
        root.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ShouldBe(["gwm:owner:group:lab"]);
        root.GetProperty("disks").GetArrayLength().ShouldBe(0);

        await using var db = await Db();
        var job = await db.Jobs.SingleAsync(j => j.Id == result.JobId);
        job.Operation.ShouldBe(JobOperations.InstanceCreate);
        job.SubmittedByUserId.ShouldBe(_member.Id);
        var hold = await db.QuotaReservations.SingleAsync(r => r.JobId == job.Id);
        (hold.OwnerGroupId, hold.RamMiB, hold.Vcpus, hold.State).ShouldBe((_group.Id, 256L, 2, QuotaReservationState.Held));
        var entry = await db.AuditLog.SingleAsync(a => a.Action == "vm.create" && a.JobId == job.Id);
        entry.Outcome.ShouldBe(AuditOutcome.Allowed);
        entry.Persona.ShouldBe("group:lab");
        entry.VmName.ShouldBe("wzsvc1");

        (await Service.GetProgressAsync(_memberPrincipal, job.Id)).ShouldNotBeNull("the submitter follows the create before the VM exists");
        (await Service.GetProgressAsync(_stranger, job.Id)).ShouldBeNull();
    }

    [Fact]
    public async Task CreateAsync_AsThemselfWithOnlyAGroupGrant_RefusedAsPersona_NoRequest_NothingWritten_OneAuditEntry()
    {
        var form = await FormAsync("wzsvc2");
        form.OwnerKey = QuotaOwner.User(_member.Id).ToString();
        var (requests, jobs, audit) = await CountsAsync();

        var result = await Service.CreateAsync(_memberPrincipal, form);

        result.Succeeded.ShouldBeFalse();
        result.Failures.ShouldContain(f => f.PropertyName == nameof(CreateVmForm.OwnerKey));
        await ShouldBeRefusedAsync(requests, jobs, audit, "vm.create");
    }

    [Fact]
    public async Task CreateAsync_WithoutCreateVm_Refused_NoRequest_OneAuditEntry()
    {
        var form = await FormAsync("wzsvc3");
        var (requests, jobs, audit) = await CountsAsync();

        var result = await Service.CreateAsync(_stranger, form);

        result.Succeeded.ShouldBeFalse();
        await ShouldBeRefusedAsync(requests, jobs, audit, "vm.create");
    }

    [Fact]
    public async Task CreateAsync_OverTheGroupsQuota_RefusedWithTheQuotaMessage_NoRequest_OneAuditEntry()
    {
        var form = await FormAsync("wzsvc4");
        form.Spec.Vcpus = 5; // the quota admits 4 (the policy allows up to 8)
        var (requests, jobs, audit) = await CountsAsync();

        var result = await Service.CreateAsync(_memberPrincipal, form);

        result.Succeeded.ShouldBeFalse();
        result.Message.ShouldBe("Not enough quota: group Lab on cre needs 5 vCPUs, 4 of 4 left.");
        await ShouldBeRefusedAsync(requests, jobs, audit, "vm.create");
    }

    [Fact]
    public async Task CreateAsync_InvalidSettings_FieldFailures_NoRequest()
    {
        var form = await FormAsync("Bad_Name");
        form.Spec.MaxMemoryMiB = 64; // below the policy's 128
        form.Spec.DiskTemplate = "drbd";
        form.Spec.UseIallocator = false;
        form.Spec.PrimaryNode = "nowhere";
        var before = _fake.RequestLog.Count;

        var result = await Service.CreateAsync(_memberPrincipal, form);

        result.Succeeded.ShouldBeFalse();
        result.Failures.Select(f => f.PropertyName).ShouldBeSubsetOf(
            ["InstanceName", "Spec.MaxMemoryMiB", "Spec.MinMemoryMiB", "Spec.Disks", "Spec.PrimaryNode", "Spec.SecondaryNode", "Spec"]);
        result.Failures.Select(f => f.PropertyName).ShouldContain("InstanceName");
        result.Failures.Select(f => f.PropertyName).ShouldContain("Spec.MaxMemoryMiB");
        result.Failures.Select(f => f.PropertyName).ShouldContain("Spec.PrimaryNode");
        result.Failures.Select(f => f.PropertyName).ShouldContain("Spec.SecondaryNode");
        _fake.RequestLog.Count.ShouldBe(before);
    }

    [Fact]
    public async Task CreateAsync_NameOfAMirroredVm_RefusedAsInUse()
    {
        await using var db = await Db();
        var existing = await db.VirtualMachines.Where(v => v.ClusterId == _cluster.Id).Select(v => v.Name).FirstAsync();
        var form = await FormAsync(existing);

        var result = await Service.CreateAsync(_memberPrincipal, form);

        result.Failures.ShouldContain(f => f.PropertyName == "InstanceName" && f.ErrorMessage.Contains("already has a virtual machine named"));
    }

    [Fact]
    public async Task RetryFormAsync_FailedCreate_ReturnsTheSameOwnerNameAndSettings()
    {
        var form = await FormAsync("wzsvc5");
        form.Spec.DiskTemplate = "file";
        form.Spec.Disks = [new DiskSpec { SizeMiB = 2048 }];
        form.Spec.OsParams = "fail=true";
        form.Spec.Hv.SerialConsole = !(form.Spec.Hv.SerialConsole ?? false);
        var created = await Service.CreateAsync(_memberPrincipal, form);
        created.Succeeded.ShouldBeTrue(created.Message + string.Join("; ", created.Failures.Select(f => $"{f.PropertyName}: {f.ErrorMessage}")));
        await _build.UpdateJobAsync(created.JobId!.Value, j => { j.Status = JobStatus.Error; j.ErrorMessage = "OS create script failed"; });

        var retry = await Service.RetryFormAsync(_memberPrincipal, created.JobId.Value);

        retry.ShouldNotBeNull();
        retry.OwnerKey.ShouldBe(GroupKey);
        retry.InstanceName.ShouldBe("wzsvc5");
        retry.Spec.ToJson().ShouldBe(form.Spec.ToJson());
        (await Service.RetryFormAsync(_stranger, created.JobId.Value)).ShouldBeNull();
    }

    [Fact]
    public async Task Templates_SaveFromWizard_UpdateCopyDelete_ByCreateVmHolders_RefusedForOthersAndAudited()
    {
        var form = await FormAsync(null);
        form.CreateVm = false;
        form.SaveTemplate = true;
        form.TemplateName = "small kvm";
        var saved = await Service.CreateAsync(_memberPrincipal, form);
        saved.Succeeded.ShouldBeTrue(string.Join("; ", saved.Failures.Select(f => f.ErrorMessage)));
        var id = saved.TemplateId!.Value;

        (await Templates.ListAsync(_memberPrincipal, null)).Select(t => t.Name).ShouldBe(["small kvm"]);
        (await Templates.ListAsync(_stranger, null)).ShouldBeEmpty();
        (await Templates.GetAsync(_stranger, id)).ShouldBeNull();

        var detail = (await Templates.GetAsync(_memberPrincipal, id))!;
        detail.Spec.Vcpus = 3;
        (await Templates.UpdateAsync(_memberPrincipal, id, new TemplateForm { Name = "small kvm", Description = "three", Spec = detail.Spec })).Succeeded.ShouldBeTrue();
        (await Templates.GetAsync(_memberPrincipal, id))!.Spec.Vcpus.ShouldBe(3);
        detail.Spec.MaxMemoryMiB = 1_000_000; // beyond the policy
        (await Templates.UpdateAsync(_memberPrincipal, id, new TemplateForm { Name = "small kvm", Spec = detail.Spec })).Failures.ShouldContain(f => f.PropertyName == "Spec.MaxMemoryMiB");

        var copy = await Templates.CopyAsync(_memberPrincipal, id, "small kvm 2", null);
        copy.Succeeded.ShouldBeTrue();
        (await Templates.CopyAsync(_memberPrincipal, id, "small kvm 2", null)).Succeeded.ShouldBeFalse("the name is taken");

        var (requests, jobs, audit) = await CountsAsync();
        (await Templates.DeleteAsync(_stranger, id)).Succeeded.ShouldBeFalse();
        (await Templates.UpdateAsync(_stranger, id, new TemplateForm { Name = "x", Spec = detail.Spec })).Succeeded.ShouldBeFalse();
        await using (var db = await Db())
        {
            (await db.AuditLog.CountAsync(a => a.Id > audit && a.Outcome == AuditOutcome.Refused)).ShouldBe(2);
            (await db.VmTemplates.CountAsync()).ShouldBe(2);
        }

        (await Templates.DeleteAsync(_memberPrincipal, copy.TemplateId!.Value)).Succeeded.ShouldBeTrue();
        (await Templates.ListAsync(_memberPrincipal, _cluster.Id)).Select(t => t.Name).ShouldBe(["small kvm"]);
    }

    [Fact]
    public async Task Templates_FromVm_KeepsItsSettings_AndNeedsCreateVm()
    {
        await using var db = await Db();
        var vm = await db.VirtualMachines.Where(v => v.ClusterId == _cluster.Id).OrderBy(v => v.Name).FirstAsync();
        vm.OwnerGroupId = _group.Id;
        await db.SaveChangesAsync();

        var refused = await Templates.FromVmAsync(_stranger, vm.Id, "from vm", null);
        var saved = await Templates.FromVmAsync(_memberPrincipal, vm.Id, "from vm", null);

        refused.Succeeded.ShouldBeFalse();
        saved.Succeeded.ShouldBeTrue(saved.Message);
        var spec = (await Templates.GetAsync(_memberPrincipal, saved.TemplateId!.Value))!.Spec;
        (spec.Os, spec.Vcpus, spec.MaxMemoryMiB, spec.DiskTemplate, spec.Disks.Count, spec.Nics.Count)
            .ShouldBe((vm.Os, vm.Vcpus ?? 0, vm.MaxMemoryMiB ?? 0, vm.DiskTemplate, vm.Disks.Count, vm.Nics.Count));
    }

    private async Task<CreateVmForm> FormAsync(string? name)
    {
        var options = (await Service.GetOptionsAsync(_memberPrincipal, _cluster.Id))!;
        var spec = options.Facts.DefaultSpec();
        spec.Hypervisor = "kvm";
        spec.Hv = HvFields.Defaults("kvm", options.Facts.HvDefaultsOf("kvm"));
        spec.Os = "sandbox+default";
        spec.DiskTemplate = "diskless";
        spec.Disks = [];
        spec.Vcpus = 2;
        spec.MinMemoryMiB = 128;
        spec.MaxMemoryMiB = 256;
        spec.Nics = [new NicSpec { Mode = "bridged", Link = options.Facts.DefaultNicLink ?? "br0" }];
        return new CreateVmForm { ClusterId = _cluster.Id, CreateVm = name is not null, OwnerKey = GroupKey, InstanceName = name, Spec = spec };
    }

    private async Task<(int Requests, int Jobs, long Audit)> CountsAsync()
    {
        await using var db = await Db();
        return (_fake.RequestLog.Count, await db.Jobs.CountAsync(), await db.AuditLog.MaxAsync(a => (long?)a.Id) ?? 0);
    }

    private async Task ShouldBeRefusedAsync(int requests, int jobs, long audit, string action)
    {
        _fake.RequestLog.Count.ShouldBe(requests, "a refusal makes no RAPI request");
        await using var db = await Db();
        (await db.Jobs.CountAsync()).ShouldBe(jobs);
        (await db.QuotaReservations.CountAsync(r => r.State == QuotaReservationState.Held && r.JobId == null)).ShouldBe(0);
        var entries = await db.AuditLog.Where(a => a.Id > audit).ToListAsync();
        entries.ShouldHaveSingleItem().Outcome.ShouldBe(AuditOutcome.Refused);
        entries[0].Action.ShouldBe(action);
    }

    private Task<AppDbContext> Db() => _services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    private static ClaimsPrincipal Principal(AppUser user) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()), new Claim(ClaimTypes.Name, user.UserName!)], "test"));
}
