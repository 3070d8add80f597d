using System.Globalization;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Domain.VirtualMachines;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Testing.Inventory;

/// <summary>
/// Writes clusters, nodes, VMs, jobs and errors straight into a portal database, as the sync would have
/// mirrored them, with plausible defaults that each test overrides where it matters.
/// </summary>
public sealed class InventoryBuilder(IDbContextFactory<AppDbContext> contextFactory, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private int _macCounter;

    public DateTimeOffset Now => _clock.GetUtcNow();

    public async Task<Cluster> AddClusterAsync(string slug, Action<Cluster>? configure = null)
    {
        var cluster = new Cluster
        {
            Slug = slug,
            Hostname = $"{slug}.cluster.invalid",
            Description = $"Cluster {slug}",
            RapiUsername = "gwm",
            CreatedAt = Now.AddDays(-30),
            Info = new ClusterMirror
            {
                GanetiName = $"{slug}.cluster.invalid",
                SoftwareVersion = "3.0.2",
                MasterNode = $"node1.{slug}.invalid",
                DefaultHypervisor = "kvm",
                EnabledHypervisors = ["kvm", "fake"],
                EnabledDiskTemplates = ["plain", "drbd", "file"],
                DefaultIallocator = "hail",
                Tags = [],
            },
            Sync = new ClusterSyncState { LastSuccessAt = Now.AddSeconds(-20) },
        };
        configure?.Invoke(cluster);
        return await AddAsync(cluster);
    }

    public async Task<Node> AddNodeAsync(Cluster cluster, string name, Action<Node>? configure = null)
    {
        var node = new Node
        {
            ClusterId = cluster.Id,
            Name = name,
            Role = NodeRole.Regular,
            MasterCandidate = true,
            MasterCapable = true,
            VmCapable = true,
            GroupName = "default",
            PrimaryIp = "192.0.2.1",
            MemoryTotalMiB = 65536,
            MemoryFreeMiB = 32768,
            MemoryNodeMiB = 1024,
            DiskTotalMiB = 1048576,
            DiskFreeMiB = 524288,
            CpuCount = 16,
            CpuNodeCount = 1,
            Sockets = 1,
            Tags = [],
        };
        configure?.Invoke(node);
        return await AddAsync(node);
    }

    public async Task<AppUser> AddUserAsync(string userName, bool superuser = false)
    {
        var user = new AppUser
        {
            Id = Guid.NewGuid(),
            UserName = userName,
            NormalizedUserName = userName.ToUpperInvariant(),
            Email = $"{userName}@example.invalid",
            NormalizedEmail = $"{userName}@example.invalid".ToUpperInvariant(),
            SecurityStamp = Guid.NewGuid().ToString("N"),
            IsSuperuser = superuser,
            CreatedAt = Now,
        };
        return await AddAsync(user);
    }

    public async Task<Group> AddGroupAsync(string slug, string name) =>
        await AddAsync(new Group { Slug = slug, Name = name, CreatedAt = Now });

    /// <summary>A running kvm VM with one 10 GiB disk and one NIC; <paramref name="configure"/> changes the rest.</summary>
    public async Task<VirtualMachine> AddVmAsync(Cluster cluster, string name, Action<VirtualMachine>? configure = null)
    {
        var vm = NewVm(cluster, name);
        configure?.Invoke(vm);
        vm.DiskTotalMiB = vm.Disks.Sum(d => d.SizeMiB);
        vm.SearchText = SearchTextOf(vm);
        return await AddAsync(vm);
    }

    public VirtualMachine NewVm(Cluster cluster, string name)
    {
        var mac = Interlocked.Increment(ref _macCounter);
        return new VirtualMachine
        {
            ClusterId = cluster.Id,
            Name = name,
            Uuid = Guid.NewGuid().ToString(),
            Status = VmStates.Running,
            OperState = true,
            AdminState = VmStates.AdminUp,
            Os = "debootstrap+default",
            Hypervisor = "kvm",
            Vcpus = 1,
            MinMemoryMiB = 512,
            MaxMemoryMiB = 512,
            OperRamMiB = 512,
            DiskTemplate = "plain",
            Disks = [new VmDisk { Name = "disk0", SizeMiB = 10240 }],
            Nics = [new VmNic { Mac = string.Create(CultureInfo.InvariantCulture, $"aa:00:00:{mac >> 16 & 0xff:x2}:{mac >> 8 & 0xff:x2}:{mac & 0xff:x2}"), Mode = "bridged", Link = "br0" }],
            PrimaryNode = $"node1.{cluster.Slug}.invalid",
            NetworkPort = 11000 + mac,
            Tags = [],
            SerialNo = 1,
            Ctime = Now.AddDays(-10).ToUnixTimeSeconds(),
            Mtime = Now.AddDays(-1).ToUnixTimeSeconds(),
        };
    }

    /// <summary>Changes a VM as a sync pass would, keeping its search text in step.</summary>
    public async Task<VirtualMachine> UpdateVmAsync(long id, Action<VirtualMachine> change)
    {
        await using var db = await contextFactory.CreateDbContextAsync();
        var vm = await db.VirtualMachines.SingleAsync(v => v.Id == id);
        change(vm);
        vm.DiskTotalMiB = vm.Disks.Sum(d => d.SizeMiB);
        vm.SearchText = SearchTextOf(vm);
        await db.SaveChangesAsync();
        return vm;
    }

    public async Task<Job> AddJobAsync(Cluster cluster, Action<Job>? configure = null)
    {
        var job = new Job
        {
            ClusterId = cluster.Id,
            Operation = JobOperations.InstanceStartup,
            Source = JobSource.Portal,
            Submission = JobSubmission.Submitted,
            TargetKind = JobTargetKind.Cluster,
            TargetName = cluster.Slug,
            SubmittedByName = "admin",
            Status = JobStatus.Success,
            OpIds = ["OP_INSTANCE_STARTUP"],
            Summary = ["INSTANCE_STARTUP"],
            CreatedAt = Now.AddMinutes(-5),
            SubmittedAt = Now.AddMinutes(-5),
            ReceivedAt = Now.AddMinutes(-5),
            StartedAt = Now.AddMinutes(-5).AddSeconds(1),
            EndedAt = Now.AddMinutes(-5).AddSeconds(4),
        };
        configure?.Invoke(job);
        return await AddAsync(job);
    }

    public async Task<Job> UpdateJobAsync(long id, Action<Job> change)
    {
        await using var db = await contextFactory.CreateDbContextAsync();
        var job = await db.Jobs.SingleAsync(j => j.Id == id);
        change(job);
        await db.SaveChangesAsync();
        return job;
    }

    public async Task<ClusterError> AddErrorAsync(Cluster cluster, ClusterErrorKind kind, string message, Action<ClusterError>? configure = null)
    {
        var error = new ClusterError { ClusterId = cluster.Id, Kind = kind, Message = message, FirstAt = Now.AddMinutes(-10), LastAt = Now.AddMinutes(-1) };
        configure?.Invoke(error);
        return await AddAsync(error);
    }

    public async Task UpdateClusterAsync(int id, Action<Cluster> change)
    {
        await using var db = await contextFactory.CreateDbContextAsync();
        change(await db.Clusters.SingleAsync(c => c.Id == id));
        await db.SaveChangesAsync();
    }

    /// <summary>What the free-text search matches, lower-case: name, OS, nodes, addresses, tags.</summary>
    public static string SearchTextOf(VirtualMachine vm) =>
        string.Join(' ', new[] { vm.Name, vm.Os, vm.PrimaryNode }
            .Concat(vm.SecondaryNodes)
            .Concat(vm.Nics.SelectMany(n => new[] { n.Ip, n.Mac }))
            .Concat(vm.Tags)
            .Where(s => !string.IsNullOrEmpty(s)))
        .ToLowerInvariant();

    private async Task<T> AddAsync<T>(T entity)
        where T : class
    {
        await using var db = await contextFactory.CreateDbContextAsync();
        db.Add(entity);
        await db.SaveChangesAsync();
        return entity;
    }
}
